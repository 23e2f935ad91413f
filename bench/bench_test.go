package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// blob builds the workloads blob (make workloads: cheap when it is up to
// date) and loads it.
func blob(t testing.TB) *Blob {
	t.Helper()
	for _, tool := range []string{"make", "gcc", "ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the workloads blob cannot be built", tool)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("make", "-s", "workloads")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make workloads: %v\n%s", err, out)
	}
	b, err := Load(filepath.Join(root, "build", "bench", "workloads.elf"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every engine computes the same answer for every workload, and the
// emulator counts the same instructions each time.
func TestWorkloadsAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the workloads run 350M instructions on each engine")
	}
	b := blob(t)
	runners := []Runner{Emulator{}, Unicorn{}}
	if q, err := NewQEMUUser(b); err != nil {
		t.Run("qemu-user", func(t *testing.T) { t.Skip(err) })
	} else {
		runners = append(runners, q)
	}
	res, err := Compare(b, runners, Workloads, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Retired < 10_000_000 {
			t.Errorf("%s: %d instructions: too few to time", r.Workload.Name, r.Retired)
		}
		for _, run := range runners {
			if r.MIPS(run.Name()) <= 0 {
				t.Errorf("%s on %s: no time measured", r.Workload.Name, run.Name())
			}
		}
	}
	var s strings.Builder
	if err := Table(res, []string{"emulator", "unicorn"}).Render(&s); err != nil {
		t.Fatal(err)
	}
	t.Logf("one round (figures from a test run, not a benchmark):\n%s", s.String())
}

// A file that is not the blob gets a clear error.
func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "not-elf")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable() // an ELF, but not the blob
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.elf"), "make bench builds it"},
		{notELF, "not an ELF file"},
		{self, "not the benchmark blob"},
	} {
		_, err := Load(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
}

// BenchmarkEmulator runs each workload on the emulator alone (for
// profiling: go test -bench Emulator -cpuprofile).
func BenchmarkEmulator(b *testing.B) {
	bl := blob(b)
	for _, w := range Workloads {
		b.Run(w.Name, func(b *testing.B) {
			var retired uint64
			for b.Loop() {
				m, err := Emulator{}.Run(bl, w.N)
				if err != nil {
					b.Fatal(err)
				}
				retired += m.Retired
			}
			b.ReportMetric(float64(retired)/b.Elapsed().Seconds()/1e6, "MIPS")
		})
	}
}

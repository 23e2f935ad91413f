package mutation

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The whole machinery on a small module of the test's own: candidates,
// compilation, the probe, a detector run per mutant, kills, survivors,
// and resuming on the same tree.
func TestRunEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and tests a small module once per mutant")
	}
	dir := t.TempDir()
	probeSrc, err := os.ReadFile(filepath.Join("probe", "probe.go")) // before the Chdir below
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"go.mod":                  "module " + module + "\n\ngo 1.22\n",
		"mutation/probe/probe.go": string(probeSrc),
		"lib/lib.go": `package lib

// Clamp8 limits v to 0..255 and says whether it did.
func Clamp8(v int) (int, bool) {
	if v > 0xff {
		return 0xff, true
	}
	return v, false
}
`,
		// No case at 255 or 256: the boundary mutant survives. The cases
		// note the probe as the sweeps do.
		"lib/lib_test.go": `package lib

import (
	"fmt"
	"os"
	"testing"

	"github.com/twinstep/twinstep/mutation/probe"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := probe.Flush(); err != nil {
		fmt.Println(err)
		code = 1
	}
	os.Exit(code)
}

func TestClamp8(t *testing.T) {
	for _, c := range []struct {
		in, out int
		clamped bool
	}{{300, 255, true}, {7, 7, false}} {
		h := probe.Hits()
		v, clamped := Clamp8(c.in)
		probe.Skip(h, fmt.Sprintf("%02x", c.in))
		if v != c.out || clamped != c.clamped {
			t.Fatal(c.in, v, clamped)
		}
	}
}
`,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Skipf("git init: %v %s (resuming needs git)", err, out)
	}
	t.Chdir(dir) // as the command runs: from the module root, with relative paths
	cfg := Config{Root: ".", Out: filepath.Join("build", "out"), Seed: 1, Baseline: true, Targets: []string{"lib"},
		Checks: []Detector{{Name: "unit", Pkgs: []string{"./lib"}, MakeTest: true, Timeout: time.Minute}}}
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{
		"mask: 0xff -> 0xffff":            Killed, // both literals: 300 comes back as 300, or 255 as 65535
		"boundary: > -> >=":               Survived,
		"negate: v > 0xff -> !(v > 0xff)": Killed,
	}
	seen := map[string]int{}
	for _, r := range sum.Results {
		k := r.Op + ": " + r.Before + " -> " + r.After
		seen[k]++
		if w, ok := want[k]; ok && r.Status != w {
			t.Errorf("%s: %s, want %s (%s)", k, r.Status, w, r.Detail)
		}
		if r.Status == Killed && (r.KilledBy != "unit" || len(r.Runs) != 1) {
			t.Errorf("%s: killed by %q after %d runs", k, r.KilledBy, len(r.Runs))
		}
		if r.Status == Survived && r.Reached != 2 {
			t.Errorf("%s: the probe saw %d cases reach it, want both", k, r.Reached)
		}
		if !r.Probed || r.Func != "Clamp8" {
			t.Errorf("%s: probed %v in %q", k, r.Probed, r.Func)
		}
	}
	if seen["mask: 0xff -> 0xffff"] != 2 || seen["boundary: > -> >="] != 1 {
		t.Errorf("mutants made: %v", seen)
	}
	if sum.Baseline["unit"] == "" {
		t.Error("no baseline run")
	}
	// The last mutant's source stays in the scratch directory, inside
	// the module: ./... must not see it (a mutant's file alone does not
	// build).
	if out, err := exec.Command("go", "list", "./...").CombinedOutput(); err != nil || strings.Contains(string(out), "build") {
		t.Errorf("go list ./... after a run: %v\n%s", err, out)
	}
	// The same tree again: every result comes from the first run.
	start := time.Now()
	cfg.Baseline = false
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Results) != len(sum.Results) {
		t.Fatalf("resumed %d results, want %d", len(again.Results), len(sum.Results))
	}
	for i := range again.Results {
		if again.Results[i].Status != sum.Results[i].Status || again.Results[i].ID != sum.Results[i].ID {
			t.Errorf("resumed result %d differs: %+v", i, again.Results[i])
		}
	}
	t.Logf("%d mutants; resumed in %v", len(sum.Results), time.Since(start))
}

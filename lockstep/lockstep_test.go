package lockstep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/traces"
)

const cmdline = `init=C:\Windows\System32\cmd.exe`

// bootPrefix is how much of the cmd.exe boot the tests record: past the
// kernel's per-boot seed, whose SHA-256 runs BSWAP 162 times from about
// instruction 5.6 million.
const bootPrefix = 6_000_000

// record records the first n instructions of the boot to cmd.exe, with
// disabled mnemonics treated as missing, and opens the trace.
func record(t testing.TB, n uint64, disabled ...string) (*traces.Trace, string, *traces.Recording) {
	t.Helper()
	kernel, initrd, err := kernelbuild.Images()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "boot.trace")
	rec, err := traces.RecordFile(path, traces.RecordConfig{Kernel: kernel, Initrd: initrd, KernelName: "kernel.elf",
		InitrdName: "initrd.tar", Cmdline: cmdline, Limit: n, Disabled: disabled})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := traces.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr, path, rec
}

func logReport(t *testing.T, rep *Report) {
	t.Helper()
	t.Logf("replayed %d instructions in %v (%.0f/s, %d workers, %d oracle restarts): %+v",
		rep.Instructions, rep.Elapsed, rep.Rate(), rep.Workers, rep.OracleRestarts, rep.Counts)
	for _, g := range rep.Divergences {
		t.Logf("divergence %s (%s stands apart: %v) x%d, first #%d at %s: %s", g.Form, g.Who, g.Fields, g.Count,
			g.First.Index, g.First.Symbol, g.First.Text)
	}
}

// The emulator's boot, replayed on Unicorn, has nothing unexplained: every
// instruction matches, is explained by a known oracle mistake, or is one
// the oracle cannot run (and then has a reason).
func TestBootReplaysClean(t *testing.T) {
	tr, path, rec := record(t, bootPrefix)
	rep, err := Replay(tr, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, rep)
	if rep.Instructions != rec.Instructions || rep.Instructions < bootPrefix {
		t.Fatalf("replayed %d instructions, recorded %d", rep.Instructions, rec.Instructions)
	}
	if rep.Unexplained() {
		t.Fatalf("%d divergent, %d missing", rep.Counts.Divergent, rep.Counts.Missing)
	}
	if c := rep.Counts; c.Match+c.OracleUnable+c.Mistake != rep.Instructions || c.Match < rep.Instructions*99/100 {
		t.Fatalf("counts %+v do not add up to %d instructions, or too few matched", c, rep.Instructions)
	}
	for _, g := range rep.Unable {
		if g.Key == "" || !strings.HasPrefix(g.First.Symbol, "kernel!") {
			t.Errorf("unable group %q: no reason or no kernel symbol for its first occurrence (%q)", g.Key, g.First.Symbol)
		}
	}
	if len(rep.Coverage) < 50 {
		t.Errorf("only %d instruction forms covered", len(rep.Coverage))
	}
}

// The proof that lockstep finds what is missing: with BSWAP switched off in
// the emulator, the recorder has the oracle run the kernel's BSWAPs (its
// SHA-256 reads big-endian words), and the replay names BSWAP as missing,
// with its count and where it first ran, and finds nothing else.
func TestReplayNamesMissingBSWAP(t *testing.T) {
	tr, path, rec := record(t, bootPrefix, "bswap")
	if rec.ByOracle == 0 {
		t.Fatal("the recording has no instruction the oracle ran: the kernel's SHA-256 did not run BSWAP")
	}
	rep, err := Replay(tr, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, rep)
	if len(rep.Missing) != 1 {
		t.Fatalf("missing groups %+v, want BSWAP alone", rep.Missing)
	}
	g := rep.Missing[0]
	if g.Key != "bswap" || g.Count != rec.ByOracle || rep.Counts.Missing != rec.ByOracle {
		t.Fatalf("missing %q x%d (counts %+v), want bswap x%d", g.Key, g.Count, rep.Counts, rec.ByOracle)
	}
	// The SHA-256 block function, kernel/lib/sha256.c's compress.
	if !strings.HasPrefix(g.First.Symbol, "kernel!compress+") || !strings.HasPrefix(g.First.Text, "bswap") {
		t.Fatalf("first BSWAP at %q (%s), want in the kernel's SHA-256", g.First.Symbol, g.First.Text)
	}
	if rep.Counts.Divergent != 0 {
		t.Fatalf("%d divergences besides the missing BSWAP", rep.Counts.Divergent)
	}
	t.Logf("missing: %s x%d, first #%d at %s (%#x): %s", g.Key, g.Count, g.First.Index, g.First.Symbol, g.First.RIP, g.First.Text)
}

// BenchmarkReplay replays the first two million instructions of the boot:
// instructions per second with one worker and with one per core.
func BenchmarkReplay(b *testing.B) {
	tr, path, _ := record(b, 2_000_000)
	for _, workers := range []int{1, 0} {
		name := "workers=all"
		if workers == 1 {
			name = "workers=1"
		}
		b.Run(name, func(b *testing.B) {
			var n uint64
			for b.Loop() {
				rep, err := Replay(tr, path, Options{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				n += rep.Instructions
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "instr/s")
		})
	}
}

// A trace cut short replays up to the damage: the report says where the
// damage is, and covers the instructions before it.
func TestReplayStopsAtDamage(t *testing.T) {
	_, path, rec := record(t, 300_000)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.trace")
	if err := os.WriteFile(cut, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := traces.Open(cut)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	rep, err := Replay(tr, cut, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Damage, "trace chunk") || rep.Instructions == 0 || rep.Instructions >= rec.Instructions {
		t.Fatalf("damage %q after %d of %d instructions", rep.Damage, rep.Instructions, rec.Instructions)
	}
	if rep.Unexplained() {
		t.Fatalf("the part before the damage has unexplained findings: %+v", rep.Counts)
	}
	t.Logf("%s; %d of %d instructions replayed", rep.Damage, rep.Instructions, rec.Instructions)
}

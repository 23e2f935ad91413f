package lockstep

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/traces"
)

const cmdline = `init=C:\Windows\System32\cmd.exe`

// bootPrefix is how much of the cmd.exe boot the tests record: past the
// kernel's per-boot seed, whose SHA-256 runs BSWAP 162 times from about
// instruction 5.6 million.
const bootPrefix = 6_000_000

// ring3Prefix is how much of the boot the silicon test records: past the
// first ring-3 instruction (cmd.exe's process starts at instruction
// 24,339,809 since issue 11's kernel changes) by some thousands of ring-3
// instructions (7,873 when measured), among the kernel's.
const ring3Prefix = 24_500_000

// siliconMode is how the tests ask for silicon: required where this host
// can run the native engine (its helper built first), off where it cannot,
// with the reason.
func siliconMode(t testing.TB) (NativeMode, string) {
	t.Helper()
	if err := native.Supported(); err != nil {
		return NativeOff, err.Error()
	}
	if _, err := kernelbuild.NativeHelper(); err != nil {
		t.Fatal(err)
	}
	return NativeOn, ""
}

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
	t.Logf("replayed %d instructions in %v (%.0f/s, %d workers, %d oracle restarts): %+v; checked %+v; silicon %+v",
		rep.Instructions, rep.Elapsed, rep.Rate(), rep.Workers, rep.OracleRestarts, rep.Counts, rep.Checked, rep.Silicon)
	for _, g := range rep.Divergences {
		t.Logf("divergence %s (%s stands apart: %v) x%d, first #%d at %s: %s", g.Form, g.Who, g.Fields, g.Count,
			g.First.Index, g.First.Symbol, g.First.Text)
	}
}

// checkUnicornCounts checks the recording's and Unicorn's side of a
// replay: the classes add up to the instructions, and each reference
// checked what its classes say it did.
func checkUnicornCounts(t *testing.T, rep *Report) {
	t.Helper()
	c := rep.Counts
	if c.Match+c.Divergent+c.Missing+c.OracleUnable+c.Mistake != rep.Instructions {
		t.Fatalf("counts %+v do not add up to %d instructions", c, rep.Instructions)
	}
	if ch := rep.Checked; ch.Unicorn != c.Match+c.Divergent+c.Mistake || ch.Recording > ch.Unicorn || ch.Recording < ch.Unicorn*99/100 {
		t.Fatalf("checked %+v, want Unicorn on %d (matched, divergent or a known mistake), the recording on nearly as many",
			ch, c.Match+c.Divergent+c.Mistake)
	}
	var oracle, recorded uint64
	for _, f := range rep.Coverage {
		oracle, recorded = oracle+f.Oracle, recorded+f.Recorded
	}
	if oracle != rep.Checked.Unicorn || recorded != c.OracleUnable {
		t.Fatalf("coverage: %d compared with Unicorn, %d with the recording only; want %d and %d", oracle, recorded,
			rep.Checked.Unicorn, c.OracleUnable)
	}
}

// The emulator's boot, replayed on Unicorn, has nothing unexplained: every
// instruction matches, is explained by a known oracle mistake, or is one
// the oracle cannot run (and then has a reason). The prefix is the
// kernel's: nothing in it runs at ring 3, so silicon checks nothing.
func TestBootReplaysClean(t *testing.T) {
	mode, why := siliconMode(t)
	tr, path, rec := record(t, bootPrefix)
	rep, err := Replay(tr, path, Options{Native: mode})
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
	checkUnicornCounts(t, rep)
	if c := rep.Counts; c.Match < rep.Instructions*99/100 {
		t.Fatalf("counts %+v: too few matched", c)
	}
	if rep.Silicon.Ring3 != 0 || rep.Checked.Silicon != 0 || rep.Silicon.Sampled != 0 {
		t.Fatalf("silicon %+v, checked %+v: the kernel's instructions are not silicon's", rep.Silicon, rep.Checked)
	}
	if (rep.Silicon.Host != "") != (mode == NativeOn) || mode == NativeOff && rep.Silicon.Off != "turned off" {
		t.Fatalf("silicon %+v with mode %d (%s)", rep.Silicon, mode, why)
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

// Past the start of cmd.exe's process every ring-3 instruction goes to
// silicon (NativeEvery 1): each is agreed, disagreed or one silicon could
// not run (with a reason), and the emulator agrees with the host CPU on
// every one compared. Kernel instructions stay Unicorn's.
func TestSiliconChecksRing3(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 24.5 M instructions of the boot (35 s here): not with -short")
	}
	mode, why := siliconMode(t)
	tr, path, rec := record(t, ring3Prefix)
	rep, err := Replay(tr, path, Options{Native: mode, NativeEvery: 1})
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, rep)
	if rep.Instructions != rec.Instructions {
		t.Fatalf("replayed %d instructions, recorded %d", rep.Instructions, rec.Instructions)
	}
	checkUnicornCounts(t, rep)
	if rep.Silicon.Ring3 < 5_000 {
		t.Fatalf("%d ring-3 instructions: the prefix does not reach cmd.exe's process", rep.Silicon.Ring3)
	}
	if mode == NativeOff {
		t.Skipf("the silicon assertions need the native engine: %s", why)
	}
	s := rep.Silicon
	if s.Host == "" || s.Every != 1 || s.Sampled != s.Ring3 || s.Agreed+s.Disagreed+s.Unable != s.Sampled {
		t.Fatalf("silicon %+v: every ring-3 instruction is in the sample, and each is agreed, disagreed or unable", s)
	}
	if rep.Checked.Silicon != s.Compared() || s.Compared() < s.Ring3*9/10 {
		t.Fatalf("checked %+v, silicon %+v: silicon compared too few", rep.Checked, s)
	}
	var onSilicon uint64
	for _, f := range rep.Coverage {
		onSilicon += f.Silicon
	}
	if onSilicon != s.Compared() {
		t.Fatalf("coverage: %d compared with silicon, the counts say %d", onSilicon, s.Compared())
	}
	var unable uint64
	for _, g := range rep.SiliconUnable {
		unable += g.Count
		if g.Key == "" || g.First.RIP >= 1<<47 || g.First.Symbol == "" {
			t.Errorf("silicon unable %q: first at %#x (%q), want a reason and a user address with its symbol", g.Key,
				g.First.RIP, g.First.Symbol)
		}
	}
	if unable != s.Unable {
		t.Errorf("silicon unable groups hold %d instructions, the counts say %d", unable, s.Unable)
	}
	for _, g := range rep.Divergences {
		if g.Who == whoSilicon {
			t.Errorf("the emulator disagrees with silicon: %s %v x%d, first #%d at %s: %s\n%+v", g.Form, g.Fields, g.Count,
				g.First.Index, g.First.Symbol, g.First.Text, g.First.States)
		}
	}
	if s.Disagreed != 0 {
		t.Errorf("%d disagreements with silicon", s.Disagreed)
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

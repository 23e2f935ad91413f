package fuzz

import (
	"cmp"
	"debug/elf"
	"debug/pe"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

var (
	oracleOnce sync.Once
	oracle     *unicorn.Isolated
	oracleErr  error
)

// unicornOracle is the shared Unicorn worker. Without it the target fails:
// a comparison that cannot run must not pass.
func unicornOracle(t testing.TB) *unicorn.Isolated {
	t.Helper()
	oracleOnce.Do(func() { oracle, oracleErr = unicorn.NewIsolated() })
	if oracleErr != nil {
		t.Fatalf("the Unicorn oracle is required (apt-get install libunicorn-dev): %v", oracleErr)
	}
	return oracle
}

// newChecker compares the emulator with Unicorn and, where the host can
// run the native engine, with silicon, which then decides (the emulator
// runs the host's CPU profile).
func newChecker(t testing.TB) *check.Checker {
	t.Helper()
	k, err := nativetest.Checker(unicornOracle(t), unicorn.KnownMistakes)
	if err != nil {
		t.Fatalf("the native engine: %v", err)
	}
	return k
}

// seedsFromBinary adds the instructions of a real program's .text (an ELF
// or a PE file) as seeds: what compilers actually emit. The binaries come
// from the machine or the build, never from the repository.
func seedsFromBinary(f *testing.F, path string, max int) int {
	text := textSection(path)
	n := 0
	seen := map[string]bool{}
	for off := 0; off < len(text) && n < max; {
		in, err := decoder.Decode(text[off:min(off+decoder.MaxLen, len(text))])
		if err != nil {
			off++
			continue
		}
		b := text[off : off+int(in.Len)]
		if !seen[in.Form.Key()] {
			seen[in.Form.Key()] = true
			f.Add(append([]byte(nil), b...), uint64(off))
			n++
		}
		off += int(in.Len)
	}
	return n
}

// textSection returns the .text bytes of an ELF or PE file, or nil.
func textSection(path string) []byte {
	if ef, err := elf.Open(path); err == nil {
		defer ef.Close()
		if sec := ef.Section(".text"); sec != nil {
			b, _ := sec.Data()
			return b
		}
		return nil
	}
	pf, err := pe.Open(path)
	if err != nil {
		return nil
	}
	defer pf.Close()
	if sec := pf.Section(".text"); sec != nil {
		b, _ := sec.Data()
		return b
	}
	return nil
}

// statesPerInput is how many states each fuzz input runs from, all in one
// batch to each oracle: a round trip to an oracle's process costs more than
// a case.
const statesPerInput = 8

// FuzzSemantics runs instruction bytes from a random state (registers across
// the 64-bit range and at edge values, random flags, XMM lanes with float
// edge cases, MXCSR modes, data pages of random bytes wherever the
// instruction reaches) on the emulator and on Unicorn, and fails on any
// divergence that no known oracle mistake explains. Instructions the
// emulator does not implement are skipped (twinstep coverage lists them).
// Each input runs from statesPerInput states (with -short, its own seed's
// only), one batch to each oracle.
func FuzzSemantics(f *testing.F) {
	k := newChecker(f)
	total := 0
	for _, bin := range []string{"/bin/true", "/bin/ls", "/usr/bin/gzip"} {
		total += seedsFromBinary(f, bin, 400)
	}
	// Our own kernel's code: what gcc emits for a kernel, including the
	// system instructions (at CPL 3 they fault, identically on both sides).
	// Wine's cmd.exe and our DLLs: mingw's code generation.
	kernel, _, err := kernelbuild.Build()
	if err != nil {
		f.Fatal(err)
	}
	root, err := kernelbuild.BuildWin32()
	if err != nil {
		f.Fatal(err)
	}
	for _, bin := range []string{kernel, filepath.Join(root, "build", "wine", "cmd.exe"),
		filepath.Join(root, "build", "win32", "System32", "kernel32.dll"),
		filepath.Join(root, "build", "win32", "System32", "ucrtbase.dll")} {
		n := seedsFromBinary(f, bin, 400)
		if n == 0 {
			f.Fatalf("no seeds from %s", bin)
		}
		total += n
	}
	cases, err := corpus.Load(filepath.Join("..", corpus.Dir))
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		f.Add(c.Bytes, c.Seed)
	}
	seeds, err := corpus.LoadSeeds(filepath.Join("..", corpus.SeedsDir))
	if err != nil {
		f.Fatal(err)
	}
	for i, b := range seeds {
		f.Add(b, uint64(i))
	}
	total += len(seeds)
	if total+len(cases) == 0 {
		f.Fatal("no seeds: neither Debian binaries nor corpus/ were readable")
	}
	f.Fuzz(func(t *testing.T, code []byte, seed uint64) {
		if len(code) == 0 || len(code) > decoder.MaxLen {
			return
		}
		n := statesPerInput
		if testing.Short() {
			n = 1 // the seed corpus alone: 30,000 inputs
		}
		cases := make([]check.Case, n)
		seeds := make([]uint64, n)
		for j := range cases {
			s := seed + uint64(j)*0x9e3779b97f4a7c15 // state 0 is the input's own seed
			r := rand.New(rand.NewPCG(s, s>>32|1))
			c, err := check.BuildDirected(k.Emu, code, check.RandomState(r), s, r, s&2 != 0, s&1 != 0)
			if err != nil {
				t.Fatal(err)
			}
			cases[j], seeds[j] = c, s
		}
		reps, err := k.CheckAll(cases)
		if err != nil {
			t.Fatal(err)
		}
		for j, rep := range reps {
			if rep.Emu.Outcome.String() == "failed" {
				t.Fatalf("% x: the emulator failed internally: %s", code, rep.Emu.Detail)
			}
			if rep.Verdict == check.Divergence {
				// The case in the corpus form: a regression case once
				// fixed or explained, and `twinstep step --diff`
				// reproduces it.
				cs := corpus.Case{Why: "found by FuzzSemantics", Bytes: code, Seed: seeds[j], Oracle: rep.Decider,
					Expect: "match", State: cases[j].State}
				if rep.Decider == "native" {
					cs.CPU = k.Profile().Name
				}
				t.Errorf("% x (seed %d) %s: %s (%s)\n%s\n%s", code, seeds[j], instText(rep), rep.Agreement(),
					rep.Outcomes(), diffText(rep), corpus.Format(cs))
			}
		}
	})
}

func instText(rep check.Report) string {
	if rep.DecodeError != nil {
		return rep.DecodeError.Error()
	}
	return rep.Inst.String()
}

func diffText(rep check.Report) string {
	var b strings.Builder
	for _, d := range rep.Diffs {
		b.WriteString("  " + d.String() + "\n")
	}
	return b.String()
}

// TestRegressions replays every case in corpus/regressions and asserts its
// recorded verdict still holds against the oracle that decided it: Unicorn
// (the emulator in the case's CPU profile), or silicon (the emulator in the
// host's profile; such a case needs the native engine, and a case about
// one vendor's rule needs that vendor's CPU). Every case also runs against
// silicon where the host has it: the emulator must agree with the CPU
// wherever the CPU answers.
func TestRegressions(t *testing.T) {
	cases, err := corpus.Load(filepath.Join("..", corpus.Dir))
	if err != nil {
		t.Fatal(err)
	}
	byUnicorn := check.NewChecker(unicornOracle(t), nil, nil, unicorn.KnownMistakes)
	three := newChecker(t)
	host := three.Profile()
	var onSilicon, skipped int
	for _, cs := range cases {
		t.Run(cs.Name, func(t *testing.T) {
			k := byUnicorn
			if cs.Oracle == "native" {
				switch {
				case three.Native == nil:
					skipped++
					t.Skip("decided by silicon: needs the native engine (an x86-64 Linux host)")
				case cs.CPU != "" && cs.CPU != host.Name:
					skipped++
					t.Skipf("a rule of %s processors: this host runs the %s profile", cs.CPU, host.Name)
				}
				k = three
			} else {
				p, err := cpu.ProfileByName(cmp.Or(cs.CPU, cpu.DefaultProfile.Name))
				if err != nil {
					t.Fatal(err)
				}
				byUnicorn.SetProfile(p)
			}
			rep := replay(t, k, &cs)
			got := rep.Verdict.String()
			if rep.Verdict == check.OracleMistake {
				got += ": " + rep.Mistake
			}
			if got != cs.Expect {
				t.Errorf("(% x): verdict %q, want %q (%s)\n%s", cs.Bytes, got, cs.Expect, rep.Agreement(), diffText(rep))
			}
			if three.Native == nil || k == three {
				if k == three && rep.Decider == "native" {
					onSilicon++
				}
				return
			}
			if rep := replay(t, three, &cs); rep.Decider == "native" {
				onSilicon++
				if len(rep.Diffs) > 0 {
					t.Errorf("(% x): the emulator disagrees with silicon (%s):\n%s", cs.Bytes, rep.Agreement(), diffText(rep))
				}
			}
		})
	}
	t.Logf("%d regression cases replayed; %d compared with silicon; %d silicon-decided cases skipped on this host",
		len(cases), onSilicon, skipped)
}

func replay(t *testing.T, k *check.Checker, cs *corpus.Case) check.Report {
	t.Helper()
	c, err := check.Build(k.Emu, cs.Bytes, cs.State, cs.Seed, cs.Regions()...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := k.Check(c)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestEveryKnownMistakeIsProven: each entry of the oracle-mistake table is
// the expected verdict of at least one regression case, which shows the
// oracle's wrong answer and the emulator's right one on a concrete input.
func TestEveryKnownMistakeIsProven(t *testing.T) {
	cases, err := corpus.Load(filepath.Join("..", corpus.Dir))
	if err != nil {
		t.Fatal(err)
	}
	proven := map[string]bool{}
	for _, c := range cases {
		if name, ok := strings.CutPrefix(c.Expect, "known oracle mistake: "); ok {
			proven[name] = true
		}
	}
	for _, m := range unicorn.KnownMistakes {
		if !proven[m.Name] {
			t.Errorf("known oracle mistake %q has no regression case in %s", m.Name, corpus.Dir)
		}
	}
}

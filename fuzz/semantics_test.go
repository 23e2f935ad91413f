package fuzz

import (
	"debug/elf"
	"debug/pe"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

var (
	oracleOnce sync.Once
	oracle     *unicorn.Isolated
	oracleErr  error
)

// newChecker pairs the emulator with Unicorn. Without the oracle the target
// fails: a comparison that cannot run must not pass.
func newChecker(t testing.TB) *check.Checker {
	t.Helper()
	oracleOnce.Do(func() { oracle, oracleErr = unicorn.NewIsolated() })
	if oracleErr != nil {
		t.Fatalf("the Unicorn oracle is required (apt-get install libunicorn-dev): %v", oracleErr)
	}
	return &check.Checker{Emu: emulator.NewEngine(), Oracle: oracle, Mistakes: unicorn.KnownMistakes}
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

// FuzzSemantics runs instruction bytes from a random state (registers across
// the 64-bit range and at edge values, random flags, XMM lanes with float
// edge cases, MXCSR modes, data pages of random bytes wherever the
// instruction reaches) on the emulator and on Unicorn, and fails on any
// divergence that no known oracle mistake explains. Instructions the
// emulator does not implement are skipped (twinstep coverage lists them).
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
		st := check.RandomState(rand.New(rand.NewPCG(seed, seed>>32|1)))
		c, err := check.Build(k.Emu, code, st, seed)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := k.Check(c)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Emu.Outcome.String() == "failed" {
			t.Fatalf("% x: the emulator failed internally: %s", code, rep.Emu.Detail)
		}
		if rep.Verdict == check.Divergence {
			// The case in the corpus form: a regression case once fixed or
			// explained, and `twinstep step --diff` reproduces it.
			cs := corpus.Format(corpus.Case{Why: "found by FuzzSemantics", Bytes: code, Seed: seed,
				Oracle: "unicorn", Expect: "match", State: st})
			t.Errorf("% x (seed %d) %s: emulator %s, oracle %s\n%s\n%s", code, seed, instText(rep),
				rep.Emu.OutcomeString(), rep.Oracle.OutcomeString(), diffText(rep), cs)
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
// recorded verdict still holds.
func TestRegressions(t *testing.T) {
	cases, err := corpus.Load(filepath.Join("..", corpus.Dir))
	if err != nil {
		t.Fatal(err)
	}
	k := newChecker(t)
	for _, cs := range cases {
		c, err := check.Build(k.Emu, cs.Bytes, cs.State, cs.Seed, cs.Regions()...)
		if err != nil {
			t.Fatalf("%s: %v", cs.Name, err)
		}
		rep, err := k.Check(c)
		if err != nil {
			t.Fatalf("%s: %v", cs.Name, err)
		}
		got := rep.Verdict.String()
		if rep.Verdict == check.OracleMistake {
			got += ": " + rep.Mistake
		}
		if got != cs.Expect {
			t.Errorf("%s (% x): verdict %q, want %q\n%s", cs.Name, cs.Bytes, got, cs.Expect, diffText(rep))
		}
	}
	t.Logf("%d regression cases replayed", len(cases))
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

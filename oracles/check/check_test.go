package check_test

import (
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/twinstep/twinstep/corpus"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/mutation/probe"
	. "github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

var (
	poolOnce sync.Once
	pool     []*Checker
	poolErr  error
)

// checkers returns one Checker per CPU, each on the emulator, a Unicorn
// worker of its own and, on an x86-64 Linux host, a native helper of its
// own (the emulator then runs the host's CPU profile): the sweeps run on
// all of them at once. Unicorn is required, and so is the native engine
// wherever the host can run it (a test that cannot reach an oracle fails,
// it does not pass).
func checkers(t testing.TB) []*Checker {
	t.Helper()
	poolOnce.Do(func() {
		for range max(2, runtime.GOMAXPROCS(0)) {
			oracle, err := unicorn.NewIsolated()
			if err != nil {
				poolErr = fmt.Errorf("the Unicorn oracle is required: %w", err)
				return
			}
			k, err := nativetest.NewChecker(oracle, unicorn.KnownMistakes)
			if err != nil {
				poolErr = fmt.Errorf("the native engine: %w", err)
				return
			}
			pool = append(pool, k)
		}
	})
	if poolErr != nil {
		t.Fatal(poolErr)
	}
	return pool
}

// checker is the first of the checkers, for tests that check one case at
// a time.
func checker(t testing.TB) *Checker { return checkers(t)[0] }

// Every encoding a sweep checks against the oracle is recorded, and a full
// run of this package verifies corpus/seeds/sweeps.hex lists exactly them:
// the file is what `twinstep coverage` and FuzzSemantics's seeds read.
// `go test ./oracles/check -update-seeds` rewrites it.
var (
	updateSeeds = flag.Bool("update-seeds", false, "rewrite corpus/seeds/sweeps.hex from the sweeps")
	sweptMu     sync.Mutex
	swept       = map[string]bool{}
)

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if err := probe.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	// Only a whole run sweeps every encoding: -run and -short leave some out.
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		if err := syncSeeds(*updateSeeds); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func syncSeeds(update bool) error {
	path := filepath.Join("..", "..", corpus.SeedsDir, "sweeps.hex")
	var want []string
	for h := range swept {
		want = append(want, h)
	}
	slices.Sort(want)
	text := "# Every encoding the oracles/check sweeps compare with Unicorn (generated:\n" +
		"# go test ./oracles/check -update-seeds).\n" + strings.Join(want, "\n") + "\n"
	if update {
		return os.WriteFile(path, []byte(text), 0o644)
	}
	have, err := os.ReadFile(path)
	if err != nil || string(have) != text {
		return fmt.Errorf("%s is out of date with the sweeps: run go test ./oracles/check -update-seeds", path)
	}
	return nil
}

// sweep checks each encoding from n random states and fails on every
// divergence, listing all differing fields at once. TWINSTEP_SEED varies the
// states; every failure names the seed of its case.
func sweep(t *testing.T, n int, encodings ...string) {
	t.Helper()
	sweepEncodings(t, n, false, encodings)
}

// sweepEncodings is sweep; with tolerateMissing an encoding the emulator
// reports unimplemented for a state (the flat model leaves some forms to
// the system level) ends that encoding's sweep instead of failing.
func sweepEncodings(t *testing.T, n int, tolerateMissing bool, encodings []string) {
	t.Helper()
	seed := uint64(1)
	if s := os.Getenv("TWINSTEP_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			t.Fatalf("TWINSTEP_SEED=%q: %v", s, err)
		}
		seed = v
	}
	if testing.Short() {
		// A quarter of the states, still in fours (random, directed,
		// aimed, both): the whole sweep is make test's.
		n = max(4, (n/4+3)&^3)
	}
	codes := make([][]byte, len(encodings))
	for i, h := range encodings {
		code, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		if err != nil {
			t.Fatalf("bad hex %q", h)
		}
		codes[i] = code
		sweptMu.Lock()
		swept[hex.EncodeToString(code)] = true
		sweptMu.Unlock()
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for _, k := range checkers(t) {
		wg.Go(func() {
			for i := range next {
				sweepOne(t, k, encodings[i], codes[i], n, seed, tolerateMissing)
			}
		})
	}
	for i := range encodings {
		next <- i
	}
	close(next)
	wg.Wait()
}

// sweepOne checks one encoding from n states, all in one batch. It runs
// beside other encodings' sweeps, so it reports with t.Error only.
func sweepOne(t *testing.T, k *Checker, h string, code []byte, n int, seed uint64, tolerateMissing bool) {
	// Each encoding gets its own states (and so its own code pages).
	hs := fnv.New64a()
	hs.Write(code)
	base := hs.Sum64() ^ seed*1_000_003
	var cases []Case
	var seeds []uint64
	for i := range n {
		cs := base + uint64(i)
		r := rand.New(rand.NewPCG(cs, 7))
		st := RandomState(r)
		hits := probe.Hits()
		// Half the states are result-directed, half the memory operands
		// aimed at mappable (or wrapping) addresses.
		c, err := BuildDirected(k.Emu, code, st, cs, r, i%4 >= 2, i%2 == 1)
		if err != nil {
			t.Errorf("%s (seed %d): %v", h, cs, err)
			return
		}
		if probe.Skip(hits, hex.EncodeToString(code)) {
			continue // a mutant's change this case never runs (twinstep mutate)
		}
		if os.Getenv("TWINSTEP_TRACE_SWEEP") != "" {
			fmt.Fprintf(os.Stderr, "sweep %s seed %d\n", h, cs)
		}
		cases, seeds = append(cases, c), append(seeds, cs)
	}
	reps, err := k.CheckAll(cases)
	if err != nil {
		t.Errorf("%s: %v", h, err)
		return
	}
	fails := 0
	for i, rep := range reps {
		switch rep.Verdict {
		case Divergence:
			fails++
			if fails <= 3 {
				t.Errorf("%s (seed %d): %s (%s); %s\n  %v", h, seeds[i], rep.Verdict, rep.Agreement(),
					rep.Outcomes(), rep.Diffs)
			}
		case Missing:
			if tolerateMissing {
				t.Logf("%s: unimplemented in the flat model: %s", h, rep.Emu.Detail)
				return
			}
			t.Errorf("%s: missing in the emulator: %s", h, rep.Emu.Detail)
			return
		}
	}
	if fails > 3 {
		t.Errorf("%s: %d of %d cases diverged", h, fails, len(reps))
	}
}

func TestCoreInstructions(t *testing.T) {
	sweep(t, 200,
		"01d8", "4801d8", "6601d8", "00d8", "00e0", "4000e0", // add
		"2901", "48294308", "3bc1", "4839c8", "3c7f", "80f1ff", "4883e8ff", "4881c078563412", // sub/xor/cmp
		"11d8", "4819d8", "6619d8", "12e5", // adc/sbb
		"21d8", "0bd8", "4831c0", "84c0", "4885c9", "a9ffff0000", // logic
		"ffc0", "48ffc8", "66ffc0", "fec4", "f7d8", "48f7d9", "f6d4", "48f7d0", // inc/dec/neg/not
		"89d8", "8b0424", "488b442408", "88e7", "4088e7", "c6c0ff", "48c7c0ffffffff", "b8ffffffff", // mov
		"48b80102030405060708", "8c d8", "0fb6c4", "480fbfc3", "4863c3", "63c3", "0fbe00", // movzx/movsx
		"488d440810", "8d0480", "678d0409", "488d05f0ffffff", // lea
		"87d8", "4887c1", "86e0", "4191", "90", "f390", // xchg/nop/pause
		"0f44c1", "0f4fc1", "480f42c1", "660f48c1", "0f94c0", "0f9fc4", "410f9cc0", // cmov/set
		"50", "4150", "6650", "58", "415f", "ff3424", "8f0424", "6aff", "68ffffff7f", // push/pop
		"7400", "75fe", "0f8400000000", "eb10", "e9faffffff", "66e900000000", "ffe0", "ff2424", // branches
		"e800000000", "ffd0", "c3", "c20800", // call/ret
		"f8", "f9", "f5", "fc", "fd", "f30f1efa", "0f1f440000", "0f0b", "ce", // flags, misc
	)
}

func TestStates(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		s := RandomState(r)
		if s.RFLAGS&arch.FlagsFixed == 0 || s.RIP>>47 != 0 {
			t.Fatalf("bad state: rflags %#x rip %#x", s.RFLAGS, s.RIP)
		}
	}
}

// A case's own memory on its code page is what the instruction reads there,
// not the NOPs Build puts around code on pages it maps itself.
func TestBuildKeepsCaseCodePage(t *testing.T) {
	given := make([]byte, 4096)
	for i := range given {
		given[i] = byte(i*7 + 1)
	}
	code := []byte{0x48, 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00} // mov rax, [rip+0x100]
	st := arch.State{RIP: 0x400000}
	c, err := Build(emulator.NewEngine(), code, st, 1, engine.Region{Addr: 0x400000, Data: slices.Clone(given)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := engine.Run(emulator.NewEngine(), &c.State, c.Mem, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := binary.LittleEndian.Uint64(given[0x107:])
	if got := r.State.GPR[arch.RAX]; got != want {
		t.Errorf("mov rax, [rip+0x100] read %#x, want the case's bytes %#x", got, want)
	}
}

package check_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
	. "github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

// benchCases are the fuzzer's kind of case: the sweeps' encodings, each
// from a random state with its own code page.
func benchCases(b *testing.B, n int) []Case {
	seeds, err := corpus.LoadSeeds(filepath.Join("..", "..", corpus.SeedsDir))
	if err != nil {
		b.Fatal(err)
	}
	emu := emulator.NewEngine()
	out := make([]Case, n)
	for i := range out {
		r := rand.New(rand.NewPCG(uint64(i), 7))
		code := seeds[r.IntN(len(seeds))]
		c, err := BuildDirected(emu, code, RandomState(r), uint64(i), r, i%4 >= 2, i%2 == 1)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// BenchmarkEngines is each engine's cost per case, one case per call
// (engine.Run) and 256 per call (engine.RunAll, a batch to an oracle's
// process), and the whole check's both ways.
func BenchmarkEngines(b *testing.B) {
	cases := benchCases(b, 1024)
	const batch = 256
	// measure runs f over the cases, k at a time, and reports cases/s.
	measure := func(b *testing.B, k int, f func([]Case) error) {
		i := 0
		for b.Loop() {
			if err := f(cases[i%len(cases) : i%len(cases)+k]); err != nil {
				b.Fatal(err)
			}
			i += k
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "cases/s")
	}
	engines := []struct {
		name string
		open func() (e engine.Engine, close func(), err error)
	}{
		{"emulator", func() (engine.Engine, func(), error) { return emulator.NewEngine(), func() {}, nil }},
		{"unicorn", func() (engine.Engine, func(), error) {
			e, err := unicorn.NewIsolated()
			if err != nil {
				return nil, nil, err
			}
			return e, func() { e.Close() }, nil
		}},
		{"native", func() (engine.Engine, func(), error) {
			e, err := nativetest.Engine()
			if e == nil {
				return nil, nil, fmt.Errorf("no native engine: %v", err)
			}
			return e, func() {}, nil // shared: it stays open
		}},
	}
	for _, eng := range engines {
		for _, k := range []int{1, batch} {
			b.Run(fmt.Sprintf("%s/%d", eng.name, k), func(b *testing.B) {
				e, closeEngine, err := eng.open()
				if err != nil {
					b.Skip(err)
				}
				defer closeEngine()
				measure(b, k, func(cs []Case) error {
					_, err := engine.RunAll(e, cs, 1)
					return err
				})
			})
		}
	}
	for _, k := range []int{1, batch} {
		b.Run(fmt.Sprintf("check/%d", k), func(b *testing.B) {
			chk := checker(b)
			measure(b, k, func(cs []Case) error {
				_, err := chk.CheckAll(cs)
				return err
			})
		})
	}
}

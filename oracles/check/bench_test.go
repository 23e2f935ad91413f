package check_test

import (
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

// BenchmarkEngines is each engine's cost per case, and the whole check's.
func BenchmarkEngines(b *testing.B) {
	cases := benchCases(b, 1024)
	run := func(b *testing.B, e engine.Engine) {
		i := 0
		for b.Loop() {
			c := &cases[i%len(cases)]
			if _, err := engine.Run(e, &c.State, c.Mem, 1); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "cases/s")
	}
	// batch runs the cases 256 at a time (engine.RunAll).
	batch := func(b *testing.B, e engine.Engine) {
		i := 0
		for b.Loop() {
			c := cases[i%len(cases) : i%len(cases)+256]
			if _, err := engine.RunAll(e, c, 1); err != nil {
				b.Fatal(err)
			}
			i += len(c)
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "cases/s")
	}
	b.Run("emulator", func(b *testing.B) { run(b, emulator.NewEngine()) })
	b.Run("unicorn-isolated", func(b *testing.B) {
		e, err := unicorn.NewIsolated()
		if err != nil {
			b.Skip(err)
		}
		defer e.Close()
		run(b, e)
	})
	b.Run("unicorn-batch", func(b *testing.B) {
		e, err := unicorn.NewIsolated()
		if err != nil {
			b.Skip(err)
		}
		defer e.Close()
		batch(b, e)
		b.ReportMetric(float64(e.Crashes), "crashes")
	})
	b.Run("native-batch", func(b *testing.B) {
		e, err := nativetest.Engine()
		if e == nil {
			b.Skip("no native engine", err)
		}
		batch(b, e)
	})
	b.Run("native", func(b *testing.B) {
		e, err := nativetest.Engine()
		if e == nil {
			b.Skip("no native engine", err)
		}
		run(b, e)
	})
	b.Run("check", func(b *testing.B) {
		k := checker(b)
		i := 0
		for b.Loop() {
			if _, err := k.Check(cases[i%len(cases)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "cases/s")
	})
}

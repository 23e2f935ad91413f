package native_test

import (
	"math/rand/v2"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
)

// aluCases are `add rax, rbx` from random registers and flags at one
// address: a typical ALU case, as a sweep of one form produces them.
func aluCases(n int) []engine.Case {
	r := rand.New(rand.NewPCG(1, 2))
	cs := make([]engine.Case, n)
	for i := range cs {
		s := arch.Flat64()
		s.GPR[arch.RAX], s.GPR[arch.RBX] = r.Uint64(), r.Uint64()
		s.RFLAGS |= r.Uint64() & arch.ArithFlags
		st, mem := codeCase("4801d8", s)
		cs[i] = engine.Case{State: st, Mem: mem}
	}
	return cs
}

func report(b *testing.B, cases int) {
	b.ReportMetric(float64(cases)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkALUBatch: many cases per round trip (engine.RunAll).
func BenchmarkALUBatch(b *testing.B) {
	e := nativeEngine(b)
	cs := aluCases(512)
	b.ResetTimer()
	for b.Loop() {
		rs, err := engine.RunAll(e, cs, 1)
		if err != nil || rs[0].Outcome != engine.Completed {
			b.Fatal(err, rs[0].OutcomeString())
		}
	}
	report(b, b.N*len(cs))
}

// BenchmarkALUOne: one case per round trip (engine.Run), as a fuzz target
// asks.
func BenchmarkALUOne(b *testing.B) {
	e := nativeEngine(b)
	cs := aluCases(64)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c := &cs[i%len(cs)]
		if _, err := engine.Run(e, &c.State, c.Mem, 1); err != nil {
			b.Fatal(err)
		}
		i++
	}
	report(b, b.N)
}

// BenchmarkRandomStates: the fuzzer's cases (check.RandomState, pages at
// random addresses, so the helper maps and unmaps pages for most).
func BenchmarkRandomStates(b *testing.B) {
	e := nativeEngine(b)
	emu := emulator.NewEngine()
	var cs []engine.Case
	for i := range 256 {
		st := check.RandomState(rand.New(rand.NewPCG(uint64(i), 3)))
		c, err := check.Build(emu, []byte{0x48, 0x03, 0x07}, st, uint64(i)) // add rax, [rdi]
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, engine.Case{State: c.State, Mem: c.Mem})
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := engine.RunAll(e, cs, 1); err != nil {
			b.Fatal(err)
		}
	}
	report(b, b.N*len(cs))
}

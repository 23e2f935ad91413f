package emulator

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// loopCode is a CPU-bound machine-code workload: a loop of ALU work, a load
// and a store through the stack, and a conditional branch.
//
//	top: add rax, rbx; xor rcx, rax; lea rsi, [rsi+rax*2+8]; mov [rsp-8], rsi
//	     mov rdi, [rsp-8]; sub rdx, 1; jnz top; hlt
const loopCode = "4801d8 4831c1 488d744608 488974 24f8 488b7c24f8 4883ea01 75e5 f4"

func loopEngine(tb testing.TB, iterations uint64) *Engine {
	code, err := hex.DecodeString(strings.ReplaceAll(loopCode, " ", ""))
	if err != nil {
		tb.Fatal(err)
	}
	page := make([]byte, 4096)
	copy(page, code)
	s := arch.Flat64()
	s.RIP = 0x400000
	s.GPR[arch.RSP] = 0x801000
	s.GPR[arch.RDX] = iterations
	s.CPL = 0 // HLT ends the run
	e := NewEngine()
	if err := e.Load(&s, []engine.Region{{Addr: 0x400000, Data: page}, {Addr: 0x800000, Data: make([]byte, 4096)}}); err != nil {
		tb.Fatal(err)
	}
	return e
}

func TestLoopWorkload(t *testing.T) {
	// The jnz goes back to the loop's first instruction.
	e := loopEngine(t, 2)
	if r, err := e.Step(7); err != nil || r.State.RIP != 0x400000 {
		t.Fatalf("after one iteration: rip %#x, err %v; want 0x400000", r.State.RIP, err)
	}
	e = loopEngine(t, 1000)
	r, err := e.Step(1 << 20)
	if err != nil || r.Outcome != engine.Halted {
		t.Fatalf("outcome %s, err %v", r.OutcomeString(), err)
	}
	if e.CPU.Retired != 7*1000+1 {
		t.Fatalf("retired %d, want 7001", e.CPU.Retired)
	}
}

// BenchmarkMIPS reports the emulator's speed on the loop in millions of
// instructions per second.
func BenchmarkMIPS(b *testing.B) {
	const perIter = 7
	e := loopEngine(b, uint64(b.N)*1000/perIter+1)
	b.ResetTimer()
	r, err := e.Step(uint64(b.N) * 1000)
	b.StopTimer()
	if err != nil || r.Outcome == engine.Failed {
		b.Fatal(r.OutcomeString(), err)
	}
	b.ReportMetric(float64(e.CPU.Retired)/b.Elapsed().Seconds()/1e6, "MIPS")
	b.ReportMetric(0, "ns/op")
}

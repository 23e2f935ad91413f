package unicorn

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// Proves "REP string instruction stops after one iteration": rep stosb with
// RCX=3 over mapped memory is one instruction (SDM Vol. 2 REP), but a
// one-instruction step of Unicorn does one iteration and stays at it.
func TestMistakeRepOneIteration(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	s.GPR[arch.RCX] = 3
	s.GPR[arch.RDI] = codeAddr + 0x800
	s.GPR[arch.RAX] = 0xaa
	r := run(t, e, []byte{0xf3, 0xaa}, s)
	if r.Outcome != engine.Completed || r.State.RIP != codeAddr || r.State.GPR[arch.RCX] != 2 ||
		r.State.GPR[arch.RDI] != codeAddr+0x801 {
		t.Fatalf("rep stosb: %s rip %#x rcx %d rdi %#x: Unicorn no longer stops after one iteration",
			r.OutcomeString(), r.State.RIP, r.State.GPR[arch.RCX], r.State.GPR[arch.RDI])
	}
}

// Proves "INT n delivers vector n without a gate check": int 0x80 at CPL 3.
func TestMistakeIntN(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	r := run(t, e, []byte{0xcd, 0x80}, arch.Flat64())
	if r.Outcome != engine.Exception || r.Vector != 0x80 {
		t.Fatalf("int 0x80: %s: Unicorn no longer reports vector 0x80", r.OutcomeString())
	}
}

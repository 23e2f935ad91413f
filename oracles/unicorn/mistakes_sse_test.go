package unicorn

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// A 16-byte-aligned SSE operand (MOVDQA, MOVAPS, PADDB xmm, m128, ...) at a
// misaligned address is #GP(0) (SDM Vol. 2 MOVDQA "Protected Mode
// Exceptions": "#GP(0) If a memory operand is not aligned on a 16-byte
// boundary"); Unicorn 2.0.1 performs the access, and so reports #PF when the
// page is unmapped.
func TestMistakeSSEMisaligned(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, code := range [][]byte{
		{0x66, 0x0f, 0x6f, 0x00}, // movdqa xmm0, [rax]
		{0x66, 0x0f, 0xd4, 0x00}, // paddq xmm0, [rax]
	} {
		s := arch.Flat64()
		s.GPR[arch.RAX] = 0x10008 // mapped, misaligned
		page := make([]byte, 4096)
		copy(page, code)
		s.RIP = codeAddr
		r, err := engine.Run(e, &s, []engine.Region{{Addr: codeAddr, Data: page}, {Addr: 0x10000, Data: make([]byte, 4096)}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if r.Outcome != engine.Completed {
			t.Fatalf("% x mapped: %s; the mistake no longer holds", code, r.OutcomeString())
		}
		s.GPR[arch.RAX] = 0x20008 // unmapped, misaligned
		r = run(t, e, code, s)
		if r.Outcome != engine.Exception || r.Vector != arch.VecPF {
			t.Fatalf("% x unmapped: %s", code, r.OutcomeString())
		}
	}
}

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

// Equal-ordered PCMPESTRM: needle "ab", a full 16-byte haystack ending in
// 'a'. The SDM's pseudo-code (Vol. 2 4.1.4) sets IntRes1[15] for the partial
// match at the end (XMM0 = 0x8000, CF = 1); Unicorn 2.0.1 reports no match.
func TestMistakePcmpstrEqualOrderedTail(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	s.XMM[1] = arch.Vec128{0x6261, 0}
	s.XMM[2] = arch.Vec128{0x7878787878787878, 0x6178787878787878}
	s.GPR[arch.RAX], s.GPR[arch.RDX] = 2, 16
	r := run(t, e, []byte{0x66, 0x0f, 0x3a, 0x60, 0xca, 0x0c}, s) // pcmpestrm xmm1, xmm2, 0x0c
	if r.Outcome != engine.Completed || r.State.XMM[0] != (arch.Vec128{}) || r.State.RFLAGS&arch.CF != 0 {
		t.Fatalf("the mistake no longer holds: %s xmm0=%x rflags=%#x", r.OutcomeString(), r.State.XMM[0], r.State.RFLAGS)
	}
}

// PCMPESTRI with REX.W and RAX = 0x1_0000_0002: |RAX| saturates to 16, so SF
// (xmm1 shorter than 16) is clear (SDM Vol. 2 4.1.3 and 4.1.6); Unicorn 2.0.1
// truncates to 2 and sets SF.
func TestMistakePcmpestrRexWLength(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	s.GPR[arch.RAX], s.GPR[arch.RDX] = 0x1_0000_0002, 16
	r := run(t, e, []byte{0x66, 0x48, 0x0f, 0x3a, 0x61, 0xca, 0x00}, s) // pcmpestri xmm1, xmm2, 0 (REX.W)
	if r.Outcome != engine.Completed || r.State.RFLAGS&arch.SF == 0 {
		t.Fatalf("the mistake no longer holds: %s rflags=%#x", r.OutcomeString(), r.State.RFLAGS)
	}
}

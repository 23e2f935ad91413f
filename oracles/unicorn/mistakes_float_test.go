package unicorn

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

func f32v(x float32) arch.Vec128 { return arch.Vec128{uint64(math.Float32bits(x)), 0} }

// Each case proves one SSE float entry of KnownMistakes: what the SDM (or
// the host CPU, measured) requires, and what Unicorn 2.0.1 does instead.
func TestMistakeSSEFloat(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, c := range []struct {
		name   string
		code   []byte
		mxcsr  uint32
		x0, x1 arch.Vec128
		check  func(r engine.Result) bool // true while the mistake holds
	}{
		// 1/3 is inexact: PE must be set (SDM Vol. 1 11.5.2.3).
		{"flags not recorded", []byte{0xf3, 0x0f, 0x5e, 0xc1}, 0x1f80, f32v(1), f32v(3),
			func(r engine.Result) bool { return r.Outcome == engine.Completed && r.State.MXCSR == 0x1f80 }},
		// FTZ: a tiny result is flushed to +0 (SDM Vol. 1 10.2.3.3).
		{"FTZ ignored", []byte{0xf3, 0x0f, 0x59, 0xc1}, 0x9f80, arch.Vec128{1, 0}, f32v(0.75),
			func(r engine.Result) bool { return r.State.XMM[0][0] == 1 }},
		// PM unmasked: #XM (SDM Vol. 1 11.5.3).
		{"unmasked not raised", []byte{0xf3, 0x0f, 0x5e, 0xc1}, 0x0f80, f32v(1), f32v(3),
			func(r engine.Result) bool { return r.Outcome == engine.Completed }},
		// Two QNaNs: the first operand's (SDM Vol. 1 Table 4-7).
		{"NaN rule", []byte{0xf3, 0x0f, 0x58, 0xc1}, 0x1f80, arch.Vec128{0xffc00001, 0}, arch.Vec128{0x7fc00002, 0},
			func(r engine.Result) bool { return r.State.XMM[0][0] == 0x7fc00002 }},
		// cmpps imm8 0x0d: bits 7:3 reserved, executed by the CPU.
		{"cmpps imm8 > 7", []byte{0x0f, 0xc2, 0xc1, 0x0d}, 0x1f80, f32v(1), f32v(3),
			func(r engine.Result) bool { return r.Raised(arch.VecUD) }},
		// rsqrtss of a denormal is +inf (denormals count as zero; measured).
		{"rsqrt denormal", []byte{0xf3, 0x0f, 0x52, 0xc1}, 0x1f80, arch.Vec128{}, arch.Vec128{1, 0},
			func(r engine.Result) bool { return r.State.XMM[0][0] != 0x7f800000 }},
	} {
		s := arch.Flat64()
		s.MXCSR, s.XMM[0], s.XMM[1] = c.mxcsr, c.x0, c.x1
		if r := run(t, e, c.code, s); !c.check(r) {
			t.Errorf("%s: the mistake no longer holds: %s mxcsr=%#x xmm0=%x", c.name, r.OutcomeString(), r.State.MXCSR, r.State.XMM[0])
		}
	}
}

// LDMXCSR of 0x11f80 must be #GP(0); FXRSTOR under CR4.OSFXSR must load
// MXCSR; ROUNDSS reads 4 bytes, so an operand ending its page must not fault.
func TestMistakeSSEFloatState(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	s.GPR[arch.RAX] = 0x10000
	data := make([]byte, 4096)
	binary.LittleEndian.PutUint32(data[0:], 0x11f80)
	binary.LittleEndian.PutUint32(data[0x18:], 0x9f80)
	step := func(code []byte) engine.Result {
		page := make([]byte, 4096)
		copy(page, code)
		s.RIP = codeAddr
		r, err := engine.Run(e, &s, []engine.Region{{Addr: codeAddr, Data: page}, {Addr: 0x10000, Data: data}}, 1)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := step([]byte{0x0f, 0xae, 0x10}); r.Outcome != engine.Completed || r.State.MXCSR != 0x11f80 {
		t.Errorf("ldmxcsr: the mistake no longer holds: %s mxcsr=%#x", r.OutcomeString(), r.State.MXCSR)
	}
	if r := step([]byte{0x0f, 0xae, 0x08}); r.Outcome != engine.Completed || r.State.MXCSR != 0x1f80 {
		t.Errorf("fxrstor: the mistake no longer holds: %s mxcsr=%#x", r.OutcomeString(), r.State.MXCSR)
	}
	s.GPR[arch.RAX] = 0x10ffc
	if r := step([]byte{0x66, 0x0f, 0x3a, 0x0a, 0x00, 0x00}); r.Outcome != engine.Exception || r.Vector != arch.VecPF {
		t.Errorf("roundss: the mistake no longer holds: %s", r.OutcomeString())
	}
}

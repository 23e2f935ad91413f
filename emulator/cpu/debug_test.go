package cpu

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// Debug exceptions in system mode: where #DB is taken, the RIP it saves,
// RF in the saved image, and DR6.
func TestDebugExceptions(t *testing.T) {
	var (
		movDR0RAX = []byte{0x0f, 0x23, 0xc0}
		movDR7RAX = []byte{0x0f, 0x23, 0xf8}
		movRAXDR0 = []byte{0x0f, 0x21, 0xc0}
		nop       = []byte{0x90}
		setDR7    = func(v uint64) []byte { return cat(movRAXImm(v), movDR7RAX) }
		setDR0    = func(v uint64) []byte { return cat(movRAXImm(v), movDR0RAX) }
		tf        = func(m *testMachine) { m.setState(func(s *arch.State) { s.RFLAGS |= arch.TF }) }
	)
	const data = tUserData + 0x100
	tests := []struct {
		name   string
		setup  func(m *testMachine)
		code   []byte
		ripAt  int    // the saved RIP: tCode + ripAt
		rf     bool   // RF in the saved RFLAGS (a fault)
		dr6    uint64 // DR6's low 16 bits
		regs   func(s *arch.State) string
		dr7Off bool // DR7.GD cleared for the handler
	}{
		{name: "TF traps after the instruction", setup: tf, code: cat(movRAXImm(1), nop), ripAt: 10, dr6: dr6BS},
		{name: "POPF setting TF traps after the next instruction",
			code: cat([]byte{0x68}, le(arch.FlagsFixed|arch.TF), []byte{0x9d}, nop, nop), ripAt: 7, dr6: dr6BS},
		{name: "POPF clearing TF still traps after itself", setup: func(m *testMachine) {
			tf(m)
			m.put64(m.state().GPR[arch.RSP], arch.FlagsFixed)
		}, code: cat([]byte{0x9d}, nop, nop), ripAt: 1, dr6: dr6BS},
		{name: "MOV SS holds the single step off for one instruction", setup: func(m *testMachine) {
			tf(m)
			m.setState(func(s *arch.State) { s.GPR[arch.RAX] = selKData })
		}, code: cat([]byte{0x8e, 0xd0}, nop, nop), ripAt: 3, dr6: dr6BS},
		{name: "REP MOVSB with TF traps after each iteration at itself", setup: func(m *testMachine) {
			tf(m)
			m.setState(func(s *arch.State) {
				s.GPR[arch.RCX], s.GPR[arch.RSI], s.GPR[arch.RDI] = 3, data, data+0x40
			})
		}, code: []byte{0xf3, 0xa4}, ripAt: 0, dr6: dr6BS, regs: func(s *arch.State) string {
			if s.GPR[arch.RCX] != 2 || s.GPR[arch.RSI] != data+1 {
				return "rcx/rsi not after one iteration"
			}
			return ""
		}},
		{name: "instruction breakpoint is a fault with RF saved",
			code:  cat(setDR0(tCode+30), setDR7(1), nop, nop, nop, nop, nop, nop, nop, nop),
			ripAt: 30, rf: true, dr6: 1},
		{name: "write breakpoint traps after the write", // LEN 4 at data: data+2 overlaps
			code:  cat(setDR0(data), setDR7(1|1<<16|3<<18), []byte{0x88, 0x04, 0x25}, le(data+2), nop),
			ripAt: 33, dr6: 1},
		{name: "write breakpoint ignores reads",
			code:  cat(setDR0(data), setDR7(2|1<<16|3<<18), movRAXFromAbs(data), []byte{0x0f, 0x0b}),
			ripAt: 34, rf: true}, // the ud2 after the read: #UD, not #DB
		{name: "read/write breakpoint sees reads", // G0, LEN 8
			code:  cat(setDR0(data+8), setDR7(2|3<<16|2<<18), movRAXFromAbs(data+12), nop),
			ripAt: 34, dr6: 1},
		{name: "I/O breakpoint with CR4.DE", setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.CR4 |= cr4DE })
		}, code: cat(setDR0(0x80), setDR7(1|2<<16), []byte{0xe6, 0x80}, nop), ripAt: 28, dr6: 1},
		{name: "general detect faults on the next debug-register access",
			code:  cat(setDR7(1<<13), movRAXDR0),
			ripAt: 13, rf: true, dr6: dr6BD, dr7Off: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			if tc.setup != nil {
				tc.setup(m)
			}
			m.code(tCode, tc.code...)
			v := m.runToHandler()
			want := uint8(arch.VecDB)
			if tc.dr6 == 0 {
				want = arch.VecUD
			}
			if v != want {
				t.Fatalf("vector %d, want %d", v, want)
			}
			_, f := m.frame(false)
			if f[0] != tCode+uint64(tc.ripAt) {
				t.Errorf("saved rip %#x, want %#x", f[0], tCode+uint64(tc.ripAt))
			}
			if got := f[2]&arch.RF != 0; got != tc.rf {
				t.Errorf("saved RF %v, want %v", got, tc.rf)
			}
			if f[2]&arch.TF == 0 && tc.dr6&dr6BS != 0 && tc.name != "POPF clearing TF still traps after itself" {
				t.Errorf("saved rflags %#x lost TF", f[2])
			}
			if got := m.c.dr[6] & 0xffff; tc.dr6 != 0 && got != tc.dr6 {
				t.Errorf("dr6 %#x, want %#x", got, tc.dr6)
			}
			if tc.regs != nil {
				if msg := tc.regs(m.state()); msg != "" {
					t.Error(msg)
				}
			}
			if tc.dr7Off && m.c.dr[7]&dr7GD != 0 {
				t.Error("DR7.GD still set in the handler")
			}
		})
	}
}

// SYSCALL with TF set completes, and the single-step trap is taken at the
// kernel's entry point (TF was set when SYSCALL began), as on hardware.
func TestSingleStepIntoSyscall(t *testing.T) {
	m := newTestMachine(t)
	m.toUser(tUserCode)
	m.setState(func(s *arch.State) {
		s.MSR.LSTAR = tCode
		s.MSR.SFMASK = arch.TF | arch.IF
		s.RFLAGS |= arch.TF
	})
	m.code(tUserCode, 0x0f, 0x05)
	m.code(tCode, 0x90, 0xf4)
	if v := m.runToHandler(); v != arch.VecDB {
		t.Fatalf("vector %d, want #DB", v)
	}
	if _, f := m.frame(false); f[0] != tCode || f[1] != selKCode {
		t.Errorf("saved rip %#x cs %#x, want the SYSCALL entry point at CPL 0", f[0], f[1])
	}
}

// A single-step trap in the flat model ends the step with #DB and the state
// after the instruction; with TF clear nothing changes.
func TestSingleStepFlat(t *testing.T) {
	for _, tf := range []bool{false, true} {
		b := &testBus{pages: map[uint64]*[4096]byte{0x400: new([4096]byte)}}
		copy(b.pages[0x400][:], []byte{0x48, 0x01, 0xd8, 0x90}) // add rax, rbx; nop
		c := New(b)
		s := arch.Flat64()
		s.RIP, s.GPR[arch.RAX], s.GPR[arch.RBX] = 0x400000, 2, 3
		if tf {
			s.RFLAGS |= arch.TF
		}
		c.SetState(&s)
		stop := c.Run(2)
		got := c.State()
		switch {
		case tf && (stop.Kind != StopException || stop.Exception.Vector != arch.VecDB || got.RIP != 0x400003 ||
			got.GPR[arch.RAX] != 5 || c.Retired != 1):
			t.Errorf("TF: stop %v rip %#x rax %d retired %d, want #DB after the add", stop, got.RIP, got.GPR[arch.RAX], c.Retired)
		case !tf && (stop.Kind != StopCount || got.RIP != 0x400004):
			t.Errorf("no TF: stop %v rip %#x", stop, got.RIP)
		}
	}
}

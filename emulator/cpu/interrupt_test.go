package cpu

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

func TestExceptionFrames(t *testing.T) {
	divZero := []byte{0x31, 0xc9, 0xf7, 0xf1} // xor ecx,ecx; div ecx
	tests := []struct {
		name     string
		setup    func(m *testMachine)
		user     bool
		code     []byte
		vector   uint8
		hasCode  bool
		code0    uint64 // the error code
		ripDelta uint64 // saved RIP - start
		wantRSP  uint64 // the handler's RSP (0: do not check)
	}{
		{name: "#DE at CPL 0 keeps the stack", code: divZero, vector: arch.VecDE, ripDelta: 2,
			wantRSP: (tRSP0-0x100)&^15 - 40},
		{name: "#GP from CPL 3 switches to RSP0", user: true, code: hlt, vector: arch.VecGP,
			hasCode: true, wantRSP: tRSP0 - 48},
		{name: "#UD", code: []byte{0x0f, 0x0b}, vector: arch.VecUD},
		{name: "int3 is a trap", code: []byte{0xcc}, vector: arch.VecBP, ripDelta: 1},
		{name: "IST1 stack", setup: func(m *testMachine) { m.setGate(arch.VecBP, tHandlers+arch.VecBP*16, 1, 0, 0xe) },
			code: []byte{0xcc}, vector: arch.VecBP, ripDelta: 1, wantRSP: tIST1 - 40},
		{name: "int n to a DPL 0 gate from CPL 3 is #GP(n*8+2)", user: true, code: []byte{0xcd, 0x80},
			vector: arch.VecGP, hasCode: true, code0: 0x80*8 + 2},
		{name: "int n to a DPL 3 gate", setup: func(m *testMachine) { m.setGate(0x80, tHandlers+0x80*16, 0, 3, 0xf) },
			user: true, code: []byte{0xcd, 0x80}, vector: 0x80, ripDelta: 2},
		{name: "not-present gate is #NP with the IDT bit", setup: func(m *testMachine) {
			m.put64(tIDT+arch.VecUD*16, m.get64(tIDT+arch.VecUD*16)&^(1<<47))
		}, code: []byte{0x0f, 0x0b}, vector: arch.VecNP, hasCode: true, code0: arch.VecUD*8 + 2},
		{name: "contributory during contributory is #DF", setup: func(m *testMachine) {
			m.put64(tIDT+arch.VecDE*16, m.get64(tIDT+arch.VecDE*16)&^(1<<47))
		}, code: divZero, vector: arch.VecDF, hasCode: true, ripDelta: 2},
		{name: "#SS for a non-canonical stack reference", user: true, setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.GPR[arch.RSP] = 0x0000800000000008 })
		}, code: []byte{0x50}, vector: arch.VecSS, hasCode: true},
		{name: "#AC for a misaligned user access", user: true, setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.CR0 |= arch.CR0AM; s.RFLAGS |= arch.AC })
		}, code: movRAXFromAbs(tUserData + 1), vector: arch.VecAC, hasCode: true},
		{name: "#NM for SSE with CR0.TS", setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.CR0 |= arch.CR0TS })
		}, code: []byte{0x66, 0x0f, 0xef, 0xc0}, vector: arch.VecNM},
		{name: "#XM for an unmasked SSE invalid operation", setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.MXCSR = 0x1f00 })
		}, code: []byte{0x0f, 0x57, 0xc0, 0x0f, 0x57, 0xc9, 0xf3, 0x0f, 0x5e, 0xc1}, vector: arch.VecXM, ripDelta: 6},
		{name: "#UD for an unmasked SSE exception with CR4.OSXMMEXCPT clear", setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.MXCSR = 0x1f00; s.CR4 &^= arch.CR4OSXMMEXCPT })
		}, code: []byte{0x0f, 0x57, 0xc0, 0x0f, 0x57, 0xc9, 0xf3, 0x0f, 0x5e, 0xc1}, vector: arch.VecUD, ripDelta: 6},
		{name: "#PF while delivering #PF is #DF", setup: func(m *testMachine) {
			m.setState(func(s *arch.State) { s.GPR[arch.RSP] = 0x800 }) // stack on the unmapped page 0
			m.setGate(arch.VecDF, tHandlers+arch.VecDF*16, 1, 0, 0xe)
		}, code: movRAXFromAbs(0x100), vector: arch.VecDF, hasCode: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			at := m.start(tc.user)
			if tc.setup != nil {
				tc.setup(m)
			}
			pre := m.c.State()
			m.code(at, tc.code...)
			v := m.runToHandler()
			if v != tc.vector {
				t.Fatalf("vector %d, want %d", v, tc.vector)
			}
			if tc.wantRSP != 0 && m.c.s.GPR[arch.RSP] != tc.wantRSP {
				t.Errorf("handler rsp %#x, want %#x", m.c.s.GPR[arch.RSP], tc.wantRSP)
			}
			code, f := m.frame(tc.hasCode)
			if tc.hasCode && code != tc.code0 {
				t.Errorf("error code %#x, want %#x", code, tc.code0)
			}
			if tc.vector == arch.VecDF {
				return // the frame is of the second fault's state; the vector says enough
			}
			wantCS := uint64(pre.Seg[arch.CS].Selector)
			if f[0] != at+tc.ripDelta || f[1] != wantCS || f[3] != pre.GPR[arch.RSP] || f[4] != uint64(pre.Seg[arch.SS].Selector) {
				t.Errorf("frame rip %#x cs %#x rsp %#x ss %#x, want %#x %#x %#x %#x", f[0], f[1], f[3], f[4],
					at+tc.ripDelta, wantCS, pre.GPR[arch.RSP], pre.Seg[arch.SS].Selector)
			}
			if m.c.s.CPL != 0 || m.c.s.Seg[arch.CS].Selector != selKCode {
				t.Errorf("handler at CPL %d cs %#x", m.c.s.CPL, m.c.s.Seg[arch.CS].Selector)
			}
			if m.c.s.RFLAGS&arch.IF != 0 {
				t.Errorf("interrupt gate left IF set")
			}
		})
	}
}

func TestTripleFaultReport(t *testing.T) {
	m := newTestMachine(t)
	m.setState(func(s *arch.State) { s.IDTR.Limit = 0 })
	m.code(tCode, 0x0f, 0x0b) // ud2
	stop := m.c.Run(10)
	if stop.Kind != StopShutdown {
		t.Fatalf("stop %v, want shutdown", stop)
	}
	for _, want := range []string{"triple fault", "#UD", "#GP(0x32)", "#DF", "rip  0000000000010000", "ud2"} {
		if !strings.Contains(stop.Detail, want) {
			t.Errorf("report lacks %q:\n%s", want, stop.Detail)
		}
	}
}

// iretq to CPL 3, then a fault back into the kernel.
func TestIRETQToUserAndBack(t *testing.T) {
	m := newTestMachine(t)
	push := func(v uint32) []byte { return append([]byte{0x68}, le(v)...) } // push imm32
	m.code(tCode, cat(push(selUData), push(tUserData+0x800), push(0x202), push(selUCode), push(tUserCode),
		[]byte{0x48, 0xcf})...) // iretq
	m.code(tUserCode, 0x0f, 0x0b)
	if v := m.runToHandler(); v != arch.VecUD {
		t.Fatalf("vector %d, want #UD from user mode", v)
	}
	_, f := m.frame(false)
	if f[0] != tUserCode || f[1] != selUCode || f[2]&arch.IF == 0 || f[3] != tUserData+0x800 || f[4] != selUData {
		t.Errorf("user frame %#x", f)
	}
	if m.c.s.GPR[arch.RSP] != tRSP0-40 {
		t.Errorf("kernel rsp %#x, want RSP0-40", m.c.s.GPR[arch.RSP])
	}
}

func TestIRETQRejectsBadSelectors(t *testing.T) {
	push := func(v uint32) []byte { return append([]byte{0x68}, le(v)...) }
	tests := []struct {
		name   string
		cs, ss uint32
		code   uint64
	}{
		{"user CS with a kernel SS", selUCode, selKData, selKData &^ 3},
		{"null SS to CPL 3", selUCode, 0, 0},
		{"CS RPL below CPL is checked against DPL", selKCode | 3, selUData, selKCode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			m.code(tCode, cat(push(tc.ss), push(tUserData+0x800), push(0x2), push(tc.cs), push(tUserCode),
				[]byte{0x48, 0xcf})...)
			if v := m.runToHandler(); v != arch.VecGP {
				t.Fatalf("vector %d, want #GP", v)
			}
			if code, _ := m.frame(true); code != tc.code {
				t.Errorf("error code %#x, want %#x", code, tc.code)
			}
		})
	}
}

func TestExternalInterrupt(t *testing.T) {
	m := newTestMachine(t)
	m.toUser(tUserCode)
	m.setState(func(s *arch.State) { s.RFLAGS |= arch.IF })
	m.code(tUserCode, 0xeb, 0xfe) // jmp $
	if stop := m.c.Run(5); stop.Kind != StopCount {
		t.Fatalf("stop %v", stop)
	}
	if !m.c.InterruptWindow() {
		t.Fatal("window shut with IF set")
	}
	if stop := m.c.Interrupt(0x40); stop.Kind != StopCount {
		t.Fatalf("Interrupt: %v", stop)
	}
	if v := m.runToHandler(); v != 0x40 {
		t.Fatalf("vector %#x", v)
	}
	_, f := m.frame(false)
	if f[0] != tUserCode || f[1] != selUCode {
		t.Errorf("frame rip %#x cs %#x, want the interrupted jmp in user mode", f[0], f[1])
	}
}

// STI holds interrupts off until the instruction after it completes.
func TestSTIShadow(t *testing.T) {
	m := newTestMachine(t)
	m.code(tCode, 0xfb, 0x90, 0x90) // sti; nop; nop
	if stop := m.c.Run(10); stop.Kind != StopYield || m.c.s.RIP != tCode+1 {
		t.Fatalf("stop %v at %#x, want a yield after sti", stop, m.c.s.RIP)
	}
	if m.c.InterruptWindow() {
		t.Error("window open right after sti")
	}
	m.c.Run(1)
	if !m.c.InterruptWindow() {
		t.Error("window still shut after the instruction following sti")
	}
}

func TestSyscallSysret(t *testing.T) {
	m := newTestMachine(t)
	m.toUser(tUserCode)
	m.setState(func(s *arch.State) {
		s.MSR.LSTAR = tCode
		s.MSR.SFMASK = arch.IF | arch.DF | arch.TF
		s.RFLAGS = arch.FlagsFixed | arch.IF | arch.DF | arch.CF
	})
	m.code(tUserCode, 0x0f, 0x05, 0xf4)               // syscall; (hlt: #GP back in user mode)
	m.code(tCode, 0x0f, 0x01, 0xf8, 0x48, 0x0f, 0x07) // swapgs; sysretq
	if stop := m.c.Run(1); stop.Kind != StopCount {
		t.Fatalf("syscall: %v", stop)
	}
	s := m.state()
	if s.CPL != 0 || s.RIP != tCode || s.Seg[arch.CS].Selector != selKCode || s.Seg[arch.SS].Selector != selKData {
		t.Errorf("after syscall: cpl %d rip %#x cs %#x ss %#x", s.CPL, s.RIP, s.Seg[arch.CS].Selector, s.Seg[arch.SS].Selector)
	}
	if s.GPR[arch.RCX] != tUserCode+2 || s.GPR[arch.R11] != arch.FlagsFixed|arch.IF|arch.DF|arch.CF {
		t.Errorf("rcx %#x r11 %#x", s.GPR[arch.RCX], s.GPR[arch.R11])
	}
	if s.RFLAGS != arch.FlagsFixed|arch.CF {
		t.Errorf("rflags %#x, want SFMASK applied", s.RFLAGS)
	}
	m.c.Run(2)
	s = m.state()
	if s.CPL != 3 || s.RIP != tUserCode+2 || s.Seg[arch.CS].Selector != selUCode || s.Seg[arch.SS].Selector != selUData ||
		s.RFLAGS&arch.IF == 0 {
		t.Errorf("after sysret: cpl %d rip %#x cs %#x ss %#x rflags %#x", s.CPL, s.RIP, s.Seg[arch.CS].Selector,
			s.Seg[arch.SS].Selector, s.RFLAGS)
	}
}

// SYSRET with a non-canonical RCX faults in ring 0, before changing
// anything.
func TestSysretNonCanonical(t *testing.T) {
	m := newTestMachine(t)
	m.code(tCode, cat(movRAXImm(0x0000800000000000), []byte{0x48, 0x89, 0xc1, 0x48, 0x0f, 0x07})...) // mov rcx,rax; sysretq
	if v := m.runToHandler(); v != arch.VecGP {
		t.Fatalf("vector %d", v)
	}
	if _, f := m.frame(true); f[1] != selKCode {
		t.Errorf("fault came from cs %#x, want the kernel's", f[1])
	}
}

// IRETQ may restore RF (a handler returning to a faulting instruction);
// RF stays set while that instruction runs and is cleared once it
// completes. Found by lockstep replay of the cmd.exe boot: Unicorn cleared
// it, the emulator kept it for the rest of the run.
func TestRFClearsAfterTheInstructionReturnedTo(t *testing.T) {
	m := newTestMachine(t)
	push := func(v uint32) []byte { return append([]byte{0x68}, le(v)...) }
	m.code(tCode, cat(push(selUData), push(tUserData+0x800), push(0x10202), push(selUCode), push(tUserCode),
		[]byte{0x48, 0xcf})...) // iretq with RF set in the frame
	m.code(tUserCode, 0x90, 0x90, 0xeb, 0xfe) // nop; nop; jmp $
	for i, want := range []uint64{arch.RF, 0, 0} {
		if i == 0 {
			m.c.Run(6) // the pushes and IRETQ
		} else {
			m.c.Run(1)
		}
		if got := m.c.State().RFLAGS & arch.RF; got != want {
			t.Fatalf("after step %d RF=%#x, want %#x (rip %#x)", i, got, want, m.c.State().RIP)
		}
	}
}

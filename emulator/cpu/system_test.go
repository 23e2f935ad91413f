package cpu

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
)

func movECX(v uint32) []byte { return append([]byte{0xb9}, le(v)...) }

func TestMSRs(t *testing.T) {
	wrmsr := func(msr uint32, v uint64) []byte {
		return cat(movECX(msr), []byte{0xb8}, le(uint32(v)), []byte{0xba}, le(uint32(v>>32)), []byte{0x0f, 0x30})
	}
	rdmsr := func(msr uint32) []byte { return cat(movECX(msr), []byte{0x0f, 0x32}) }
	tests := []struct {
		name    string
		code    []byte
		check   func(s *arch.State) bool
		faults  bool
		comment string
	}{
		{name: "FS base", code: wrmsr(msrFSBase, 0x7fff12345000),
			check: func(s *arch.State) bool { return s.Seg[arch.FS].Base == 0x7fff12345000 }},
		{name: "non-canonical GS base", code: wrmsr(msrGSBase, 0x800000000000), faults: true},
		{name: "unknown MSR read", code: rdmsr(0x12345), faults: true},
		{name: "EFER.LMA is read-only", code: cat(wrmsr(msrEFER, arch.EFERSCE|arch.EFERLME|arch.EFERNXE), rdmsr(msrEFER)),
			check: func(s *arch.State) bool { return s.EFER&arch.EFERLMA != 0 && s.GPR[arch.RAX]&arch.EFERLMA != 0 }},
		{name: "platform MSR", code: rdmsr(msrAPICBase),
			check: func(s *arch.State) bool { return s.GPR[arch.RAX] == 0xfee00900 }},
		{name: "PAT rejects reserved types", code: wrmsr(msrPAT, 2), faults: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			m.code(tCode, append(tc.code, 0xf4)...)
			stop := m.run(20)
			if tc.faults {
				if stop.Kind != StopHalt || m.c.s.RIP-1 != tHandlers+arch.VecGP*16 {
					t.Fatalf("stop %v at %#x, want #GP", stop, m.c.s.RIP)
				}
				return
			}
			if stop.Kind != StopHalt || m.c.s.RIP != tCode+uint64(len(tc.code))+1 {
				t.Fatalf("stop %v at %#x", stop, m.c.s.RIP)
			}
			if !tc.check(m.state()) {
				t.Errorf("state after: %+v", m.state())
			}
		})
	}
}

// Privileged instructions at CPL 3 are #GP(0).
func TestPrivilegedAtCPL3(t *testing.T) {
	for _, tc := range []struct {
		name string
		code []byte
	}{
		{"hlt", hlt}, {"mov cr3", []byte{0x0f, 0x22, 0xd8}}, {"rdmsr", []byte{0x0f, 0x32}},
		{"wrmsr", []byte{0x0f, 0x30}}, {"lgdt", []byte{0x0f, 0x01, 0x10}}, {"invlpg", []byte{0x0f, 0x01, 0x38}},
		{"swapgs", []byte{0x0f, 0x01, 0xf8}}, {"cli", []byte{0xfa}}, {"sysret", []byte{0x48, 0x0f, 0x07}},
		{"mov dr7", []byte{0x0f, 0x23, 0xf8}}, {"out", []byte{0xe6, 0x80}}, {"clts", []byte{0x0f, 0x06}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			m.toUser(tUserCode)
			m.code(tUserCode, tc.code...)
			if v := m.runToHandler(); v != arch.VecGP {
				t.Fatalf("vector %d, want #GP", v)
			}
			if code, f := m.frame(true); code != 0 || f[0] != tUserCode {
				t.Errorf("error code %#x rip %#x", code, f[0])
			}
		})
	}
}

// IN and OUT at CPL 3 go through the TSS I/O bitmap.
func TestIOPermissionBitmap(t *testing.T) {
	m := newTestMachine(t)
	// A bitmap at TSS offset 0x68 covering ports 0-0x3ff, all denied but
	// 0x3f8-0x3ff.
	m.setState(func(s *arch.State) { s.TR.Limit = 0x68 + 0x80 })
	for i := uint64(0); i < 0x80; i += 8 {
		m.put64(tTSS+0x68+i, ^uint64(0))
	}
	m.bus.pages[tTSS>>12][0x68+0x3f8/8] = 0
	m.pl.in[0x3fd] = 0x60
	m.toUser(tUserCode)
	m.code(tUserCode, 0x66, 0xba, 0xfd, 0x03, 0xec, // mov dx,0x3fd; in al,dx
		0x66, 0xba, 0xf8, 0x03, 0xee, // mov dx,0x3f8; out dx,al
		0x66, 0xba, 0xf6, 0x03, 0xee) // mov dx,0x3f6; out dx,al (denied)
	if v := m.runToHandler(); v != arch.VecGP {
		t.Fatalf("vector %d", v)
	}
	if _, f := m.frame(true); f[0] != tUserCode+14 {
		t.Errorf("fault at %#x, want the denied out", f[0])
	}
	if len(m.pl.outs) != 1 || m.pl.outs[0] != (portWrite{0x3f8, 1, 0x60}) {
		t.Errorf("port writes %+v", m.pl.outs)
	}
}

func TestMovCR8IsTheTPR(t *testing.T) {
	m := newTestMachine(t)
	m.code(tCode, 0xb8, 9, 0, 0, 0, 0x44, 0x0f, 0x22, 0xc0, // mov eax,9; mov cr8,rax
		0x44, 0x0f, 0x20, 0xc3, 0xf4) // mov rbx,cr8; hlt
	m.run(10)
	if m.pl.tpr != 0x90 {
		t.Errorf("TPR %#x, want 0x90", m.pl.tpr)
	}
	if rbx := m.state().GPR[arch.RBX]; rbx != 9 {
		t.Errorf("mov rbx, cr8 read %#x, want 9", rbx)
	}
}

// IN records what it read, every byte of it, in the read log a recorder
// keeps.
func TestINReadLog(t *testing.T) {
	m := newTestMachine(t)
	m.pl.in[0x80] = 0x89abcdef
	m.c.ReadLog = &ReadLog{}
	m.code(tCode, 0xe5, 0x80, 0xf4) // in eax, 0x80; hlt
	m.run(10)
	if got := m.c.ReadLog.Reads; len(got) != 1 || !got[0].Port || got[0].Addr != 0x80 ||
		string(m.c.ReadLog.Bytes(got[0])) != "\xef\xcd\xab\x89" {
		t.Errorf("read log %+v % x, want port 0x80: ef cd ab 89", got, m.c.ReadLog.Data)
	}
}

// Segment loads check descriptors: a user data segment loads at CPL 3, a
// kernel one does not, and a null SS is refused at CPL 3.
func TestSegmentLoads(t *testing.T) {
	tests := []struct {
		name string
		code []byte
		gp   bool
		ec   uint64
	}{
		{"user data into DS", []byte{0xb8, selUData, 0, 0, 0, 0x8e, 0xd8}, false, 0},
		{"kernel data into DS", []byte{0xb8, selKData | 3, 0, 0, 0, 0x8e, 0xd8}, true, selKData},
		{"null into SS", []byte{0x31, 0xc0, 0x8e, 0xd0}, true, 0},
		{"beyond the GDT", []byte{0xb8, 0xfb, 0, 0, 0, 0x8e, 0xe0}, true, 0xf8},
		{"an LDT selector without an LDT", []byte{0xb8, 0x0f, 0, 0, 0, 0x8e, 0xd8}, true, 0x0c},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			m.toUser(tUserCode)
			m.code(tUserCode, append(tc.code, 0x0f, 0x0b)...)
			v := m.runToHandler()
			code, _ := m.frame(v == arch.VecGP)
			switch {
			case tc.gp && (v != arch.VecGP || code != tc.ec):
				t.Errorf("vector %d code %#x, want #GP(%#x)", v, code, tc.ec)
			case !tc.gp && v != arch.VecUD:
				t.Errorf("vector %d, want the load to succeed", v)
			}
		})
	}
}

// LAR and LSL accept, of the system descriptor types, only those valid in
// 64-bit mode (SDM Vol. 2A LAR, LSL): the LDT, the 64-bit TSS available
// and busy, and for LAR the 64-bit call gate.
func TestSelectorQueriesSystemTypes(t *testing.T) {
	const sel = 0x38 // GDT entries 7 and 8: a 16-byte system descriptor
	for typ := range uint64(16) {
		lar := typ == 0x2 || typ == 0x9 || typ == 0xb || typ == 0xc
		lsl := lar && typ != 0xc
		for _, tc := range []struct {
			name string
			op   []byte
			ok   bool
			eax  uint64
		}{{"lar", []byte{0x0f, 0x02, 0xc0}, lar, 0x00008000 | typ<<8}, {"lsl", []byte{0x0f, 0x03, 0xc0}, lsl, 0x67}} {
			m := newTestMachine(t)
			m.put64(tGDT+7*8, tssDescriptorLow(tTSS, 0x67)&^(0xf<<40)|typ<<40)
			m.put64(tGDT+8*8, 0)
			m.setState(func(s *arch.State) {
				s.GDTR.Limit = 9*8 - 1
				s.RFLAGS |= arch.ZF * b2u(!tc.ok)
				s.GPR[arch.RAX] = 0x1111
			})
			m.code(tCode, cat([]byte{0x66, 0xb8, sel, 0}, tc.op)...)
			if stop := m.c.Run(2); stop.Kind != StopCount {
				t.Fatalf("%s type %#x: stop %v", tc.name, typ, stop)
			}
			s := m.state()
			if got := s.RFLAGS&arch.ZF != 0; got != tc.ok {
				t.Errorf("%s of system type %#x: ZF %v, want %v", tc.name, typ, got, tc.ok)
			}
			if tc.ok && s.GPR[arch.RAX] != tc.eax {
				t.Errorf("%s of system type %#x: eax %#x, want %#x", tc.name, typ, s.GPR[arch.RAX], tc.eax)
			}
		}
	}
}

// LAR, LSL, VERR and VERW answer from the test GDT: null, kernel code and
// data (DPL 0), user data and code (DPL 3), a 64-bit TSS.
func TestSelectorQueries(t *testing.T) {
	tests := []struct {
		name string
		user bool
		sel  uint16
		op   []byte // on AX into EAX
		zf   bool
		eax  uint64 // checked when zf
	}{
		{"lar kernel code", false, selKCode, []byte{0x0f, 0x02, 0xc0}, true, 0x00a09b00},
		{"lar 64-bit TSS", false, selTSS, []byte{0x0f, 0x02, 0xc0}, true, 0x00008900},
		{"lar null", false, 0, []byte{0x0f, 0x02, 0xc0}, false, 0},
		{"lar past the limit", false, 0x40, []byte{0x0f, 0x02, 0xc0}, false, 0},
		{"lar DPL 0 from CPL 3", true, selKData | 3, []byte{0x0f, 0x02, 0xc0}, false, 0},
		{"lsl kernel data (4 KiB granular)", false, selKData, []byte{0x0f, 0x03, 0xc0}, true, 0xffffffff},
		{"lsl TSS", false, selTSS, []byte{0x0f, 0x03, 0xc0}, true, 0x67},
		{"verr readable code", false, selKCode, []byte{0x0f, 0x00, 0xe0}, true, 0},
		{"verw code", false, selKCode, []byte{0x0f, 0x00, 0xe8}, false, 0},
		{"verw data", false, selKData, []byte{0x0f, 0x00, 0xe8}, true, 0},
		{"verr DPL 0 data from CPL 3", true, selKData | 3, []byte{0x0f, 0x00, 0xe0}, false, 0},
		{"verr user data from CPL 3", true, selUData, []byte{0x0f, 0x00, 0xe0}, true, 0},
		{"verw TSS (a system segment)", false, selTSS, []byte{0x0f, 0x00, 0xe8}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			at := m.start(tc.user)
			zfBefore := arch.ZF
			if tc.zf {
				zfBefore = 0
			}
			m.setState(func(s *arch.State) { s.RFLAGS |= uint64(zfBefore) | arch.CF; s.GPR[arch.RAX] = 0x1111 })
			m.code(at, cat([]byte{0x66, 0xb8}, []byte{byte(tc.sel), byte(tc.sel >> 8)}, tc.op)...)
			if stop := m.c.Run(2); stop.Kind != StopCount {
				t.Fatalf("stop %v", stop)
			}
			s := m.state()
			if got := s.RFLAGS&arch.ZF != 0; got != tc.zf {
				t.Errorf("ZF %v, want %v", got, tc.zf)
			}
			if s.RFLAGS&arch.CF == 0 {
				t.Error("CF changed")
			}
			if tc.zf && tc.eax != 0 && s.GPR[arch.RAX] != tc.eax {
				t.Errorf("eax %#x, want %#x", s.GPR[arch.RAX], tc.eax)
			}
		})
	}
}

// A far return with an immediate to an outer level releases the bytes on
// both stacks: after the CS it pops, and after the outer RSP it loads.
func TestFarReturnReleaseToOuter(t *testing.T) {
	m := newTestMachine(t)
	const sp = tRSP0 - 0x100
	for i, v := range []uint64{tUserCode, selUCode, 0xdead, tUserData + 0x800, selUData} {
		m.put64(sp+uint64(i)*8, v)
	}
	m.setState(func(s *arch.State) { s.GPR[arch.RSP] = sp })
	m.code(tCode, 0x48, 0xca, 0x08, 0x00) // retfq 8
	if stop := m.c.Run(1); stop.Kind != StopCount {
		t.Fatalf("stop %v", stop)
	}
	s := m.state()
	if s.CPL != 3 || s.RIP != tUserCode || s.GPR[arch.RSP] != tUserData+0x808 || s.Seg[arch.SS].Selector != selUData {
		t.Errorf("CPL %d rip %#x rsp %#x ss %#x, want CPL 3 at %#x with rsp %#x and ss %#x",
			s.CPL, s.RIP, s.GPR[arch.RSP], s.Seg[arch.SS].Selector, tUserCode, tUserData+0x808, selUData)
	}
}

// RETF to CPL 3 checks the new SS before loading anything: a selector
// with the wrong RPL, a DPL 0 data segment, a code segment is #GP with the
// selector (RPL cleared) as the error code.
func TestFarReturnToOuterBadSS(t *testing.T) {
	for _, tc := range []struct {
		name string
		ss   uint64
	}{
		{"RPL 1 for CPL 3", selUData&^3 | 1},
		{"DPL 0 data", selKData | 3},
		{"a code segment", selUCode},
	} {
		m := newTestMachine(t)
		const sp = tRSP0 - 0x100
		for i, v := range []uint64{tUserCode, selUCode, tUserData + 0x800, tc.ss} {
			m.put64(sp+uint64(i)*8, v)
		}
		m.setState(func(s *arch.State) { s.GPR[arch.RSP] = sp })
		m.code(tCode, 0x48, 0xcb) // retfq
		if v := m.runToHandler(); v != arch.VecGP {
			t.Fatalf("%s: vector %d, want #GP", tc.name, v)
		}
		if code, f := m.frame(true); code != tc.ss&^3 || f[0] != tCode {
			t.Errorf("%s: error code %#x at %#x, want %#x at the retf", tc.name, code, f[0], tc.ss&^3)
		}
	}
}

// LLDT and LTR take their descriptor from the GDT only: a selector with
// TI set is #GP with the selector as the error code.
func TestSystemDescriptorFromTheLDT(t *testing.T) {
	for _, op := range [][]byte{{0x0f, 0x00, 0xd0}, {0x0f, 0x00, 0xd8}} { // lldt ax, ltr ax
		m := newTestMachine(t)
		m.code(tCode, append([]byte{0xb8, 0x2c, 0, 0, 0}, op...)...) // mov eax, 0x2c (TI set)
		if v := m.runToHandler(); v != arch.VecGP {
			t.Fatalf("% x: vector %d, want #GP", op, v)
		}
		if code, _ := m.frame(true); code != 0x2c {
			t.Errorf("% x: error code %#x, want the selector 0x2c", op, code)
		}
	}
}

// FXSAVE stores the x87 instruction and data pointers as 32-bit offsets,
// FXSAVE64 (REX.W) as 64-bit ones (SDM Vol. 1 Tables 10-2 and 10-3).
func TestFXSAVEPointerWidths(t *testing.T) {
	const fip, fdp = 0x123456789abc, 0xfedcba987654
	for _, tc := range []struct {
		name     string
		code     []byte
		fip, fdp uint64
	}{
		{"fxsave", []byte{0x0f, 0xae, 0x00}, fip & 0xffffffff, fdp & 0xffffffff},
		{"fxsave64", []byte{0x48, 0x0f, 0xae, 0x00}, fip, fdp},
	} {
		m := newTestMachine(t)
		m.setState(func(s *arch.State) {
			s.X87.FIP, s.X87.FDP = fip, fdp
			s.GPR[arch.RAX] = tUserData
		})
		m.code(tCode, tc.code...)
		if stop := m.c.Run(1); stop.Kind != StopCount {
			t.Fatalf("%s: stop %v", tc.name, stop)
		}
		if ip, dp := m.get64(tUserData+8), m.get64(tUserData+16); ip != tc.fip || dp != tc.fdp {
			t.Errorf("%s: FIP %#x FDP %#x, want %#x %#x", tc.name, ip, dp, tc.fip, tc.fdp)
		}
	}
}

// LFS reads an m16:16, m16:32 or m16:64 far pointer: the selector follows
// an offset of the operand size.
func TestFarPointerWidths(t *testing.T) {
	for _, tc := range []struct {
		prefix []byte
		size   int
		rax    uint64
	}{
		{nil, 4, 0x12345678},
		{[]byte{0x66}, 2, 0x1111_5678}, // a 16-bit load keeps RAX's upper bits
		{[]byte{0x48}, 8, 0x0abc_def0_1234_5678},
	} {
		m := newTestMachine(t)
		ptr := make([]byte, 16)
		for i := range tc.size {
			ptr[i] = byte(tc.rax >> (8 * i))
		}
		ptr[tc.size] = selUData
		for i := 0; i < 16; i += 8 {
			var v uint64
			for j := range 8 {
				v |= uint64(ptr[i+j]) << (8 * j)
			}
			m.put64(tUserData+uint64(i), v)
		}
		m.setState(func(s *arch.State) { s.GPR[arch.RBX] = tUserData; s.GPR[arch.RAX] = 0x1111_1111 })
		m.code(tCode, cat(tc.prefix, []byte{0x0f, 0xb4, 0x03})...) // lfs eax, [rbx]
		if stop := m.c.Run(1); stop.Kind != StopCount {
			t.Fatalf("% x lfs: stop %v", tc.prefix, stop)
		}
		s := m.state()
		want := tc.rax
		if tc.size == 4 {
			want &= 0xffffffff
		}
		if s.Seg[arch.FS].Selector != selUData || s.GPR[arch.RAX] != want {
			t.Errorf("% x lfs: fs %#x rax %#x, want %#x %#x", tc.prefix, s.Seg[arch.FS].Selector, s.GPR[arch.RAX], selUData, want)
		}
	}
}

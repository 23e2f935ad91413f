package cpu

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// Instruction encodings the system tests use.
var (
	movRAXFromAbs = func(a uint32) []byte { return append([]byte{0x48, 0x8b, 0x04, 0x25}, le(a)...) } // mov rax,[a]
	movAbsFromRAX = func(a uint32) []byte { return append([]byte{0x48, 0x89, 0x04, 0x25}, le(a)...) } // mov [a],rax
	movRAXImm     = func(v uint64) []byte { return append([]byte{0x48, 0xb8}, le64(v)...) }           // mov rax,v
	jmpRAX        = []byte{0xff, 0xe0}
	hlt           = []byte{0xf4}
)

func le(v uint32) []byte   { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
func le64(v uint64) []byte { return append(le(uint32(v)), le(uint32(v>>32))...) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestPageFaultErrorCodes(t *testing.T) {
	const data = 0x40000
	tests := []struct {
		name  string
		setup func(m *testMachine)
		user  bool
		code  []byte
		want  uint64 // error code
		cr2   uint64
	}{
		{"supervisor read, not present", nil, false, movRAXFromAbs(0x100), 0, 0x100},
		{"supervisor write, read-only with WP", func(m *testMachine) { m.mapPage(data, data, fP) },
			false, movAbsFromRAX(data), pfP | pfW, data},
		{"user read of a supervisor page", nil, true, movRAXFromAbs(data), pfP | pfU, data},
		{"user write to a read-only user page", func(m *testMachine) { m.mapPage(data, data, fP|fU) },
			true, movAbsFromRAX(data), pfP | pfW | pfU, data},
		{"user fetch, not present", nil, true, cat(movRAXImm(0x100), jmpRAX), pfU | pfI, 0x100},
		{"supervisor fetch from an NX page", func(m *testMachine) { m.mapPage(data, data, fP|fW|fNX) },
			false, cat(movRAXImm(data), jmpRAX), pfP | pfI, data},
		{"reserved bit above MAXPHYADDR", func(m *testMachine) { m.mapPage(data, data|1<<45, fP|fW) },
			false, movRAXFromAbs(data), pfP | pfRSVD, data},
		{"NX bit with EFER.NXE clear is reserved", func(m *testMachine) {
			m.mapPage(data, data, fP|fW|fNX)
			m.setState(func(s *arch.State) { s.EFER &^= arch.EFERNXE })
		}, false, movRAXFromAbs(data), pfP | pfRSVD, data},
		{"SMEP: supervisor fetch from a user page", func(m *testMachine) {
			m.setState(func(s *arch.State) { s.CR4 |= arch.CR4SMEP })
		}, false, cat(movRAXImm(tUserCode), jmpRAX), pfP | pfI, tUserCode},
		{"SMAP: supervisor read of a user page with AC clear", func(m *testMachine) {
			m.setState(func(s *arch.State) { s.CR4 |= arch.CR4SMAP })
		}, false, movRAXFromAbs(tUserData), pfP, tUserData},
		{"no WP: supervisor write to a read-only page succeeds", func(m *testMachine) {
			m.mapPage(data, data, fP)
			m.setState(func(s *arch.State) { s.CR0 &^= arch.CR0WP })
		}, false, cat(movAbsFromRAX(data), movRAXFromAbs(0x100)), 0, 0x100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMachine(t)
			if tc.setup != nil {
				tc.setup(m)
			}
			at := uint64(tCode)
			if tc.user {
				at = tUserCode
				m.toUser(at)
			}
			m.code(at, tc.code...)
			if v := m.runToHandler(); v != arch.VecPF {
				t.Fatalf("vector %d, want #PF", v)
			}
			code, f := m.frame(true)
			if code != tc.want || m.c.s.CR2 != tc.cr2 {
				t.Errorf("error code %#x cr2 %#x, want %#x %#x", code, m.c.s.CR2, tc.want, tc.cr2)
			}
			switch {
			case tc.want&pfI != 0 && f[0] != tc.cr2:
				t.Errorf("saved rip %#x, want the fetch address %#x", f[0], tc.cr2)
			case tc.want&pfI == 0 && (f[0] < at || f[0] >= at+uint64(len(tc.code))):
				t.Errorf("saved rip %#x, want the faulting instruction", f[0])
			}
		})
	}
}

func TestSMAPWithSTAC(t *testing.T) {
	m := newTestMachine(t)
	m.setState(func(s *arch.State) { s.CR4 |= arch.CR4SMAP })
	m.put64(tUserData, 0x1234)
	m.code(tCode, cat([]byte{0x0f, 0x01, 0xcb}, movRAXFromAbs(tUserData), []byte{0x0f, 0x01, 0xca}, hlt)...)
	if stop := m.run(10); stop.Kind != StopHalt || m.c.s.GPR[arch.RAX] != 0x1234 {
		t.Fatalf("stop %v rax %#x, want hlt with the user value", stop, m.c.s.GPR[arch.RAX])
	}
}

func TestAccessedAndDirtyBits(t *testing.T) {
	const data = 0x40000
	m := newTestMachine(t)
	m.code(tCode, cat(movRAXFromAbs(data), hlt)...)
	m.run(10)
	for _, e := range []struct {
		name string
		pa   uint64
	}{{"PML4E", tPML4}, {"PDPTE", tPDPT}, {"PDE", tPD}, {"PTE", tPT + (data>>12)*8}} {
		if m.get64(e.pa)&pteA == 0 {
			t.Errorf("%s accessed bit not set by a read", e.name)
		}
	}
	if m.pte(data)&pteD != 0 {
		t.Errorf("a read set the dirty bit")
	}
	m.setState(func(s *arch.State) { s.RIP = tCode + 0x100 })
	m.code(tCode+0x100, cat(movAbsFromRAX(data), hlt)...)
	m.run(10)
	if m.pte(data)&pteD == 0 {
		t.Errorf("a write through a cached clean translation did not set the dirty bit")
	}
}

func TestLargePages(t *testing.T) {
	m := newTestMachine(t)
	m.put64(tPD+8, 0|fP|fW|fPS)                                          // 2 MiB page: la 0x200000 -> pa 0
	m.put64(tPDPT+8, 0|fP|fW|fPS)                                        // 1 GiB page: la 0x40000000 -> pa 0
	m.put64(0x18000, 0xfeedfacecafe)                                     // the value both mappings reach
	m.code(tCode, cat(movRAXFromAbs(0x218000), []byte{0x48, 0x89, 0xc3}, // mov rbx,rax
		movRAXFromAbs(0x40018000), hlt)...)
	if stop := m.run(10); stop.Kind != StopHalt {
		t.Fatalf("stop %v", stop)
	}
	if m.c.s.GPR[arch.RBX] != 0xfeedfacecafe || m.c.s.GPR[arch.RAX] != 0xfeedfacecafe {
		t.Errorf("rbx %#x rax %#x through 2 MiB and 1 GiB pages, want 0xfeedfacecafe", m.c.s.GPR[arch.RBX], m.c.s.GPR[arch.RAX])
	}
	if m.get64(tPD+8)&pteA == 0 || m.get64(tPDPT+8)&pteA == 0 {
		t.Errorf("large-page entries not marked accessed")
	}
}

// TestStaleTranslations: a changed PTE is not seen until INVLPG or a CR3
// write drops the cached translation; a global one survives CR3 writes.
func TestStaleTranslations(t *testing.T) {
	const la, pa1, pa2 = 0x40000, 0x41000, 0x42000
	m := newTestMachine(t)
	m.put64(pa1, 111)
	m.put64(pa2, 222)
	m.mapPage(la, pa1, fP|fW|fG)
	m.setState(func(s *arch.State) { s.CR4 |= arch.CR4PGE })
	read := cat(movRAXFromAbs(la), hlt)
	// SetState drops the TLB, so the steps below go through the CPU's own
	// instructions to keep the cached entries.
	m.setState(func(s *arch.State) { s.RIP = tCode })
	m.code(tCode, read...)
	m.run(10)
	m.mapPage(la, pa2, fP|fW|fG)
	if v := m.runFrom(tCode+0x200, read); v != 111 {
		t.Errorf("after the PTE changed: read %d, want the stale 111", v)
	}
	reloadCR3 := cat([]byte{0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8}, read) // mov rax,cr3; mov cr3,rax
	if v := m.runFrom(tCode+0x300, reloadCR3); v != 111 {
		t.Errorf("global page after a CR3 write: read %d, want the stale 111", v)
	}
	invlpg := cat(movRAXImm(la), []byte{0x0f, 0x01, 0x38}, read) // invlpg [rax]
	if v := m.runFrom(tCode+0x400, invlpg); v != 222 {
		t.Errorf("after INVLPG: read %d, want 222", v)
	}
	m.mapPage(la, pa1, fP|fW) // not global now
	m.runFrom(tCode+0x500, invlpg)
	m.mapPage(la, pa2, fP|fW)
	if v := m.runFrom(tCode+0x600, reloadCR3); v != 222 {
		t.Errorf("non-global page after a CR3 write: read %d, want 222", v)
	}
}

// runFrom jumps to code placed at rip and runs it to its HLT without
// touching the TLB (a jmp, not SetState), returning RAX.
func (m *testMachine) runFrom(rip uint64, code []byte) uint64 {
	m.t.Helper()
	m.code(rip, code...)
	m.code(m.c.s.RIP, cat(movRAXImm(rip), jmpRAX)...)
	if stop := m.run(20); stop.Kind != StopHalt {
		m.t.Fatalf("stop %v at %#x", stop, m.c.s.RIP)
	}
	return m.c.s.GPR[arch.RAX]
}

// A write across a page boundary whose second page faults writes nothing.
func TestCrossPageWriteFaultWritesNothing(t *testing.T) {
	const la = 0x40ffc
	m := newTestMachine(t)
	m.mapPage(0x41000, 0, 0)
	m.code(tCode, cat(movRAXImm(0x1122334455667788), movAbsFromRAX(la))...)
	if v := m.runToHandler(); v != arch.VecPF || m.c.s.CR2 != 0x41000 {
		t.Fatalf("vector %d cr2 %#x, want #PF at 0x41000", v, m.c.s.CR2)
	}
	if got := m.get64(0x40ff8); got != 0 {
		t.Errorf("first page changed to %#x", got)
	}
}

// A kernel writing code through one mapping must see it executed through
// another: the decoded-instruction cache is keyed physically.
func TestCodeWrittenThroughAnAlias(t *testing.T) {
	const alias = 0x60000
	m := newTestMachine(t)
	m.mapPage(alias, tUserCode, fP|fW) // a second mapping of the page at tUserCode
	m.mapPage(tUserCode, tUserCode, fP|fW)
	m.code(tUserCode, 0xb8, 1, 0, 0, 0, 0xf4) // mov eax,1; hlt
	if v := m.runFrom(tUserCode, nil); v != 1 {
		t.Fatalf("first run: rax %d", v)
	}
	// mov byte [alias+1], 2, then run the code again.
	m.setState(func(s *arch.State) { s.RIP = tCode })
	m.code(tCode, cat([]byte{0xc6, 0x04, 0x25}, le(alias+1), []byte{2}, movRAXImm(tUserCode), jmpRAX)...)
	if stop := m.run(20); stop.Kind != StopHalt || m.c.s.GPR[arch.RAX] != 2 {
		t.Fatalf("stop %v rax %d, want the rewritten immediate 2", stop, m.c.s.GPR[arch.RAX])
	}
}

// An instruction that crosses into the next page is decoded afresh each
// time: a store to its second page must be seen the next time it runs.
func TestCodeRewrittenAcrossAPage(t *testing.T) {
	m := newTestMachine(t)
	at := uint64(tUserCode + 0x1000 - 3) // mov eax, imm32: 3 bytes here, 2 on the next page
	m.mapPage(tUserCode, tUserCode, fP|fW)
	m.mapPage(tUserCode+0x1000, tUserCode+0x1000, fP|fW)
	m.code(at, 0xb8, 0x78, 0x56, 0x34, 0x12, 0xc3) // mov eax, 0x12345678; ret
	// call it, keep eax in ecx, store 0xaa over the immediate's top byte
	// (on the second page), call it again.
	m.code(tCode, cat([]byte{0x48, 0xbb}, le64(at), []byte{0xff, 0xd3, 0x89, 0xc1, 0xc6, 0x04, 0x25}, le(uint32(at+4)),
		[]byte{0xaa, 0xff, 0xd3, 0xf4})...)
	m.setState(func(s *arch.State) { s.RIP = tCode })
	if stop := m.run(20); stop.Kind != StopHalt {
		t.Fatalf("stop %v at %#x", stop, m.c.s.RIP)
	}
	if s := m.state(); s.GPR[arch.RCX] != 0x12345678 || s.GPR[arch.RAX] != 0xaa345678 {
		t.Errorf("first run %#x, second %#x; want 0x12345678, then the rewritten 0xaa345678", s.GPR[arch.RCX], s.GPR[arch.RAX])
	}
}

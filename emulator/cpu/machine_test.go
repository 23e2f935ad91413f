package cpu

import (
	"encoding/binary"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// A small system-mode machine for the system-level tests: identity-mapped
// low memory with 4 KiB pages, a GDT with SYSRET-ordered selectors, a TSS,
// and an IDT whose handlers halt so a test can inspect the frame.
//
//	0x1000 PML4   0x2000 PDPT   0x3000 PD   0x4000 PT (0-2 MiB, 4 KiB pages)
//	0x5000 GDT    0x6000 IDT    0x7000 TSS
//	0x8000-0x9000 kernel stack (RSP0)   0xa000-0xb000 IST1 stack
//	0x10000 kernel code   0x11000+vector*16 handlers (hlt)
//	0x20000 user code     0x30000 user data/stack (user pages)
const (
	tPML4, tPDPT, tPD, tPT = 0x1000, 0x2000, 0x3000, 0x4000
	tGDT, tIDT, tTSS       = 0x5000, 0x6000, 0x7000
	tRSP0, tIST1           = 0x9000, 0xb000
	tCode, tHandlers       = 0x10000, 0x11000
	tUserCode, tUserData   = 0x20000, 0x30000

	selKCode, selKData, selUData, selUCode, selTSS = 0x08, 0x10, 0x1b, 0x23, 0x28
)

type testBus struct{ pages map[uint64]*[4096]byte }

func (b *testBus) Page(pa uint64) *[4096]byte { return b.pages[pa>>12] }

type portWrite struct {
	port uint16
	size int
	v    uint32
}

type testPlatform struct {
	in   map[uint16]uint32
	outs []portWrite
	msr  map[uint32]uint64
	tpr  uint8
	mmio []portWrite // MMIO writes, port holding the page offset
}

func (p *testPlatform) ReadMMIO(pa uint64, size int) uint64 { return ^uint64(0) }
func (p *testPlatform) WriteMMIO(pa uint64, size int, v uint64) {
	p.mmio = append(p.mmio, portWrite{uint16(pa & 0xfff), size, uint32(v)})
}
func (p *testPlatform) In(port uint16, size int) uint32 {
	if v, ok := p.in[port]; ok {
		return v
	}
	return ^uint32(0)
}
func (p *testPlatform) Out(port uint16, size int, v uint32) {
	p.outs = append(p.outs, portWrite{port, size, v})
}
func (p *testPlatform) ReadMSR(msr uint32) (uint64, bool) { v, ok := p.msr[msr]; return v, ok }
func (p *testPlatform) WriteMSR(msr uint32, v uint64) bool {
	if _, ok := p.msr[msr]; !ok {
		return false
	}
	p.msr[msr] = v
	return true
}
func (p *testPlatform) TPR() uint8     { return p.tpr }
func (p *testPlatform) SetTPR(v uint8) { p.tpr = v }

type testMachine struct {
	t   *testing.T
	bus *testBus
	pl  *testPlatform
	c   *CPU
}

// Page-table entry flags for the tests.
const (
	fP, fW, fU, fG, fPS, fNX = pteP, pteRW, pteUS, pteG, ptePS, pteXD
)

func newTestMachine(t *testing.T) *testMachine {
	m := &testMachine{t: t, bus: &testBus{pages: map[uint64]*[4096]byte{}},
		pl: &testPlatform{in: map[uint16]uint32{}, msr: map[uint32]uint64{0x1b: 0xfee00900}}}
	for pa := uint64(0); pa < 0x200000; pa += 4096 {
		m.bus.pages[pa>>12] = new([4096]byte)
	}
	m.put64(tPML4, tPDPT|fP|fW|fU)
	m.put64(tPDPT, tPD|fP|fW|fU)
	m.put64(tPD, tPT|fP|fW|fU)
	for pa := uint64(0); pa < 0x200000; pa += 4096 {
		flags := uint64(fP | fW)
		if pa >= tUserCode && pa < tUserData+0x10000 {
			flags |= fU
		}
		m.mapPage(pa, pa, flags)
	}
	m.mapPage(0, 0, 0) // page 0 unmapped: null-pointer faults
	gdt := []uint64{0, 0x00af9b000000ffff, 0x00cf93000000ffff, 0x00cff3000000ffff, 0x00affb000000ffff,
		tssDescriptorLow(tTSS, 0x67), 0}
	for i, d := range gdt {
		m.put64(tGDT+uint64(i)*8, d)
	}
	m.put64(tTSS+4, tRSP0)
	m.put64(tTSS+0x24, tIST1)
	m.put64(tTSS+0x60, 0x68<<48) // I/O map base beyond the limit: no bitmap
	for v := 0; v < 256; v++ {
		m.setGate(uint8(v), tHandlers+uint64(v)*16, 0, 0, 0xe)
		m.code(tHandlers+uint64(v)*16, 0xf4) // hlt
	}
	m.c = NewSystem(m.bus, m.pl)
	s := arch.Flat64()
	s.CPL = 0
	s.Seg[arch.CS] = arch.Segment{Selector: selKCode, Limit: 0xffffffff, Attr: 0xa09b}
	s.Seg[arch.SS] = arch.Segment{Selector: selKData, Limit: 0xffffffff, Attr: 0xc093}
	s.CR3 = tPML4
	s.GDTR = arch.DescriptorTable{Base: tGDT, Limit: uint16(len(gdt)*8 - 1)}
	s.IDTR = arch.DescriptorTable{Base: tIDT, Limit: 0xfff}
	s.TR = arch.Segment{Selector: selTSS, Base: tTSS, Limit: 0x67, Attr: 0x8b}
	s.RFLAGS = arch.FlagsFixed
	s.RIP = tCode
	s.GPR[arch.RSP] = tRSP0 - 0x100
	s.MSR.STAR = uint64(0x10)<<48 | uint64(selKCode)<<32
	m.c.SetState(&s)
	return m
}

func tssDescriptorLow(base, limit uint64) uint64 {
	return limit&0xffff | (base&0xffffff)<<16 | 0x89<<40 | (limit>>16&0xf)<<48 | (base>>24&0xff)<<56
}

func (m *testMachine) put64(pa, v uint64) {
	binary.LittleEndian.PutUint64(m.bus.pages[pa>>12][pa&0xfff:], v)
}

func (m *testMachine) get64(pa uint64) uint64 {
	return binary.LittleEndian.Uint64(m.bus.pages[pa>>12][pa&0xfff:])
}

// mapPage sets the 4 KiB PTE for la (within the first 2 MiB).
func (m *testMachine) mapPage(la, pa, flags uint64) {
	m.put64(tPT+(la>>12&511)*8, pa|flags)
}

func (m *testMachine) pte(la uint64) uint64 { return m.get64(tPT + (la>>12&511)*8) }

// code writes instructions behind the CPU's back, so it drops the decoded
// cache (but not the TLB).
func (m *testMachine) code(pa uint64, b ...byte) {
	for len(b) > 0 { // across pages too
		n := copy(m.bus.pages[pa>>12][pa&0xfff:], b)
		pa, b = pa+uint64(n), b[n:]
	}
	if m.c != nil {
		m.c.FlushCaches()
	}
}

func (m *testMachine) setGate(v uint8, target uint64, ist, dpl uint8, typ uint64) {
	lo := target&0xffff | selKCode<<16 | uint64(ist)<<32 | typ<<40 | uint64(dpl)<<45 | 1<<47 | (target>>16&0xffff)<<48
	m.put64(tIDT+uint64(v)*16, lo)
	m.put64(tIDT+uint64(v)*16+8, target>>32)
}

func (m *testMachine) state() *arch.State { s := m.c.State(); return &s }

// setState edits the CPU state in place.
func (m *testMachine) setState(f func(s *arch.State)) {
	s := m.c.State()
	f(&s)
	m.c.SetState(&s)
}

// start returns where a test's code goes: the kernel's code page, or with
// user the user code page, the CPU moved there at CPL 3.
func (m *testMachine) start(user bool) uint64 {
	if !user {
		return tCode
	}
	m.toUser(tUserCode)
	return tUserCode
}

// toUser puts the CPU at CPL 3 at rip with the user stack.
func (m *testMachine) toUser(rip uint64) {
	m.setState(func(s *arch.State) {
		s.CPL = 3
		s.Seg[arch.CS] = arch.Segment{Selector: selUCode, Limit: 0xffffffff, Attr: 0x0afb}
		s.Seg[arch.SS] = arch.Segment{Selector: selUData, Limit: 0xffffffff, Attr: 0x0cf3}
		s.RIP = rip
		s.GPR[arch.RSP] = tUserData + 0x1000
	})
}

// runToHandler runs until a handler's HLT and returns the vector it halted
// in (from RIP).
func (m *testMachine) runToHandler() uint8 {
	m.t.Helper()
	stop := m.run(1000)
	if stop.Kind != StopHalt {
		m.t.Fatalf("stopped with %v at rip %#x, want a handler's hlt", stop, m.c.s.RIP)
	}
	rip := m.c.s.RIP - 1
	if rip < tHandlers || rip >= tHandlers+256*16 {
		m.t.Fatalf("halted at %#x, not in a handler", rip)
	}
	return uint8((rip - tHandlers) / 16)
}

// run runs n instructions as the machine would, going on after yields.
func (m *testMachine) run(n uint64) Stop {
	end := m.c.Retired + n
	for {
		stop := m.c.Run(end - m.c.Retired)
		if stop.Kind != StopYield || m.c.Retired >= end {
			return stop
		}
	}
}

// frame reads the interrupt frame on the handler's stack: the error code
// (if hasCode), RIP, CS, RFLAGS, RSP, SS.
func (m *testMachine) frame(hasCode bool) (code uint64, f [5]uint64) {
	sp := m.c.s.GPR[arch.RSP]
	if hasCode {
		code = m.get64(sp)
		sp += 8
	}
	for i := range f {
		f[i] = m.get64(sp + uint64(i)*8)
	}
	return code, f
}

package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The system instructions: control and debug registers, MSRs, descriptor
// tables, SYSCALL/SYSRET/SWAPGS, INVLPG, the interrupt flag and the
// software interrupts (SDM Vol. 2, each by mnemonic; Vol. 3A for the
// registers they touch).

func init() {
	onForm(movFromCR, "mov", "Rq,Cq")
	onForm(movToCR, "mov", "Cq,Rq")
	onForm(movFromDR, "mov", "Rq,Dq")
	onForm(movToDR, "mov", "Dq,Rq")
	on(rdmsr, "rdmsr")
	on(wrmsr, "wrmsr")
	on(syscall, "syscall")
	on(sysret, "sysret")
	on(swapgs, "swapgs")
	on(lgdt, "lgdt", "lidt")
	on(sgdt, "sgdt", "sidt")
	on(ltr, "ltr")
	on(lldt, "lldt")
	on(storeSelector, "str", "sldt")
	on(invlpg, "invlpg")
	on(cli, "cli")
	on(sti, "sti")
	on(smapFlag, "stac", "clac")
	on(privilegedNop, "clts", "wbinvd", "invd")
	on(smsw, "smsw")
	on(lmsw, "lmsw")
	on(rdpid, "rdpid")
	on(rdpmc, "rdpmc")
	on(func(c *CPU, in *decoder.Inst) { c.raise(arch.VecUD) }, "rsm") // #UD outside system-management mode
	on(int1, "int1")
	on(iret, "iret")
}

// privileged raises #GP(0) unless CPL is 0.
func (c *CPU) privileged() {
	if c.s.CPL != 0 {
		c.raiseCode(arch.VecGP, 0)
	}
}

// CR0 bits that may be set (the rest of the low half is reserved as zero
// reads; the high half is reserved and #GP).
const (
	cr0NW       = 1 << 29
	cr0CD       = 1 << 30
	cr0Writable = arch.CR0PE | arch.CR0MP | arch.CR0EM | arch.CR0TS | arch.CR0ET | arch.CR0NE |
		arch.CR0WP | arch.CR0AM | cr0NW | cr0CD | arch.CR0PG
	cr4DE       = 1 << 3
	cr4PSE      = 1 << 4
	cr4MCE      = 1 << 6
	cr4PCE      = 1 << 8
	cr4UMIP     = 1 << 11
	cr4Writable = arch.CR4PAE | arch.CR4PGE | arch.CR4OSFXSR | arch.CR4OSXMMEXCPT | arch.CR4FSGSBASE |
		arch.CR4SMEP | arch.CR4SMAP | cr4TSD | cr4DE | cr4PSE | cr4MCE | cr4PCE
)

// crExists raises #UD for a control register that does not exist: before
// the privilege check (silicon: mov rax, cr6 at CPL 3 is #UD, cr8 #GP).
func (c *CPU) crExists(r uint8) {
	switch r {
	case 0, 2, 3, 4, 8:
	default:
		c.raise(arch.VecUD)
	}
}

func movFromCR(c *CPU, in *decoder.Inst) {
	c.crExists(in.Args[1].Reg)
	c.privileged()
	var v uint64
	switch in.Args[1].Reg {
	case 0:
		v = c.s.CR0
	case 2:
		v = c.s.CR2
	case 3:
		v = c.s.CR3
	case 4:
		v = c.s.CR4
	case 8:
		v = c.cr8()
	default:
		c.raise(arch.VecUD)
	}
	c.s.GPR[in.Args[0].Reg] = v
}

func (c *CPU) cr8() uint64 {
	if c.platform != nil {
		return uint64(c.platform.TPR() >> 4)
	}
	return c.s.CR8
}

func movToCR(c *CPU, in *decoder.Inst) {
	c.crExists(in.Args[0].Reg)
	c.privileged()
	v := c.s.GPR[in.Args[1].Reg]
	switch in.Args[0].Reg {
	case 0:
		c.setCR0(v)
	case 2:
		c.s.CR2 = v
	case 3:
		if v>>PhysAddrBits != 0 {
			c.raiseCode(arch.VecGP, 0)
		}
		c.s.CR3 = v
		c.flushTLB(true)
	case 4:
		c.setCR4(v)
	case 8:
		if v>>4 != 0 {
			c.raiseCode(arch.VecGP, 0)
		}
		c.s.CR8 = v
		if c.platform != nil {
			c.platform.SetTPR(uint8(v << 4))
		}
		c.yield() // a lower priority may let a pending interrupt in
	default:
		c.raise(arch.VecUD)
	}
}

// setCR0 checks a CR0 value against long mode: paging and protection stay
// on, and the reserved bits are zero (SDM MOV CR, Vol. 3A 2.5).
func (c *CPU) setCR0(v uint64) {
	if v&^uint64(cr0Writable) != 0 || v&cr0NW != 0 && v&cr0CD == 0 ||
		v&arch.CR0PG != 0 && v&arch.CR0PE == 0 ||
		c.s.EFER&arch.EFERLMA != 0 && v&arch.CR0PG == 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	c.s.CR0 = v | arch.CR0ET
	c.flushTLB(false)
}

func (c *CPU) setCR4(v uint64) {
	if v&^uint64(cr4Writable) != 0 || c.s.EFER&arch.EFERLMA != 0 && v&arch.CR4PAE == 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	c.s.CR4 = v
	c.flushTLB(false)
}

// The debug registers (breakpoints: debug.go): DR4/DR5 alias DR6/DR7
// unless CR4.DE, which makes them #UD. DR8-DR15 do not exist: #UD before
// the privilege check (silicon). DR7.GD makes any access #DB.
func (c *CPU) drIndex(r uint8) uint8 {
	if r > 7 {
		c.raise(arch.VecUD)
	}
	c.privileged()
	if r == 4 || r == 5 {
		if c.s.CR4&cr4DE != 0 {
			c.raise(arch.VecUD)
		}
		r += 2
	}
	c.generalDetect()
	return r
}

func movFromDR(c *CPU, in *decoder.Inst) {
	r := c.drIndex(in.Args[1].Reg)
	v := c.dr[r]
	switch r {
	case 6:
		v |= 0xffff0ff0
	case 7:
		v |= 0x400
	}
	c.s.GPR[in.Args[0].Reg] = v
}

func movToDR(c *CPU, in *decoder.Inst) {
	r := c.drIndex(in.Args[0].Reg)
	v := c.s.GPR[in.Args[1].Reg]
	if r >= 6 && v>>32 != 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	c.dr[r] = v
	c.debugChanged()
}

// MSR numbers.
const (
	msrTSC          = 0x10
	msrAPICBase     = 0x1b
	msrPAT          = 0x277
	msrEFER         = 0xc0000080
	msrSTAR         = 0xc0000081
	msrLSTAR        = 0xc0000082
	msrCSTAR        = 0xc0000083
	msrSFMASK       = 0xc0000084
	msrFSBase       = 0xc0000100
	msrGSBase       = 0xc0000101
	msrKernelGSBase = 0xc0000102
	msrTSCAux       = 0xc0000103
)

func rdmsr(c *CPU, in *decoder.Inst) {
	c.privileged()
	msr := uint32(c.s.GPR[arch.RCX])
	v, ok := c.readMSR(msr)
	if !ok {
		c.raiseCode(arch.VecGP, 0)
	}
	c.setReg(arch.RAX, 4, v&0xffffffff)
	c.setReg(arch.RDX, 4, v>>32)
}

func (c *CPU) readMSR(msr uint32) (uint64, bool) {
	m := &c.s.MSR
	switch msr {
	case msrTSC:
		return c.Retired + c.tscOffset, true
	case msrPAT:
		return m.PAT, true
	case msrEFER:
		return c.s.EFER, true
	case msrSTAR:
		return m.STAR, true
	case msrLSTAR:
		return m.LSTAR, true
	case msrCSTAR:
		return m.CSTAR, true
	case msrSFMASK:
		return m.SFMASK, true
	case msrFSBase:
		return c.s.Seg[arch.FS].Base, true
	case msrGSBase:
		return c.s.Seg[arch.GS].Base, true
	case msrKernelGSBase:
		return c.s.KernelGSBase, true
	case msrTSCAux:
		return m.TSCAux, true
	}
	if c.platform != nil {
		return c.platform.ReadMSR(msr)
	}
	return 0, false
}

func wrmsr(c *CPU, in *decoder.Inst) {
	c.privileged()
	msr := uint32(c.s.GPR[arch.RCX])
	v := c.s.GPR[arch.RDX]<<32 | c.s.GPR[arch.RAX]&0xffffffff
	if !c.writeMSR(msr, v) {
		c.raiseCode(arch.VecGP, 0)
	}
	c.yield() // an APIC MSR may have changed what is deliverable
}

// eferWritable: SCE, LME, NXE; LMA is read-only (it follows LME and CR0.PG).
const eferWritable = arch.EFERSCE | arch.EFERLME | arch.EFERNXE

func (c *CPU) writeMSR(msr uint32, v uint64) bool {
	m := &c.s.MSR
	switch msr {
	case msrTSC:
		c.tscOffset = v - c.Retired
	case msrPAT:
		for i := 0; i < 8; i++ {
			if t := v >> (8 * i) & 0xff; t > 7 || t == 2 || t == 3 {
				return false
			}
		}
		m.PAT = v
	case msrEFER:
		if v&^uint64(eferWritable|arch.EFERLMA) != 0 ||
			(v^c.s.EFER)&arch.EFERLME != 0 && c.s.CR0&arch.CR0PG != 0 {
			return false
		}
		c.s.EFER = v&eferWritable | c.s.EFER&arch.EFERLMA
		c.flushTLB(false)
	case msrSTAR:
		m.STAR = v
	case msrLSTAR, msrCSTAR:
		if !canonical(v) {
			return false
		}
		if msr == msrLSTAR {
			m.LSTAR = v
		} else {
			m.CSTAR = v
		}
	case msrSFMASK:
		m.SFMASK = v & 0xffffffff
	case msrFSBase, msrGSBase, msrKernelGSBase:
		if !canonical(v) {
			return false
		}
		switch msr {
		case msrFSBase:
			c.s.Seg[arch.FS].Base = v
		case msrGSBase:
			c.s.Seg[arch.GS].Base = v
		default:
			c.s.KernelGSBase = v
		}
	case msrTSCAux:
		if v>>32 != 0 {
			return false
		}
		m.TSCAux = v
	default:
		return c.platform != nil && c.platform.WriteMSR(msr, v)
	}
	return true
}

// syscall enters CPL 0 at LSTAR with the flat selectors STAR names (SDM
// SYSCALL, 64-bit mode).
func syscall(c *CPU, in *decoder.Inst) {
	if c.s.EFER&arch.EFERSCE == 0 {
		c.raise(arch.VecUD)
	}
	if c.platform == nil {
		notImplemented(c, in)
	}
	flags := c.rflags()
	c.s.GPR[arch.RCX] = c.next
	c.s.GPR[arch.R11] = flags &^ arch.RF
	sel := uint16(c.s.MSR.STAR >> 32)
	c.s.Seg[arch.CS] = arch.Segment{Selector: sel &^ 3, Limit: 0xffffffff, Attr: 0xa09b}
	c.s.Seg[arch.SS] = arch.Segment{Selector: sel + 8, Limit: 0xffffffff, Attr: 0xc093}
	c.s.RFLAGS = (flags &^ c.s.MSR.SFMASK &^ arch.RF) | arch.FlagsFixed
	if c.s.CPL == 0 && (flags^c.s.RFLAGS)&arch.AC != 0 {
		c.dropFastPaths() // same level, but SMAP's view of AC changed
	}
	c.setCPL(0)
	c.next = c.s.MSR.LSTAR
}

// sysret returns to CPL 3: to 64-bit code with REX.W, to compatibility mode
// without (not modelled). A non-canonical RCX is #GP(0) in ring 0, before
// anything changes (Intel's behaviour; AMD faults in ring 3).
func sysret(c *CPU, in *decoder.Inst) {
	if c.s.EFER&arch.EFERSCE == 0 {
		c.raise(arch.VecUD)
	}
	c.privileged()
	if c.platform == nil || in.OpSize != 8 {
		panic(unimplemented{in.Form.Key(), "SYSRET to compatibility mode"})
	}
	rip := c.s.GPR[arch.RCX]
	if !canonical(rip) {
		c.raiseCode(arch.VecGP, 0)
	}
	sel := uint16(c.s.MSR.STAR >> 48)
	c.flush()
	c.s.RFLAGS = c.s.GPR[arch.R11]&0x3c7fd7 | arch.FlagsFixed
	c.keepRF = true
	c.s.Seg[arch.CS] = arch.Segment{Selector: (sel + 16) | 3, Limit: 0xffffffff, Attr: 0x0afb}
	c.s.Seg[arch.SS] = arch.Segment{Selector: (sel + 8) | 3, Limit: 0xffffffff, Attr: 0x0cf3}
	c.setCPL(3)
	c.next = rip
	c.yield() // IF may have come on
}

func swapgs(c *CPU, in *decoder.Inst) {
	c.privileged()
	c.s.Seg[arch.GS].Base, c.s.KernelGSBase = c.s.KernelGSBase, c.s.Seg[arch.GS].Base
}

// lgdt and lidt read a 2-byte limit and an 8-byte base; the base must be
// canonical.
func lgdt(c *CPU, in *decoder.Inst) {
	c.privileged()
	a := c.ea(in)
	limit := uint16(c.read(a, 2, in.Mem.Seg))
	base := c.read(a+2, 8, in.Mem.Seg)
	if !canonical(base) {
		c.raiseCode(arch.VecGP, 0)
	}
	t := &c.s.GDTR
	if in.Form.Mnemonic == "lidt" {
		t = &c.s.IDTR
	}
	*t = arch.DescriptorTable{Base: base, Limit: limit}
}

// sgdt and sidt work at any CPL (no UMIP). The flat model's tables are
// not those of any real setup, so there they are reported unimplemented.
func sgdt(c *CPU, in *decoder.Inst) {
	if c.platform == nil {
		notImplemented(c, in)
	}
	t := c.s.GDTR
	if in.Form.Mnemonic == "sidt" {
		t = c.s.IDTR
	}
	a := c.ea(in)
	var b [10]byte
	b[0], b[1] = byte(t.Limit), byte(t.Limit>>8)
	for i := 0; i < 8; i++ {
		b[2+i] = byte(t.Base >> (8 * i))
	}
	c.writeBytes(a, b[:], in.Mem.Seg)
}

// systemDescriptor reads a 16-byte GDT descriptor for LTR or LLDT and
// checks its type; the selector must name the GDT.
func (c *CPU) systemDescriptor(sel uint16, typ uint16) descriptor {
	if sel&4 != 0 {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	d := c.fetchDescriptor(sel, arch.VecGP)
	if d.seg.Attr&attrS != 0 || d.seg.Attr&0xf != typ {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	if d.seg.Attr&attrP == 0 {
		c.raiseCode(arch.VecNP, uint32(sel&^3))
	}
	upper := c.fetchDescriptor(sel+8, arch.VecGP)
	if upper.raw>>40&0x1f != 0 {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	d.seg.Base |= upper.raw << 32
	if !canonical(d.seg.Base) {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	return d
}

// ltr loads an available 64-bit TSS and marks it busy.
func ltr(c *CPU, in *decoder.Inst) {
	c.privileged()
	sel := uint16(c.arg(in, 0))
	if sel&^3 == 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	d := c.systemDescriptor(sel, 0x9)
	c.sysWrite(d.addr+5, 1, d.raw>>40&0xff|2)
	d.seg.Attr |= 2
	c.s.TR = d.seg
}

func lldt(c *CPU, in *decoder.Inst) {
	c.privileged()
	sel := uint16(c.arg(in, 0))
	if sel&^3 == 0 {
		c.s.LDTR = arch.Segment{Selector: sel}
		return
	}
	c.s.LDTR = c.systemDescriptor(sel, 0x2).seg
}

// str and sldt store the selector: 16 bits to memory, zero-extended into a
// register.
func storeSelector(c *CPU, in *decoder.Inst) {
	if c.platform == nil {
		notImplemented(c, in)
	}
	v := c.s.TR.Selector
	if in.Form.Mnemonic == "sldt" {
		v = c.s.LDTR.Selector
	}
	if in.Args[0].Kind == decoder.ArgMem {
		c.write(c.ea(in), 2, uint64(v), in.Mem.Seg)
		return
	}
	c.setReg(in.Args[0].Reg, in.Args[0].Size, uint64(v))
}

// smsw stores CR0's low bits at any CPL; lmsw writes PE, MP, EM, TS and
// cannot clear PE. The flat model's CR0 is not that of any real setup (an
// oracle has its own), so there SMSW is reported unimplemented.
func smsw(c *CPU, in *decoder.Inst) {
	if c.platform == nil {
		notImplemented(c, in)
	}
	if in.Args[0].Kind == decoder.ArgMem {
		c.write(c.ea(in), 2, c.s.CR0&0xffff, in.Mem.Seg)
		return
	}
	c.setReg(in.Args[0].Reg, in.Args[0].Size, c.s.CR0)
}

func lmsw(c *CPU, in *decoder.Inst) {
	c.privileged()
	v := c.arg(in, 0) & 0xf
	c.setCR0(c.s.CR0&^0xe | v | c.s.CR0&arch.CR0PE)
}

func invlpg(c *CPU, in *decoder.Inst) {
	c.privileged()
	c.invlpg(c.ea(in))
}

// cli and sti need CPL <= IOPL. STI holds interrupts off for one more
// instruction when it sets IF.
func cli(c *CPU, in *decoder.Inst) {
	c.iopl()
	c.s.RFLAGS &^= arch.IF
}

func sti(c *CPU, in *decoder.Inst) {
	c.iopl()
	if c.s.RFLAGS&arch.IF == 0 {
		c.inhibit = c.Retired + 2
		c.s.RFLAGS |= arch.IF
		c.yield()
	}
}

func (c *CPU) iopl() {
	if uint64(c.s.CPL) > c.s.RFLAGS&arch.IOPL>>12 {
		c.raiseCode(arch.VecGP, 0)
	}
}

// stac and clac set and clear RFLAGS.AC. Above CPL 0 they are #UD, not
// #GP (SDM STAC/CLAC), as they are without CPUID.SMAP (which is reported).
func smapFlag(c *CPU, in *decoder.Inst) {
	if c.s.CPL != 0 {
		c.raise(arch.VecUD)
	}
	if in.Form.Mnemonic == "stac" {
		c.s.RFLAGS |= arch.AC
	} else {
		c.s.RFLAGS &^= arch.AC
	}
	c.dropFastPaths()
}

// clts clears CR0.TS; the cache instructions have nothing to do in a
// machine without caches.
func privilegedNop(c *CPU, in *decoder.Inst) {
	c.privileged()
	if in.Form.Mnemonic == "clts" {
		c.s.CR0 &^= arch.CR0TS
	}
}

func rdpid(c *CPU, in *decoder.Inst) {
	c.s.GPR[in.Args[0].Reg] = c.s.MSR.TSCAux
}

// rdpmc needs CPL 0 or CR4.PCE, and then a counter ECX names; the model has
// no performance counters (CPUID leaf 0xA is not reported), so every index
// is invalid: #GP(0) either way.
func rdpmc(c *CPU, in *decoder.Inst) {
	c.raiseCode(arch.VecGP, 0)
}

// int1 (ICEBP) is a #DB trap without the gate DPL check.
func int1(c *CPU, in *decoder.Inst) {
	if c.platform == nil {
		c.trap(arch.VecDB)
	}
	c.softInt(arch.VecDB, eventTrap)
}

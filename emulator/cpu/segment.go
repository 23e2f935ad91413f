package cpu

import (
	"encoding/binary"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Long-mode segmentation: descriptor tables, the checks on segment-register
// loads, and far transfers between code segments (SDM Vol. 3A 3.4, 5.5-5.8).

// Descriptor attribute bits, in arch.Segment.Attr's layout.
const (
	attrAccessed = 1 << 0
	attrWrite    = 1 << 1 // data: writable; code: readable
	attrConform  = 1 << 2 // code: conforming
	attrCode     = 1 << 3
	attrS        = 1 << 4 // code or data (not system)
	attrP        = 1 << 7
	attrL        = 1 << 9
	attrDB       = 1 << 10
	attrG        = 1 << 11
)

func attrDPL(attr uint16) uint8 { return uint8(attr >> 5 & 3) }

// descriptor is an 8-byte segment descriptor, decoded.
type descriptor struct {
	raw  uint64
	addr uint64 // its linear address, for setting the accessed bit
	seg  arch.Segment
}

// sysRead and sysWrite are the CPU's own supervisor accesses to descriptor
// tables, the TSS and the IDT: they bypass the CPL-keyed fast caches.
func (c *CPU) sysRead(la uint64, size int) uint64 {
	var b [8]byte
	c.sysAccess(la, b[:size], false)
	return binary.LittleEndian.Uint64(b[:])
}

func (c *CPU) sysWrite(la uint64, size int, v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	c.sysAccess(la, b[:size], true)
}

func (c *CPU) sysAccess(la uint64, b []byte, write bool) {
	acc := accRead | accImplicit
	if write {
		acc = accWrite | accImplicit
	}
	if !write && c.ReadLog != nil {
		defer c.logRead(la, b)
	}
	start, whole := la, b
	var old []byte // what a logged write replaced, page by page
	for len(b) > 0 {
		pa, p := c.resolve(la, arch.DS, acc)
		n := int(min(uint64(len(b)), 4096-la&0xfff))
		switch {
		case p == nil && write:
			for i := range n {
				c.platform.WriteMMIO(pa+uint64(i), 1, uint64(b[i]))
			}
			if c.WriteLog != nil {
				old = append(old, make([]byte, n)...) // a device register has no old bytes
			}
		case p == nil:
			for i := range n {
				b[i] = byte(c.platform.ReadMMIO(pa+uint64(i), 1))
			}
		case write:
			c.code.invalidate(pa >> 12)
			if c.WriteLog != nil {
				old = append(old, p[la&0xfff:][:n]...)
			}
			copy(p[la&0xfff:], b[:n])
		default:
			copy(b[:n], p[la&0xfff:])
		}
		b, la = b[n:], la+uint64(n)
	}
	if write && c.WriteLog != nil {
		c.logWrite(start, old, nil, whole)
	}
}

// fetchDescriptor reads the descriptor sel names from the GDT or LDT,
// raising exception vec with the selector as error code if it lies beyond
// the table's limit.
func (c *CPU) fetchDescriptor(sel uint16, vec uint8) descriptor {
	base, limit := c.s.GDTR.Base, uint32(c.s.GDTR.Limit)
	if sel&4 != 0 {
		if c.s.LDTR.Attr&attrP == 0 {
			c.raiseCode(vec, uint32(sel&^3))
		}
		base, limit = c.s.LDTR.Base, c.s.LDTR.Limit
	}
	off := uint64(sel &^ 7)
	if off+7 > uint64(limit) {
		c.raiseCode(vec, uint32(sel&^3))
	}
	d := descriptor{addr: base + off}
	d.raw = c.sysRead(d.addr, 8)
	d.seg = decodeDescriptor(sel, d.raw)
	return d
}

func decodeDescriptor(sel uint16, raw uint64) arch.Segment {
	limit := uint32(raw&0xffff | raw>>48&0xf<<16)
	attr := uint16(raw>>40&0xff | raw>>52&0xf<<8)
	if attr&attrG != 0 {
		limit = limit<<12 | 0xfff
	}
	return arch.Segment{
		Selector: sel,
		Base:     raw>>16&0xffffff | raw>>56<<24,
		Limit:    limit,
		Attr:     attr,
	}
}

// markAccessed sets the descriptor's accessed bit, as a load does.
func (c *CPU) markAccessed(d *descriptor) {
	if d.raw&(attrAccessed<<40) == 0 {
		c.sysWrite(d.addr+5, 1, d.raw>>40&0xff|attrAccessed)
		d.seg.Attr |= attrAccessed
	}
}

// loadSegment is a segment load an instruction asks for. The flat model
// has no descriptor tables, so there only null selectors load (base 0, as
// Intel CPUs clear FS/GS bases in 64-bit mode); anything else is reported
// unimplemented rather than guessed.
func (c *CPU) loadSegment(in *decoder.Inst, r uint8, sel uint16) {
	if c.platform == nil && sel&^3 != 0 {
		notImplemented(c, in)
	}
	c.loadSeg(r, sel)
}

// loadSeg loads data segment register r (DS, ES, FS, GS or SS) with
// selector sel, with the checks MOV, POP and LSS make.
func (c *CPU) loadSeg(r uint8, sel uint16) {
	rpl := uint8(sel & 3)
	if sel&^3 == 0 {
		// A null selector: allowed for SS only below CPL 3 with RPL = CPL.
		if r == arch.SS && (c.s.CPL == 3 || rpl != c.s.CPL) {
			c.raiseCode(arch.VecGP, 0)
		}
		seg := arch.Segment{Selector: sel}
		if r == arch.SS {
			seg.Attr = uint16(c.s.CPL) << 5
		}
		c.s.Seg[r] = seg
		return
	}
	d := c.fetchDescriptor(sel, arch.VecGP)
	a := d.seg.Attr
	dpl := attrDPL(a)
	gp := func() { c.raiseCode(arch.VecGP, uint32(sel&^3)) }
	if a&attrS == 0 {
		gp()
	}
	if r == arch.SS {
		if rpl != c.s.CPL || a&attrCode != 0 || a&attrWrite == 0 || dpl != c.s.CPL {
			gp()
		}
		if a&attrP == 0 {
			c.raiseCode(arch.VecSS, uint32(sel&^3))
		}
	} else {
		if a&attrCode != 0 && a&attrWrite == 0 {
			gp() // execute-only code
		}
		if (a&attrCode == 0 || a&attrConform == 0) && (rpl > dpl || c.s.CPL > dpl) {
			gp()
		}
		if a&attrP == 0 {
			c.raiseCode(arch.VecNP, uint32(sel&^3))
		}
	}
	c.markAccessed(&d)
	c.s.Seg[r] = d.seg
}

// codeTarget checks a far transfer's new CS (RETF and IRET returning to
// privilege rpl >= CPL; JMP and CALL at the same privilege) and returns its
// descriptor. Call gates and compatibility mode are not modelled.
func (c *CPU) codeTarget(sel uint16, in *decoder.Inst) descriptor {
	if sel&^3 == 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	d := c.fetchDescriptor(sel, arch.VecGP)
	a := d.seg.Attr
	if a&attrS == 0 {
		if a&0xf == 0xc {
			panic(unimplemented{in.Form.Key(), "far transfer through a call gate"})
		}
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	if a&attrCode == 0 {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	if a&attrP == 0 {
		c.raiseCode(arch.VecNP, uint32(sel&^3))
	}
	if a&attrL == 0 || a&attrDB != 0 {
		panic(unimplemented{in.Form.Key(), "transfer to a compatibility-mode code segment"})
	}
	return d
}

// setCS loads CS for privilege cpl and switches to it.
func (c *CPU) setCS(d descriptor, cpl uint8) {
	c.markAccessed(&d)
	d.seg.Selector = d.seg.Selector&^3 | uint16(cpl)
	c.s.Seg[arch.CS] = d.seg
	c.setCPL(cpl)
}

// setCPL changes the privilege level; the fast access caches hold rights
// for one privilege level, so they go.
func (c *CPU) setCPL(cpl uint8) {
	if c.s.CPL != cpl {
		c.s.CPL = cpl
		c.dropFastPaths()
	}
}

// nullOuterSegments: after a return to an outer privilege level, a data
// segment register the new level may not use is loaded with null (SDM IRET
// and RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
func (c *CPU) nullOuterSegments() {
	for _, r := range []uint8{arch.ES, arch.DS, arch.FS, arch.GS} {
		s := &c.s.Seg[r]
		if s.Selector&^3 == 0 {
			continue
		}
		if attrDPL(s.Attr) < c.s.CPL && (s.Attr&attrCode == 0 || s.Attr&attrConform == 0) {
			*s = arch.Segment{}
		}
	}
}

func init() {
	on(retf, "retf")
	onForm(jmpFar, "jmpf", "Mp")
	onForm(callFar, "callf", "Mp")
	onForm(loadFarPointer, "lss", "Gv,Mp")
	onForm(loadFarPointer, "lfs", "Gv,Mp")
	onForm(loadFarPointer, "lgs", "Gv,Mp")
}

// flatFar: a far transfer needs the GDT, which the flat model does not
// have, so there it is reported unimplemented rather than guessed.
func (c *CPU) flatFar(in *decoder.Inst) {
	if c.platform == nil {
		notImplemented(c, in)
	}
}

// farPointer reads an m16:16/32/64 operand: the offset, then the selector.
func (c *CPU) farPointer(in *decoder.Inst) (uint64, uint16) {
	c.flatFar(in)
	a := c.ea(in)
	off := c.read(a, int(in.OpSize), in.Mem.Seg)
	sel := uint16(c.read(a+uint64(in.OpSize), 2, in.Mem.Seg))
	return off, sel
}

// jmpFar and callFar reach a code segment at the same privilege
// (conforming: DPL <= CPL; otherwise RPL <= CPL and DPL = CPL).
func (c *CPU) sameLevelTarget(sel uint16, in *decoder.Inst) descriptor {
	d := c.codeTarget(sel, in)
	dpl := attrDPL(d.seg.Attr)
	if d.seg.Attr&attrConform != 0 && dpl > c.s.CPL ||
		d.seg.Attr&attrConform == 0 && (uint8(sel&3) > c.s.CPL || dpl != c.s.CPL) {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	return d
}

func jmpFar(c *CPU, in *decoder.Inst) {
	off, sel := c.farPointer(in)
	d := c.sameLevelTarget(sel, in)
	if !canonical(off) {
		c.raiseCode(arch.VecGP, 0)
	}
	c.setCS(d, c.s.CPL)
	c.next = off
}

func callFar(c *CPU, in *decoder.Inst) {
	off, sel := c.farPointer(in)
	d := c.sameLevelTarget(sel, in)
	if !canonical(off) {
		c.raiseCode(arch.VecGP, 0)
	}
	sp := c.s.GPR[arch.RSP]
	n := uint64(in.OpSize)
	c.write(sp-n, int(n), uint64(c.s.Seg[arch.CS].Selector), arch.SS)
	c.write(sp-2*n, int(n), c.next, arch.SS)
	c.s.GPR[arch.RSP] = sp - 2*n
	c.setCS(d, c.s.CPL)
	c.next = off
}

// retf pops RIP and CS (and, returning to an outer level, RSP and SS),
// then releases imm16 bytes of parameters from each stack.
func retf(c *CPU, in *decoder.Inst) {
	c.flatFar(in)
	n := uint64(in.OpSize)
	sp := c.s.GPR[arch.RSP]
	rip := c.read(sp, int(n), arch.SS)
	sel := uint16(c.read(sp+n, int(n), arch.SS))
	release := uint64(0)
	if in.Args[0].Kind == decoder.ArgImm {
		release = uint64(in.Imm) & 0xffff
	}
	d, rpl := c.returnTarget(sel, rip, in)
	if rpl == c.s.CPL {
		c.setCS(d, rpl)
		c.s.GPR[arch.RSP] = sp + 2*n + release
		c.next = rip
		return
	}
	newSP := c.read(sp+2*n+release, int(n), arch.SS)
	ssSel := uint16(c.read(sp+3*n+release, int(n), arch.SS))
	c.returnOuter(d, rpl, rip, newSP+release, ssSel)
}

// returnTarget checks the CS a far return (RETF, IRET) pops: RPL no more
// privileged than CPL, a code segment whose DPL equals RPL (a conforming
// one's may be lower), and a canonical RIP. It returns the descriptor and
// the privilege level returned to.
func (c *CPU) returnTarget(sel uint16, rip uint64, in *decoder.Inst) (descriptor, uint8) {
	rpl := uint8(sel & 3)
	if rpl < c.s.CPL {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	d := c.codeTarget(sel, in)
	dpl := attrDPL(d.seg.Attr)
	if d.seg.Attr&attrConform != 0 && dpl > rpl || d.seg.Attr&attrConform == 0 && dpl != rpl {
		c.raiseCode(arch.VecGP, uint32(sel&^3))
	}
	if !canonical(rip) {
		c.raiseCode(arch.VecGP, 0)
	}
	return d, rpl
}

// returnOuter finishes RETF or IRET to a less privileged level: it checks
// and loads SS for the new level, then CS, RSP and RIP.
func (c *CPU) returnOuter(cs descriptor, cpl uint8, rip, rsp uint64, ssSel uint16) {
	var ss arch.Segment
	if ssSel&^3 == 0 {
		if cpl == 3 || uint8(ssSel&3) != cpl {
			c.raiseCode(arch.VecGP, 0)
		}
		ss = arch.Segment{Selector: ssSel, Attr: uint16(cpl) << 5}
	} else {
		d := c.fetchDescriptor(ssSel, arch.VecGP)
		a := d.seg.Attr
		if uint8(ssSel&3) != cpl || a&attrS == 0 || a&attrCode != 0 || a&attrWrite == 0 || attrDPL(a) != cpl {
			c.raiseCode(arch.VecGP, uint32(ssSel&^3))
		}
		if a&attrP == 0 {
			c.raiseCode(arch.VecSS, uint32(ssSel&^3))
		}
		c.markAccessed(&d)
		ss = d.seg
	}
	c.setCS(cs, cpl)
	c.s.Seg[arch.SS] = ss
	c.s.GPR[arch.RSP] = rsp
	c.next = rip
	c.nullOuterSegments()
}

// lss, lfs, lgs load a far pointer into a segment register and a GPR.
func loadFarPointer(c *CPU, in *decoder.Inst) {
	off, sel := c.farPointer(in)
	r := uint8(arch.GS)
	switch in.Form.Mnemonic {
	case "lss":
		r = arch.SS
	case "lfs":
		r = arch.FS
	}
	c.loadSegment(in, r, sel)
	c.setReg(in.Args[0].Reg, in.Args[0].Size, off)
}

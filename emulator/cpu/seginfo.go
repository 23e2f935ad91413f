package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// LAR, LSL, VERR and VERW ask about a selector's descriptor without loading
// it: ZF = 1 and the answer where the descriptor is visible at the current
// privilege level and of a type the instruction accepts, ZF = 0 otherwise;
// no other flag changes and nothing faults for a bad selector (SDM Vol. 2
// LAR, LSL, VERR/VERW, IA-32e mode).

func init() {
	on(lar, "lar")
	on(lsl, "lsl")
	on(verr, "verr")
	on(verw, "verw")
}

// visibleDescriptor reads sel's descriptor for LAR, LSL, VERR and VERW: ok
// is false for a null selector, one past its table's limit, or one whose
// DPL is below CPL or RPL (conforming code excepted). In 64-bit mode the
// system descriptors are 16 bytes, and the upper half's type must be 0.
func (c *CPU) visibleDescriptor(in *decoder.Inst, sel uint16) (d descriptor, ok bool) {
	if sel&^3 == 0 {
		return d, false
	}
	if c.platform == nil {
		notImplemented(c, in) // the flat model has no descriptor tables
	}
	base, limit := c.s.GDTR.Base, uint32(c.s.GDTR.Limit)
	if sel&4 != 0 {
		if c.s.LDTR.Attr&attrP == 0 {
			return d, false
		}
		base, limit = c.s.LDTR.Base, c.s.LDTR.Limit
	}
	off := uint64(sel &^ 7)
	if off+7 > uint64(limit) {
		return d, false
	}
	d = descriptor{addr: base + off, raw: c.sysRead(base+off, 8)}
	d.seg = decodeDescriptor(sel, d.raw)
	a := d.seg.Attr
	if a&attrS == 0 {
		if off+15 > uint64(limit) || c.sysRead(base+off+12, 4)>>8&0x1f != 0 {
			return d, false
		}
	}
	if dpl := attrDPL(a); (a&attrS == 0 || a&attrCode == 0 || a&attrConform == 0) &&
		(dpl < c.s.CPL || dpl < uint8(sel&3)) {
		return d, false
	}
	return d, true
}

// setZF sets ZF alone.
func (c *CPU) setZF(ok bool) {
	c.setStatus(arch.ZF, b2u(ok)*arch.ZF)
}

// System descriptor types LAR and LSL accept in 64-bit mode: the LDT and
// the 64-bit TSS, available and busy, and (LAR only) the 64-bit call gate.
const (
	sysLDT      = 0x2
	sysTSS64    = 0x9
	sysTSS64Bsy = 0xb
	sysCall64   = 0xc
)

func lar(c *CPU, in *decoder.Inst) {
	d, ok := c.visibleDescriptor(in, uint16(c.arg(in, 1)))
	if t := d.seg.Attr & 0xf; ok && d.seg.Attr&attrS == 0 {
		ok = t == sysLDT || t == sysTSS64 || t == sysTSS64Bsy || t == sysCall64
	}
	if ok {
		// The access rights: the descriptor's second dword with the base
		// and limit bits cleared (bits 8-23 for a 16-bit destination).
		c.setReg(in.Args[0].Reg, in.OpSize, d.raw>>32&0x00f0ff00)
	}
	c.setZF(ok)
}

func lsl(c *CPU, in *decoder.Inst) {
	d, ok := c.visibleDescriptor(in, uint16(c.arg(in, 1)))
	if t := d.seg.Attr & 0xf; ok && d.seg.Attr&attrS == 0 {
		ok = t == sysLDT || t == sysTSS64 || t == sysTSS64Bsy
	}
	if ok {
		c.setReg(in.Args[0].Reg, in.OpSize, uint64(d.seg.Limit))
	}
	c.setZF(ok)
}

// verr: a code or data segment that can be read (every data segment; code
// with R).
func verr(c *CPU, in *decoder.Inst) {
	d, ok := c.visibleDescriptor(in, uint16(c.arg(in, 0)))
	a := d.seg.Attr
	c.setZF(ok && a&attrS != 0 && (a&attrCode == 0 || a&attrWrite != 0))
}

// verw: a writable data segment.
func verw(c *CPU, in *decoder.Inst) {
	d, ok := c.visibleDescriptor(in, uint16(c.arg(in, 0)))
	a := d.seg.Attr
	c.setZF(ok && a&attrS != 0 && a&attrCode == 0 && a&attrWrite != 0)
}

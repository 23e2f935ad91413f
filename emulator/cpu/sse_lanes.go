package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The XMM operand layer shared by the SSE integer and data-movement
// instructions, and the lane helpers they are built from.

// sse wraps a handler with the availability checks every SSE instruction
// makes before anything else: #UD if CR0.EM is set or CR4.OSFXSR is clear,
// then #NM if CR0.TS is set (SDM Vol. 3A 13.1 and Table 22-3).
func sse(h handler) handler {
	return func(c *CPU, in *decoder.Inst) {
		if c.s.CR0&arch.CR0EM != 0 || c.s.CR4&arch.CR4OSFXSR == 0 {
			c.raise(arch.VecUD)
		}
		if c.s.CR0&arch.CR0TS != 0 {
			c.raise(arch.VecNM)
		}
		h(c, in)
	}
}

// xmmAddr computes the memory operand's address, raising #GP(0) for a
// misaligned operand of a form that requires 16-byte alignment.
func (c *CPU) xmmAddr(in *decoder.Inst) uint64 {
	a := c.ea(in)
	if in.Form.Attr&decoder.AttrAlign16 != 0 && a&15 != 0 {
		// FXSAVE/FXRSTOR check a non-canonical address before alignment
		// (silicon, AMD: fxsave [rsp-0x70] is #SS), MOVAPS and the other
		// aligned moves alignment first (movaps [rsp+0x40] is #GP).
		if fx := in.Form.Mnemonic == "fxsave" || in.Form.Mnemonic == "fxrstor"; fx {
			if !canonical(a) && in.Mem.Seg == arch.SS {
				c.raiseCode(arch.VecSS, 0)
			}
			c.acWidth(a, c.prof.ACFxsave, in.Mem.Seg)
		}
		c.raiseCode(arch.VecGP, 0)
	}
	return a
}

// readXmmArg reads operand i as a 128-bit value: an XMM register whole, an
// MMX register, a memory operand of Size bytes or a general register, each
// zero-extended. Every vector handler reads its operands through it, so one
// handler serves a form's XMM and MMX variants.
func (c *CPU) readXmmArg(in *decoder.Inst, i int) arch.Vec128 {
	a := &in.Args[i]
	switch a.Kind {
	case decoder.ArgXmm:
		return c.s.XMM[a.Reg]
	case decoder.ArgMmx:
		return arch.Vec128{c.mm(a.Reg), 0}
	case decoder.ArgMem:
		addr := c.xmmAddr(in)
		if a.Size == 16 {
			c.acWidth(addr, c.prof.ACVector, in.Mem.Seg)
			return c.read128(addr, in.Mem.Seg)
		}
		return arch.Vec128{c.read(addr, int(a.Size), in.Mem.Seg), 0}
	case decoder.ArgReg:
		return arch.Vec128{c.reg(a.Reg, a.Size), 0}
	}
	panic(unimplemented{in.Form.Key(), "xmm operand kind"})
}

// writeXmmArg writes operand i: an XMM register whole, the low quadword to
// an MMX register, the low Size bytes to memory, or a general register of
// its size.
func (c *CPU) writeXmmArg(in *decoder.Inst, i int, v arch.Vec128) {
	a := &in.Args[i]
	switch a.Kind {
	case decoder.ArgXmm:
		c.s.XMM[a.Reg] = v
	case decoder.ArgMmx:
		c.setMM(a.Reg, v[0])
	case decoder.ArgMem:
		addr := c.xmmAddr(in)
		if a.Size == 16 {
			c.acWidth(addr, c.prof.ACVector, in.Mem.Seg)
			c.write128(addr, v, in.Mem.Seg)
		} else {
			c.write(addr, int(a.Size), v[0], in.Mem.Seg)
		}
	case decoder.ArgReg:
		c.setReg(a.Reg, a.Size, v[0])
	default:
		panic(unimplemented{in.Form.Key(), "xmm operand kind"})
	}
}

// vecBytes is the width of vector register operand a: 8 bytes for an MMX
// register, 16 for an XMM register.
func vecBytes(a decoder.Arg) int {
	if a.Kind == decoder.ArgMmx {
		return 8
	}
	return 16
}

// lane returns lane i of width w bytes (1, 2, 4 or 8), zero-extended.
func lane(v arch.Vec128, w, i int) uint64 {
	bit := i * w * 8
	x := v[bit>>6] >> (bit & 63)
	if w == 8 {
		return x
	}
	return x & (1<<(w*8) - 1)
}

// setLane stores x into lane i of width w.
func setLane(v *arch.Vec128, w, i int, x uint64) {
	bit := i * w * 8
	if w == 8 {
		v[bit>>6] = x
		return
	}
	m := uint64(1)<<(w*8) - 1
	sh := bit & 63
	v[bit>>6] = v[bit>>6]&^(m<<sh) | (x&m)<<sh
}

// sxw sign-extends a lane of width w bytes.
func sxw(x uint64, w int) int64 { return int64(sx(x, uint8(w))) }

// mapLanes applies f to each pair of w-byte lanes.
func mapLanes(a, b arch.Vec128, w int, f func(x, y uint64) uint64) arch.Vec128 {
	var r arch.Vec128
	for i := range 16 / w {
		setLane(&r, w, i, f(lane(a, w, i), lane(b, w, i)))
	}
	return r
}

// satS and satU saturate v to a signed or unsigned w-byte lane.
func satS(v int64, w int) uint64 {
	hi := int64(1)<<(w*8-1) - 1
	lo := -hi - 1
	return uint64(min(max(v, lo), hi))
}

func satU(v int64, w int) uint64 {
	hi := int64(1)<<(w*8) - 1
	return uint64(min(max(v, 0), hi))
}

func laneMask(w int) uint64 {
	if w == 8 {
		return ^uint64(0)
	}
	return 1<<(w*8) - 1
}

package cpu

import (
	"math/bits"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT, BSWAP,
// MOVBE and CRC32.

func init() {
	on(bitTest(func(v, m uint64) uint64 { return v }), "bt")
	on(bitTest(func(v, m uint64) uint64 { return v | m }), "bts")
	on(bitTest(func(v, m uint64) uint64 { return v &^ m }), "btr")
	on(bitTest(func(v, m uint64) uint64 { return v ^ m }), "btc")
	on(bsf, "bsf")
	on(bsr, "bsr")
	on(tzcnt, "tzcnt")
	on(lzcnt, "lzcnt")
	on(popcnt, "popcnt")
	on(bswap, "bswap")
	on(movbe, "movbe")
	on(crc32c, "crc32")
}

// bitTest makes BT (op leaves the value), BTS, BTR or BTC. CF gets the
// selected bit; ZF is unchanged; OF, SF, AF and PF are undefined and left
// unchanged. A register bit offset into a memory operand is a signed bit
// string offset: it selects the operand-sized unit at
// ea + (offset >> log2(bits)) * size, and the bit offset & (bits-1) in it.
// An immediate offset, or any offset into a register, is taken modulo the
// operand width.
func bitTest(op func(v, m uint64) uint64) handler {
	return func(c *CPU, in *decoder.Inst) {
		size := in.Args[0].Size
		w := uint64(size) * 8
		off := c.arg(in, 1)
		isBT := in.Form.Mnemonic == "bt"
		var d rmw
		var v uint64
		if in.Args[0].Kind == decoder.ArgMem && in.Args[1].Kind == decoder.ArgReg {
			so := int64(sx(off, size))
			a := c.ea(in) + uint64(so>>bits.TrailingZeros64(w))*uint64(size)
			if in.AddrSize == 4 && in.Mem.Seg < arch.FS {
				a &= 0xffffffff
			}
			d = rmw{mem: true, size: size, addr: a, seg: in.Mem.Seg}
			v = c.read(a, int(size), d.seg)
		} else if isBT {
			v = c.arg(in, 0)
		} else {
			d, v = c.rmwArg(in, 0)
		}
		m := uint64(1) << (off & (w - 1))
		if !isBT {
			c.store(d, op(v, m))
		}
		c.setStatus(arch.CF, b2u(v&m != 0)*arch.CF)
	}
}

// bsf and bsr set ZF for a zero source and leave the destination's value
// unchanged then (the SDM leaves it undefined; whether a 32-bit destination
// is still written, upper half zeroed, is the profile's bsf-zero rule). CF, OF, SF and AF are cleared
// and PF is set from the result (all undefined).
func bsf(c *CPU, in *decoder.Inst) {
	bitScan(c, in, func(v uint64) uint64 { return uint64(bits.TrailingZeros64(v)) })
}

func bsr(c *CPU, in *decoder.Inst) {
	bitScan(c, in, func(v uint64) uint64 { return uint64(63 - bits.LeadingZeros64(v)) })
}

func bitScan(c *CPU, in *decoder.Inst, scan func(uint64) uint64) {
	size := in.Args[0].Size
	v := c.arg(in, 1)
	if v == 0 {
		if !c.prof.ScanZeroKeepsUpper {
			c.setReg(in.Args[0].Reg, size, c.reg(in.Args[0].Reg, size))
		}
		c.setStatus(arch.ArithFlags, arch.ZF|arch.PF)
		return
	}
	r := scan(v)
	c.setReg(in.Args[0].Reg, size, r)
	c.setStatus(arch.ArithFlags, szp(r, size)&arch.PF)
}

// tzcnt and lzcnt: CF = source is zero, ZF = result is zero; OF, SF, AF and
// PF are undefined: SF, AF and PF cleared, OF cleared or kept (cntFlags).
func tzcnt(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	v := c.arg(in, 1)
	w := uint64(size) * 8
	r := w
	if v != 0 {
		r = uint64(bits.TrailingZeros64(v))
	}
	c.setReg(in.Args[0].Reg, size, r)
	c.cntFlags(v == 0, r == 0)
}

func (c *CPU) cntFlags(zeroSrc, zeroRes bool) {
	m := uint64(arch.ArithFlags)
	if c.prof.CountKeepsOF {
		m &^= arch.OF
	}
	c.setStatus(m, b2u(zeroSrc)*arch.CF|b2u(zeroRes)*arch.ZF)
}

func lzcnt(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	v := c.arg(in, 1)
	w := uint64(size) * 8
	r := uint64(bits.LeadingZeros64(v)) - (64 - w)
	c.setReg(in.Args[0].Reg, size, r)
	c.cntFlags(v == 0, r == 0)
}

// popcnt clears OF, SF, AF, CF and PF and sets ZF for a zero source.
func popcnt(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	v := c.arg(in, 1)
	c.setReg(in.Args[0].Reg, size, uint64(bits.OnesCount64(v)))
	c.setStatus(arch.ArithFlags, b2u(v == 0)*arch.ZF)
}

// bswap reverses the bytes of a 32- or 64-bit register. With an
// operand-size prefix (a 16-bit operand) the SDM leaves the result
// undefined; the emulator zeroes the low 16 bits and keeps the rest, as
// Intel hardware does.
func bswap(c *CPU, in *decoder.Inst) {
	r := in.Args[0].Reg
	switch {
	case in.OpSize == 2:
		c.setReg(r, 2, 0)
	case in.Args[0].Size == 8:
		c.setReg(r, 8, bits.ReverseBytes64(c.reg(r, 8)))
	default:
		c.setReg(r, 4, uint64(bits.ReverseBytes32(uint32(c.reg(r, 4)))))
	}
}

func swapBytes(v uint64, size uint8) uint64 {
	switch size {
	case 2:
		return uint64(bits.ReverseBytes16(uint16(v)))
	case 4:
		return uint64(bits.ReverseBytes32(uint32(v)))
	}
	return bits.ReverseBytes64(v)
}

// movbe loads or stores with the bytes reversed.
func movbe(c *CPU, in *decoder.Inst) {
	c.setArg(in, 0, swapBytes(c.arg(in, 1), in.Args[0].Size))
}

// crc32c accumulates CRC-32C (Castagnoli, reflected polynomial 0x82F63B78)
// over the source's bytes, low byte first, with no pre- or post-inversion;
// the 32-bit result zero-extends into a 64-bit destination. No flags change.
func crc32c(c *CPU, in *decoder.Inst) {
	crc := uint32(c.reg(in.Args[0].Reg, 4))
	v := c.arg(in, 1)
	for range in.Args[1].Size {
		crc ^= uint32(v & 0xff)
		v >>= 8
		for range 8 {
			crc = crc>>1 ^ 0x82f63b78&-(crc&1)
		}
	}
	c.setReg(in.Args[0].Reg, in.Args[0].Size, uint64(crc))
}

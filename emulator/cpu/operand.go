package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// reg reads general register r (decoder numbering: 16-19 are AH..BH) at size.
func (c *CPU) reg(r uint8, size uint8) uint64 {
	if r >= decoder.RegAH {
		return c.s.GPR[r-decoder.RegAH] >> 8 & 0xff
	}
	return c.s.GPR[r&15] & masks[size&15]
}

// setReg writes general register r at size: 8- and 16-bit writes keep the
// rest of the register, 32-bit writes zero the upper half. The 64- and
// 32-bit cases are kept small enough to inline at every call site.
func (c *CPU) setReg(r uint8, size uint8, v uint64) {
	if size >= 4 {
		c.s.GPR[r&15] = v & masks[size&15]
		return
	}
	c.setRegNarrow(r, size, v)
}

func (c *CPU) setRegNarrow(r uint8, size uint8, v uint64) {
	switch size {
	case 1:
		if r >= decoder.RegAH {
			p := &c.s.GPR[r-decoder.RegAH]
			*p = *p&^0xff00 | (v&0xff)<<8
			return
		}
		c.s.GPR[r] = c.s.GPR[r]&^0xff | v&0xff
	default:
		c.s.GPR[r] = c.s.GPR[r]&^0xffff | v&0xffff
	}
}

// ea computes the linear address of the memory operand.
func (c *CPU) ea(in *decoder.Inst) uint64 {
	a := in.Offset(&c.s.GPR, c.s.RIP)
	if in.Mem.Seg >= arch.FS {
		a += c.s.Seg[in.Mem.Seg&7].Base
	}
	return a
}

// arg reads operand i: a general register, memory (of the operand's size,
// at most 8 bytes) or an immediate. Registers take the inlined fast path.
func (c *CPU) arg(in *decoder.Inst, i int) uint64 {
	if a := &in.Args[i&3]; a.Kind == decoder.ArgReg && a.Reg < 16 {
		return c.s.GPR[a.Reg&15] & masks[a.Size&15]
	}
	return c.argSlow(in, i)
}

func (c *CPU) argSlow(in *decoder.Inst, i int) uint64 {
	a := &in.Args[i]
	switch a.Kind {
	case decoder.ArgReg:
		return c.reg(a.Reg, a.Size)
	case decoder.ArgMem:
		return c.read(c.ea(in), int(a.Size), in.Mem.Seg)
	case decoder.ArgImm:
		if i > 0 && in.Args[i-1].Kind == decoder.ArgImm {
			return uint64(in.Imm2)
		}
		return uint64(in.Imm)
	case decoder.ArgSeg:
		return uint64(c.s.Seg[a.Reg].Selector)
	}
	panic(unimplemented{in.Form.Key(), "operand kind"})
}

// setArg writes operand i (a general register or memory).
func (c *CPU) setArg(in *decoder.Inst, i int, v uint64) {
	a := &in.Args[i]
	if a.Kind == decoder.ArgReg {
		c.setReg(a.Reg, a.Size, v)
		return
	}
	c.write(c.ea(in), int(a.Size), v, in.Mem.Seg)
}

// rmw is a read-modify-write destination: the address is computed once.
type rmw struct {
	mem  bool
	reg  uint8
	size uint8
	addr uint64
	seg  uint8
}

func (c *CPU) rmwArg(in *decoder.Inst, i int) (rmw, uint64) {
	a := &in.Args[i]
	if a.Kind == decoder.ArgMem {
		return c.rmwMem(in, a.Size)
	}
	return rmw{reg: a.Reg, size: a.Size}, c.reg(a.Reg, a.Size)
}

func (c *CPU) rmwMem(in *decoder.Inst, size uint8) (rmw, uint64) {
	d := rmw{mem: true, size: size, addr: c.ea(in), seg: in.Mem.Seg}
	return d, c.read(d.addr, int(size), d.seg)
}

func (c *CPU) store(d rmw, v uint64) {
	if !d.mem {
		c.setReg(d.reg, d.size, v)
		return
	}
	c.write(d.addr, int(d.size), v, d.seg)
}

// Stack access: pushes write memory before moving RSP so a faulting push
// leaves RSP unchanged.
func (c *CPU) push(v uint64, size uint8) {
	sp := c.s.GPR[arch.RSP] - uint64(size)
	c.write(sp, int(size), v, arch.SS)
	c.s.GPR[arch.RSP] = sp
}

func (c *CPU) pop(size uint8) uint64 {
	v := c.read(c.s.GPR[arch.RSP], int(size), arch.SS)
	c.s.GPR[arch.RSP] += uint64(size)
	return v
}

// sx sign-extends a size-byte value.
func sx(v uint64, size uint8) uint64 {
	sh := 64 - uint(size)*8
	return uint64(int64(v<<sh) >> sh)
}

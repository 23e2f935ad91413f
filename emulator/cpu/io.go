package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Port I/O: IN, OUT, INS and OUTS, with the IOPL check and the TSS I/O
// permission bitmap (SDM Vol. 1 19.5).

func init() {
	on(in, "in")
	on(out, "out")
	on(ins, "insb", "ins")
	on(outs, "outsb", "outs")
}

// ioSize is the access width: AL forms are bytes, eAX forms 16 or 32 bits.
func ioSize(in *decoder.Inst) int {
	acc := in.Args[0] // in: the accumulator is the destination
	switch in.Form.Mnemonic {
	case "insb", "outsb":
		return 1
	case "out":
		acc = in.Args[1]
	}
	switch {
	case in.Form.Mnemonic != "ins" && in.Form.Mnemonic != "outs" && acc.Size == 1:
		return 1
	case in.OpSize == 2:
		return 2
	}
	return 4
}

// ioPort is DX, or the immediate.
func ioPort(in *decoder.Inst, c *CPU) uint16 {
	for _, a := range in.Args[:2] {
		if a.Kind == decoder.ArgImm {
			return uint16(uint8(in.Imm))
		}
	}
	return uint16(c.s.GPR[arch.RDX])
}

// ioAllowed raises #GP(0) unless CPL <= IOPL or the TSS bitmap clears
// every bit of the ports the access covers.
func (c *CPU) ioAllowed(port uint16, size int) {
	if uint64(c.s.CPL) <= c.s.RFLAGS&arch.IOPL>>12 {
		return
	}
	tr := c.s.TR
	if tr.Attr&attrP == 0 || tr.Attr&0xd != 0x9 || tr.Limit < 0x67 {
		c.raiseCode(arch.VecGP, 0)
	}
	base := c.sysRead(tr.Base+0x66, 2) & 0xffff
	off := base + uint64(port>>3)
	if off+1 > uint64(tr.Limit) {
		c.raiseCode(arch.VecGP, 0)
	}
	bits := c.sysRead(tr.Base+off, 2) >> (port & 7)
	if bits&(1<<size-1) != 0 {
		c.raiseCode(arch.VecGP, 0)
	}
}

func (c *CPU) portIn(port uint16, size int) uint64 {
	c.ioAllowed(port, size)
	return c.input(port, size)
}

// input performs an IN that ioAllowed has let through.
func (c *CPU) input(port uint16, size int) uint64 {
	if c.platform == nil {
		panic(unimplemented{"in", "port I/O outside a machine"})
	}
	v := uint64(c.platform.In(port, size)) & (1<<(8*size) - 1)
	if c.ReadLog != nil {
		c.ReadLog.add(uint64(port), []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}[:size], true)
	}
	if c.dbg.watchIO {
		c.dbg.ports = append(c.dbg.ports, ioAccess{port, size})
	}
	return v
}

func (c *CPU) portOut(port uint16, size int, v uint64) {
	c.ioAllowed(port, size)
	c.output(port, size, v)
}

// output performs an OUT that ioAllowed has let through.
func (c *CPU) output(port uint16, size int, v uint64) {
	if c.platform == nil {
		panic(unimplemented{"out", "port I/O outside a machine"})
	}
	c.platform.Out(port, size, uint32(v))
	if c.dbg.watchIO {
		c.dbg.ports = append(c.dbg.ports, ioAccess{port, size})
	}
	c.yield() // the device may now want to interrupt
}

func in(c *CPU, inst *decoder.Inst) {
	size := ioSize(inst)
	c.setReg(arch.RAX, uint8(size), c.portIn(ioPort(inst, c), size))
}

func out(c *CPU, inst *decoder.Inst) {
	size := ioSize(inst)
	c.portOut(ioPort(inst, c), size, c.s.GPR[arch.RAX])
}

// ins and outs make the I/O permission check (CPL <= IOPL, else the TSS
// bitmap) once, before the first iteration: a denied port is #GP(0) before
// any memory access, and with REP even when rCX is 0 (silicon does, and so
// do QEMU and Bochs). ins reads the port before storing to ES:rDI, so a
// faulting store has still consumed the input, as on hardware.
func ins(c *CPU, inst *decoder.Inst) {
	size := ioSize(inst)
	port := uint16(c.s.GPR[arch.RDX])
	c.ioAllowed(port, size)
	c.strLoop(inst, func() bool {
		v := c.input(port, size)
		c.write(c.strReg(inst, arch.RDI), size, v, arch.ES)
		c.strStep(inst, arch.RDI, uint8(size))
		return true
	})
}

func outs(c *CPU, inst *decoder.Inst) {
	size := ioSize(inst)
	port := uint16(c.s.GPR[arch.RDX])
	c.ioAllowed(port, size)
	c.strLoop(inst, func() bool {
		src, seg := c.strSrc(inst)
		c.output(port, size, c.read(src, size, seg))
		c.strStep(inst, arch.RSI, uint8(size))
		return true
	})
}

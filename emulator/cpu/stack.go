package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// push and pop of general registers, memory and immediates.

func init() {
	onForm(pushOp, "push", "Zv")
	onForm(pushOp, "push", "Ev")
	onForm(pushOp, "push", "I")
	onForm(popOp, "pop", "Zv")
	onForm(popOp, "pop", "Ev")
}

func pushOp(c *CPU, in *decoder.Inst) {
	v := c.arg(in, 0)
	if in.Args[0].Kind == decoder.ArgImm {
		v = sx(v, min(in.OpSize, 4))
	}
	c.push(v, in.OpSize)
}

// pop r/m: the value is read, then RSP moves, then the destination is
// written (an address using RSP sees the incremented RSP). A faulting write
// leaves RSP as it was.
func popOp(c *CPU, in *decoder.Inst) {
	size := in.OpSize
	sp := c.s.GPR[arch.RSP]
	v := c.read(sp, int(size), arch.SS)
	if in.Args[0].Kind == decoder.ArgReg {
		c.s.GPR[arch.RSP] = sp + uint64(size)
		c.setReg(in.Args[0].Reg, size, v)
		return
	}
	c.s.GPR[arch.RSP] = sp + uint64(size)
	addr := c.ea(in)
	c.s.GPR[arch.RSP] = sp
	c.write(addr, int(size), v, in.Mem.Seg)
	c.s.GPR[arch.RSP] = sp + uint64(size)
}

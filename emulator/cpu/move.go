package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Data movement: mov, movzx, movsx, movsxd, lea, xchg, cmovcc, setcc.

func init() {
	on(mov, "mov")
	onForm(movFromSeg, "mov", "Ev,Sw")
	onForm(movToSeg, "mov", "Sw,Ew")
	on(movzx, "movzx")
	on(movsx, "movsx", "movsxd")
	on(lea, "lea")
	on(xchg, "xchg")
	for _, cc := range []string{"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"} {
		on(cmov, "cmov"+cc)
		on(setcc, "set"+cc)
	}
}

func mov(c *CPU, in *decoder.Inst) {
	c.setArg(in, 0, c.arg(in, 1))
}

// mov r/m, Sreg stores 16 bits to memory and zero-extends into a register.
func movFromSeg(c *CPU, in *decoder.Inst) {
	v := uint64(c.s.Seg[in.Args[1].Reg].Selector)
	if in.Args[0].Kind == decoder.ArgMem {
		c.write(c.ea(in), 2, v, in.Mem.Seg)
		return
	}
	if in.Args[1].Reg > arch.GS {
		c.raise(arch.VecUD)
	}
	c.setReg(in.Args[0].Reg, in.Args[0].Size, v)
}

// mov Sreg loads through the descriptor checks; MOV SS holds interrupts
// off for one instruction so a following stack-pointer load is atomic.
func movToSeg(c *CPU, in *decoder.Inst) {
	r := in.Args[0].Reg
	if r == arch.CS || r > arch.GS {
		c.raise(arch.VecUD)
	}
	c.loadSegment(in, r, uint16(c.arg(in, 1)))
	if r == arch.SS {
		c.inhibit = c.Retired + 2
		c.dbg.shadow = true
	}
}

func movzx(c *CPU, in *decoder.Inst) {
	c.setReg(in.Args[0].Reg, in.Args[0].Size, c.arg(in, 1))
}

func movsx(c *CPU, in *decoder.Inst) {
	if in.Opcode == 0x63 && in.Args[1].Kind == decoder.ArgMem && in.Args[1].Size == 2 && c.prof.MovsxdReads32 {
		// The profile's movsxd16-read rule: AMD reads the 32-bit source
		// and moves its low word.
		c.setReg(in.Args[0].Reg, 2, c.read(c.ea(in), 4, in.Mem.Seg))
		return
	}
	c.setReg(in.Args[0].Reg, in.Args[0].Size, sx(c.arg(in, 1), in.Args[1].Size))
}

// lea computes the offset only: no segment base, no memory access.
func lea(c *CPU, in *decoder.Inst) {
	c.setReg(in.Args[0].Reg, in.Args[0].Size, in.Offset(&c.s.GPR, c.s.RIP))
}

// xchg with memory is locked whether or not LOCK is given; the memory write
// comes first so a fault leaves the register alone.
func xchg(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1)
	c.store(d, y)
	c.setArg(in, 1, x)
}

// cmov reads its source even when the condition is false (a fault is raised
// either way), and a 32-bit cmov zeroes the upper half either way.
func cmov(c *CPU, in *decoder.Inst) {
	v := c.arg(in, 1)
	if !c.cond(in.Form.Opcode & 0xf) {
		v = c.reg(in.Args[0].Reg, in.Args[0].Size)
	}
	c.setReg(in.Args[0].Reg, in.Args[0].Size, v)
}

func setcc(c *CPU, in *decoder.Inst) {
	c.setArg(in, 0, b2u(c.cond(in.Form.Opcode&0xf)))
}

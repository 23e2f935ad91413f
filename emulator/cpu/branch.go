package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Control transfer: jmp, jcc, call, ret.

func init() {
	for _, cc := range []string{"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"} {
		on(jcc, "j"+cc)
	}
	onForm(jmpRel, "jmp", "J")
	onForm(jmpAbs, "jmp", "Ev")
	onForm(callRel, "call", "J")
	onForm(callAbs, "call", "Ev")
	on(ret, "ret")
}

// branch moves to target, which must be canonical: the #GP is raised by the
// branch, with RIP still at it.
func (c *CPU) branch(target uint64) {
	if !canonical(target) {
		c.raiseCode(arch.VecGP, 0)
	}
	c.next = target
}

func jcc(c *CPU, in *decoder.Inst) {
	if c.cond(in.Form.Opcode & 0xf) {
		c.branch(c.next + uint64(in.Imm))
	}
}

func jmpRel(c *CPU, in *decoder.Inst) { c.branch(c.next + uint64(in.Imm)) }

func jmpAbs(c *CPU, in *decoder.Inst) { c.branch(c.arg(in, 0)) }

func callRel(c *CPU, in *decoder.Inst) { c.call(c.next + uint64(in.Imm)) }

func callAbs(c *CPU, in *decoder.Inst) { c.call(c.arg(in, 0)) }

// call pushes the return address and moves to t. A non-canonical t is
// #GP(0) with nothing written; the profile says whether the stack is
// checked first (AMD: an unwritable stack faults before the #GP).
func (c *CPU) call(t uint64) {
	if !canonical(t) {
		if c.prof.CallPushesFirst {
			c.acWidth(c.s.GPR[arch.RSP]-8, 8, arch.SS) // a store's #AC too
			c.probeWrite(c.s.GPR[arch.RSP]-8, 8, arch.SS)
		}
		c.raiseCode(arch.VecGP, 0)
	}
	c.push(c.next, 8)
	c.next = t
}

// ret reads the return address before moving RSP, so a #GP on a
// non-canonical return address leaves RSP unchanged.
func ret(c *CPU, in *decoder.Inst) {
	t := c.read(c.s.GPR[arch.RSP], 8, arch.SS)
	if !canonical(t) {
		c.raiseCode(arch.VecGP, 0)
	}
	c.s.GPR[arch.RSP] += 8
	if in.NArgs == 1 {
		c.s.GPR[arch.RSP] += uint64(uint16(in.Imm))
	}
	c.next = t
}

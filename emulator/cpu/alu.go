package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The ALU group: add, or, adc, sbb, and, sub, xor, cmp, test; inc, dec, neg, not.

func init() {
	on(aluAdd, "add")
	on(aluOr, "or")
	on(aluAdc, "adc")
	on(aluSbb, "sbb")
	on(aluAnd, "and")
	on(aluSub, "sub")
	on(aluXor, "xor")
	on(aluCmp, "cmp")
	on(aluTest, "test")
	on(aluInc, "inc")
	on(aluDec, "dec")
	on(aluNeg, "neg")
	on(aluNot, "not")
}

func aluAdd(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1) & masks[d.size]
	r := x + y
	c.store(d, r)
	c.setLazy(lazyAdd, d.size, x, y, r)
}

func aluOr(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	r := x | c.arg(in, 1)&masks[d.size]
	c.store(d, r)
	c.setLazy(lazyLogic, d.size, 0, 0, r)
}

func aluAnd(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	r := x & c.arg(in, 1)
	c.store(d, r)
	c.setLazy(lazyLogic, d.size, 0, 0, r)
}

func aluXor(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	r := (x ^ c.arg(in, 1)) & masks[d.size]
	c.store(d, r)
	c.setLazy(lazyLogic, d.size, 0, 0, r)
}

func aluAdc(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1) & masks[d.size]
	cin := b2u(c.cf())
	r := x + y + cin
	c.store(d, r)
	c.setLazyCarry(lazyAdc, d.size, x, y, r, cin)
}

func aluSub(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1) & masks[d.size]
	r := x - y
	c.store(d, r)
	c.setLazy(lazySub, d.size, x, y, r)
}

func aluSbb(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1) & masks[d.size]
	cin := b2u(c.cf())
	r := x - y - cin
	c.store(d, r)
	c.setLazyCarry(lazySbb, d.size, x, y, r, cin)
}

func aluCmp(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	x := c.arg(in, 0)
	y := c.arg(in, 1) & masks[size]
	c.setLazy(lazySub, size, x, y, x-y)
}

func aluTest(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	c.setLazy(lazyLogic, size, 0, 0, c.arg(in, 0)&c.arg(in, 1))
}

func aluInc(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	c.store(d, x+1)
	c.setLazyCarry(lazyInc, d.size, x, 1, x+1, b2u(c.cf()))
}

func aluDec(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	c.store(d, x-1)
	c.setLazyCarry(lazyDec, d.size, x, 1, x-1, b2u(c.cf()))
}

func aluNeg(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	c.store(d, -x)
	c.setLazy(lazySub, d.size, 0, x, -x)
}

func aluNot(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	c.store(d, ^x)
}

// The flag instructions.
func init() {
	on(func(c *CPU, in *decoder.Inst) { c.setStatus(arch.CF, 0) }, "clc")
	on(func(c *CPU, in *decoder.Inst) { c.setStatus(arch.CF, arch.CF) }, "stc")
	on(func(c *CPU, in *decoder.Inst) { c.setStatus(arch.CF, b2u(!c.cf())) }, "cmc")
	on(func(c *CPU, in *decoder.Inst) { c.s.RFLAGS &^= arch.DF }, "cld")
	on(func(c *CPU, in *decoder.Inst) { c.s.RFLAGS |= arch.DF }, "std")
}

package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The ALU group: add, or, adc, sbb, and, sub, xor, cmp, test; inc, dec, neg, not.

func init() {
	for _, op := range []struct {
		name string
		kind binKind
	}{{"add", binAdd}, {"or", binOr}, {"adc", binAdc}, {"sbb", binSbb}, {"and", binAnd},
		{"sub", binSub}, {"xor", binXor}, {"cmp", binCmp}, {"test", binTest}} {
		kind := op.kind
		on(func(c *CPU, in *decoder.Inst) { c.binary(in, kind) }, op.name)
	}
	on(aluInc, "inc")
	on(aluDec, "dec")
	on(aluNeg, "neg")
	on(aluNot, "not")
}

// binKind selects one of the two-operand ALU instructions.
type binKind uint8

const (
	binAdd binKind = iota
	binOr
	binAdc
	binSbb
	binAnd
	binSub
	binXor
	binCmp
	binTest
)

// binary executes the two-operand ALU instructions in one body whose
// register and immediate operands are read and written inline: the shared
// operand helpers are too large for Go to inline, and the calls cost more
// than the arithmetic.
func (c *CPU) binary(in *decoder.Inst, kind binKind) {
	a := &in.Args[0]
	size := a.Size & 15
	m := masks[size]
	regDst := a.Kind == decoder.ArgReg && a.Reg < 16
	var d rmw
	var x uint64
	if regDst {
		x = c.s.GPR[a.Reg&15] & m
	} else {
		d, x = c.rmwArg(in, 0)
	}
	var y uint64
	switch b := &in.Args[1]; {
	case b.Kind == decoder.ArgReg && b.Reg < 16:
		y = c.s.GPR[b.Reg&15] & m
	case b.Kind == decoder.ArgImm:
		y = uint64(in.Imm) & m
	default:
		y = c.argSlow(in, 1) & m
	}
	var r, cin uint64
	var op lazyOp
	switch kind {
	case binAdd:
		r, op = x+y, lazyAdd
	case binSub, binCmp:
		r, op = x-y, lazySub
	case binAnd, binTest:
		r, op = x&y, lazyLogic
	case binOr:
		r, op = x|y, lazyLogic
	case binXor:
		r, op = x^y, lazyLogic
	case binAdc:
		cin = b2u(c.cf())
		r, op = x+y+cin, lazyAdc
	case binSbb:
		cin = b2u(c.cf())
		r, op = x-y-cin, lazySbb
	}
	r &= m
	if kind != binCmp && kind != binTest {
		switch {
		case !regDst:
			c.store(d, r) // may fault: before the flags change
		case size >= 4:
			c.s.GPR[a.Reg&15] = r
		default:
			c.setRegNarrow(a.Reg, size, r)
		}
	}
	f := &c.fl
	f.op, f.size, f.dst, f.src, f.res, f.cin = op, size, x, y, r, cin
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

package cpu

import (
	"math/bits"

	"github.com/twinstep/twinstep/arch"
)

// Lazy flags: the common arithmetic instructions record their operands and
// result instead of computing six flags; the flags are computed only when
// something reads them (a Jcc usually needs one or two). Every other
// instruction computes its flags eagerly with setStatus.
type lazyOp uint8

const (
	lazyNone  lazyOp = iota // RFLAGS holds the status flags
	lazyAdd                 // res = dst + src
	lazyAdc                 // res = dst + src + cin
	lazySub                 // res = dst - src
	lazySbb                 // res = dst - src - cin
	lazyLogic               // res; CF = OF = AF = 0
	lazyInc                 // res = dst + 1; CF = cin
	lazyDec                 // res = dst - 1; CF = cin
)

type lazyFlags struct {
	op            lazyOp
	size          uint8 // operand size in bytes
	dst, src, res uint64
	cin           uint64 // carry in (adc, sbb) or the preserved CF (inc, dec)
}

// masks[size] keeps the low size bytes; it has 16 entries so that
// masks[size&15] needs no bounds check.
var masks = [16]uint64{1: 0xff, 2: 0xffff, 4: 0xffffffff, 8: ^uint64(0)}

// signBit is the most significant bit of a size-byte value.
func signBit(size uint8) uint64 { return 1 << (uint(size)*8 - 1) }

// setLazy records a flag-setting operation. Fields are stored one by one:
// building the struct literal cost 12% of the run loop (cin is only read by
// the ops that set it).
func (c *CPU) setLazy(op lazyOp, size uint8, dst, src, res uint64) {
	f := &c.fl
	f.op, f.size, f.dst, f.src, f.res = op, size, dst, src, res&masks[size&15]
}

func (c *CPU) setLazyCarry(op lazyOp, size uint8, dst, src, res, cin uint64) {
	c.fl = lazyFlags{op: op, size: size, dst: dst, src: src, res: res & masks[size], cin: cin}
}

func (c *CPU) cf() bool {
	f := &c.fl
	switch f.op {
	case lazyNone:
		return c.s.RFLAGS&arch.CF != 0
	case lazyAdd:
		return f.res < f.dst
	case lazyAdc:
		return f.res < f.dst || f.cin != 0 && f.res == f.dst
	case lazySub:
		return f.dst < f.src
	case lazySbb:
		return f.dst < f.src || f.cin != 0 && f.dst == f.src
	case lazyInc, lazyDec:
		return f.cin != 0
	}
	return false // logic
}

func (c *CPU) zf() bool {
	if c.fl.op == lazyNone {
		return c.s.RFLAGS&arch.ZF != 0
	}
	return c.fl.res == 0
}

func (c *CPU) sf() bool {
	if c.fl.op == lazyNone {
		return c.s.RFLAGS&arch.SF != 0
	}
	return c.fl.res&signBit(c.fl.size) != 0
}

func (c *CPU) pf() bool {
	if c.fl.op == lazyNone {
		return c.s.RFLAGS&arch.PF != 0
	}
	return parity(c.fl.res)
}

func parity(v uint64) bool { return bits.OnesCount8(uint8(v))&1 == 0 }

func (c *CPU) of() bool {
	f := &c.fl
	sb := signBit(f.size)
	switch f.op {
	case lazyNone:
		return c.s.RFLAGS&arch.OF != 0
	case lazyAdd, lazyAdc:
		return (f.dst^f.res)&(f.src^f.res)&sb != 0
	case lazySub, lazySbb:
		return (f.dst^f.src)&(f.dst^f.res)&sb != 0
	case lazyInc:
		return f.res == sb
	case lazyDec:
		return f.res == sb-1
	}
	return false
}

func (c *CPU) af() bool {
	f := &c.fl
	switch f.op {
	case lazyNone:
		return c.s.RFLAGS&arch.AF != 0
	case lazyInc, lazyDec:
		return (f.dst^1^f.res)&0x10 != 0
	case lazyLogic:
		return false
	}
	return (f.dst^f.src^f.res)&0x10 != 0
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// rflags materializes RFLAGS.
func (c *CPU) rflags() uint64 {
	if c.fl.op == lazyNone {
		return c.s.RFLAGS
	}
	st := b2u(c.cf())*arch.CF | b2u(c.pf())*arch.PF | b2u(c.af())*arch.AF |
		b2u(c.zf())*arch.ZF | b2u(c.sf())*arch.SF | b2u(c.of())*arch.OF
	return c.s.RFLAGS&^arch.ArithFlags | st
}

// flush folds the lazy flags into RFLAGS.
func (c *CPU) flush() {
	c.s.RFLAGS = c.rflags()
	c.fl.op = lazyNone
}

// setStatus sets the status flags in mask to the values in v, leaving the
// others as they are.
func (c *CPU) setStatus(mask, v uint64) {
	c.flush()
	c.s.RFLAGS = c.s.RFLAGS&^mask | v&mask
}

// szp returns the SF, ZF and PF bits for a size-byte result.
func szp(res uint64, size uint8) uint64 {
	res &= masks[size]
	f := b2u(parity(res)) * arch.PF
	if res == 0 {
		f |= arch.ZF
	}
	if res&signBit(size) != 0 {
		f |= arch.SF
	}
	return f
}

// cond evaluates condition code cc (the low nibble of Jcc/SETcc/CMOVcc).
func (c *CPU) cond(cc uint8) bool {
	var r bool
	switch cc >> 1 {
	case 0:
		r = c.of()
	case 1:
		r = c.cf()
	case 2:
		r = c.zf()
	case 3:
		r = c.cf() || c.zf()
	case 4:
		r = c.sf()
	case 5:
		r = c.pf()
	case 6:
		r = c.sf() != c.of()
	case 7:
		r = c.zf() || c.sf() != c.of()
	}
	return r != (cc&1 != 0)
}

package cpu

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// The SIMD floating-point exception rules, one element at a time: the
// flags an operation raises under an MXCSR, as measured on AMD Zen 5 (the
// corpus/regressions cases replay them on silicon).
func TestSoftfloatExceptionRules(t *testing.T) {
	for _, c := range []struct {
		name  string
		mxcsr uint32
		run   func(e *fpEnv) uint64
		want  uint64
		flg   uint32
	}{
		{"QNaN operand: no DE", 0x1f80,
			func(e *fpEnv) uint64 { return e.arith(f32, opFAdd, 0x7fc00000, 0x807fffff) }, 0x7fc00000, 0},
		{"SNaN operand: IE, no DE", 0x1f80,
			func(e *fpEnv) uint64 { return e.arith(f32, opFMul, 0x807fffff, 0x7fa00000) }, 0x7fe00000, mxIE},
		{"denormal / 0: ZE, no DE", 0x1f80,
			func(e *fpEnv) uint64 { return e.arith(f32, opFDiv, 1, 0) }, 0x7f800000, mxZE},
		{"0 / denormal: DE", 0x1f80,
			func(e *fpEnv) uint64 { return e.arith(f32, opFDiv, 0, 1) }, 0, mxDE},
		{"sqrt of a negative denormal: IE, no DE", 0x1f80,
			func(e *fpEnv) uint64 { return e.sqrt(f32, 0x80000001) }, 0xffc00000, mxIE},
		{"compare with a QNaN: no DE", 0x1f80,
			func(e *fpEnv) uint64 { return uint64(e.compare(f32, 1, 0x7fc00000, false)) }, cmpUnordered, 0},
		{"max with a NaN returns the source through DAZ", 0x1fc0,
			func(e *fpEnv) uint64 { return e.minMax(f32, 0x7fc00000, 0x80000001, true) }, 0x80000000, mxIE},
		{"unmasked UE, exact significand: no PE", 0x1780,
			func(e *fpEnv) uint64 { e.arith(f32, opFMul, 0x1f000000, 0x00ffffff); return 0 }, 0, mxUE},
		{"unmasked UE, inexact significand: PE", 0x1780,
			func(e *fpEnv) uint64 { e.arith(f32, opFMul, 0x00ffffff, 0x80800001); return 0 }, 0, mxUE | mxPE},
		{"unmasked OE, exact significand: no PE", 0x1b80,
			func(e *fpEnv) uint64 { e.arith(f32, opFAdd, 0xff7fffff, 0xff7fffff); return 0 }, 0, mxOE},
		{"unmasked OE, inexact significand: PE", 0x1b80,
			func(e *fpEnv) uint64 { e.arith(f32, opFMul, 0x7f7fffff, 0x7f7fffff); return 0 }, 0, mxOE | mxPE},
		{"tiny after rounding: UE", 0x1f80,
			func(e *fpEnv) uint64 { return e.arith(f32, opFMul, 0x00800000, 0x3f7fffff) }, 0x00800000, mxUE | mxPE},
		{"rounds to the smallest normal: not tiny", 0x3f80,
			func(e *fpEnv) uint64 { return e.arith(f64, opFMul, 0x800fffffffffffff, 0x3ff0000000000001) },
			0x8010000000000000, mxDE | mxPE},
	} {
		e := newFPEnv(c.mxcsr)
		if got := c.run(&e); got != c.want || e.flags != c.flg {
			t.Errorf("%s: got %#x flags %#x, want %#x flags %#x", c.name, got, e.flags, c.want, c.flg)
		}
	}
}

// DPPD's products and sum are steps: an unmasked exception in the products
// ends it there, and the products' flags stay when the sum faults.
func TestDotProductSteps(t *testing.T) {
	for _, c := range []struct {
		name  string
		mxcsr uint32
		d     arch.Vec128
		flags uint32
	}{
		{"unmasked UE in a product", 0x8680, arch.Vec128{0x3ff8000000000000, 0x1ff0000000000000}, mxUE},
		{"unmasked DE in the sum", 0x5880, arch.Vec128{0x1bf64a44a435db50, 0x8000000000000000}, mxDE | mxUE | mxPE},
	} {
		_, flags := DotProduct(8, c.d, c.d, 0x31, c.mxcsr, true)
		if flags != c.flags {
			t.Errorf("%s: flags %#x, want %#x", c.name, flags, c.flags)
		}
	}
}

package cpu

import (
	"math"
	"math/big"
)

// The SSE floating-point arithmetic core: IEEE 754 binary32/binary64 with
// the four MXCSR rounding modes, the six exception flags, DAZ and FTZ, and
// the SSE NaN rules, all on bit patterns (Go's own float arithmetic only
// rounds to nearest and leaves NaN payloads to the host).
//
// Every operation computes its exact result truncated toward zero to 64
// significant bits with big.Float plus a sticky bit (the truncation was
// inexact), and one rounding routine, round, takes that to the format. A
// truncated 64-bit significand with a sticky bit rounds exactly as the exact
// value would to any precision up to 62 bits, so there is no double rounding.

// MXCSR bits.
const (
	mxIE  = 1 << 0 // invalid operation
	mxDE  = 1 << 1 // denormal operand
	mxZE  = 1 << 2 // divide by zero
	mxOE  = 1 << 3 // overflow
	mxUE  = 1 << 4 // underflow
	mxPE  = 1 << 5 // precision (inexact)
	mxDAZ = 1 << 6
	mxFTZ = 1 << 15

	mxPre = mxIE | mxDE | mxZE // detected before computing (SDM Vol. 1 11.5.2)
)

// Rounding modes, as MXCSR.RC and ROUNDPS imm8[1:0] encode them.
const (
	rcNearest = iota
	rcDown
	rcUp
	rcZero
)

// fpEnv is the MXCSR an instruction runs under and the exception flags its
// lanes raise: flags for the step running, done for the steps an
// instruction of several (DPPS, DPPD) has completed.
type fpEnv struct {
	mxcsr uint32
	rc    int
	flags uint32
	done  uint32
}

func newFPEnv(mxcsr uint32) fpEnv { return fpEnv{mxcsr: mxcsr, rc: int(mxcsr >> 13 & 3)} }

func (e *fpEnv) masked(f uint32) bool { return e.mxcsr>>7&f == f }

// step ends one step of an instruction of several and reports whether its
// flags include an unmasked exception, which stops the instruction there:
// the later steps neither compute nor flag anything (measured on AMD Zen 5:
// DPPD with an unmasked underflow in a product raises UE, not the DE its
// denormal product would raise in the sum).
func (e *fpEnv) step() bool {
	if e.flags&^(e.mxcsr>>7)&0x3f != 0 {
		return true
	}
	e.done |= e.flags
	e.flags = 0
	return false
}

// ffmt is a binary floating-point format.
type ffmt struct {
	w    int  // bytes
	mant uint // fraction bits
}

var (
	f32 = ffmt{4, 23}
	f64 = ffmt{8, 52}
)

func (f ffmt) ebits() uint        { return uint(f.w)*8 - 1 - f.mant }
func (f ffmt) bias() int          { return 1<<(f.ebits()-1) - 1 }
func (f ffmt) sign() uint64       { return 1 << (uint(f.w)*8 - 1) }
func (f ffmt) expMask() uint64    { return (1<<f.ebits() - 1) << f.mant }
func (f ffmt) fracMask() uint64   { return 1<<f.mant - 1 }
func (f ffmt) quietBit() uint64   { return 1 << (f.mant - 1) }
func (f ffmt) inf() uint64        { return f.expMask() }
func (f ffmt) maxFinite() uint64  { return f.expMask() - 1<<f.mant | f.fracMask() }
func (f ffmt) indefinite() uint64 { return f.sign() | f.expMask() | f.quietBit() } // the default QNaN

func (f ffmt) isNaN(x uint64) bool  { return x&f.expMask() == f.expMask() && x&f.fracMask() != 0 }
func (f ffmt) isSNaN(x uint64) bool { return f.isNaN(x) && x&f.quietBit() == 0 }
func (f ffmt) isInf(x uint64) bool  { return x&^f.sign() == f.expMask() }
func (f ffmt) isZero(x uint64) bool { return x&^f.sign() == 0 }
func (f ffmt) isDenormal(x uint64) bool {
	return x&f.expMask() == 0 && x&f.fracMask() != 0
}
func (f ffmt) neg(x uint64) bool { return x&f.sign() != 0 }

// operand applies DAZ to a non-NaN operand (a denormal becomes a zero of
// its sign) and otherwise returns mxDE for a denormal. The caller raises
// that DE only once nothing of higher priority claimed the element: a NaN
// operand, an invalid operation or a division by zero signal no DE (SDM
// Vol. 1 4.9.2 and 11.5.2, exception precedence; measured on AMD Zen 5).
func (e *fpEnv) operand(f ffmt, x uint64) (uint64, uint32) {
	if !f.isDenormal(x) {
		return x, 0
	}
	if e.mxcsr&mxDAZ != 0 {
		return x & f.sign(), 0
	}
	return x, mxDE
}

// operands is operand for both operands of a two-operand element.
func (e *fpEnv) operands(f ffmt, a, b uint64) (uint64, uint64, uint32) {
	a, da := e.operand(f, a)
	b, db := e.operand(f, b)
	return a, b, da | db
}

// nan2 is the SSE NaN rule for two operands (SDM Vol. 1 Table 4-7): an SNaN
// operand raises IE; the first operand wins if it is a NaN, else the second,
// quieted.
func (e *fpEnv) nan2(f ffmt, a, b uint64) (uint64, bool) {
	an, bn := f.isNaN(a), f.isNaN(b)
	if !an && !bn {
		return 0, false
	}
	if f.isSNaN(a) || f.isSNaN(b) {
		e.flags |= mxIE
	}
	if an {
		return a | f.quietBit(), true
	}
	return b | f.quietBit(), true
}

// invalid raises IE and returns the default QNaN.
func (e *fpEnv) invalid(f ffmt) uint64 {
	e.flags |= mxIE
	return f.indefinite()
}

// toBig converts a finite value exactly.
func (f ffmt) toBig(x uint64) *big.Float {
	e := int(x & f.expMask() >> f.mant)
	sig := x & f.fracMask()
	if e == 0 {
		e = 1
	} else {
		sig |= 1 << f.mant
	}
	z := new(big.Float).SetMantExp(new(big.Float).SetUint64(sig), e-f.bias()-int(f.mant))
	if f.neg(x) {
		z.Neg(z)
	}
	return z
}

// acc returns a big.Float for a result truncated to 64 bits.
func acc() *big.Float { return new(big.Float).SetPrec(64).SetMode(big.ToZero) }

// round rounds x (finite, non-zero, at most 64 significant bits; sticky if
// the true value lies beyond it in magnitude) to format f: the rounding mode,
// overflow, underflow, FTZ, and PE. Tininess is detected after rounding
// (IEEE 754's option x86 takes): the value is tiny if, rounded to the
// format's precision with an unbounded exponent, it is below the smallest
// normal. 0x00800000 * 0x3f7fffff is tiny (2^-126 - 2^-150 fits in 24 bits)
// though it rounds up to the smallest normal as a denormal, and sets UE;
// -(2^-1022 - 2^-1126) rounding down is not, and sets PE alone (measured on
// AMD Zen 5). An unmasked overflow or underflow stores no result (SDM Vol. 1
// 11.5.2.4, 11.5.2.5) and raises PE only if the result rounded to the
// format's precision with an unbounded exponent is inexact, as the x87's
// bias-adjusted result does (SDM Vol. 1 8.5.4, 8.5.5; measured on AMD Zen 5:
// 0x1f000000 * 0x00ffffff is UE alone, not UE and PE); the value returned
// then is never written.
func (e *fpEnv) round(f ffmt, x *big.Float, sticky bool) uint64 {
	neg := x.Signbit()
	m := new(big.Float)
	exp := x.MantExp(m)
	m.Abs(m)
	m.SetMantExp(m, 64)
	sig, _ := m.Uint64() // in [2^63, 2^64)
	ex := exp - 1        // x = 1.f * 2^ex
	emin := 1 - f.bias()
	tiny := ex < emin
	if ex == emin-1 {
		q, _ := roundSig(sig, sticky, 64-int(f.mant)-1, neg, e.rc)
		tiny = q>>(f.mant+1) == 0 // else it rounds to the smallest normal
	}
	keep := int(f.mant) + 1
	if tiny {
		keep -= emin - ex
	}
	q, inexact := roundSig(sig, sticky, 64-keep, neg, e.rc)
	var r uint64
	if !tiny {
		if q>>(f.mant+1) != 0 {
			q >>= 1
			ex++
		}
		if ex > f.bias() {
			e.flags |= mxOE
			if inexact || e.masked(mxOE) {
				e.flags |= mxPE
			}
			return e.overflow(f, neg)
		}
		r = uint64(ex+f.bias())<<f.mant | q&f.fracMask()
	} else {
		r = q // a denormal, or the smallest normal after rounding up
		switch {
		case !e.masked(mxUE):
			e.flags |= mxUE
			_, inexact = roundSig(sig, sticky, 64-int(f.mant)-1, neg, e.rc)
		case e.mxcsr&mxFTZ != 0:
			e.flags |= mxUE | mxPE
			r, inexact = 0, false
		case inexact:
			e.flags |= mxUE
		}
	}
	if inexact {
		e.flags |= mxPE
	}
	if neg {
		r |= f.sign()
	}
	return r
}

// overflow is the masked overflow response: infinity or the largest finite
// value, by rounding direction.
func (e *fpEnv) overflow(f ffmt, neg bool) uint64 {
	r := f.inf()
	switch {
	case e.rc == rcZero, e.rc == rcDown && !neg, e.rc == rcUp && neg:
		r = f.maxFinite()
	}
	if neg {
		r |= f.sign()
	}
	return r
}

// roundsUp decides whether a magnitude q with the discarded part rem (half
// being the weight of half a last place) and a sticky bit below it rounds up
// in mode rc: the one rounding rule for every result.
func roundsUp(rc int, neg bool, q, rem, half uint64, sticky bool) bool {
	inexact := rem != 0 || sticky
	switch rc {
	case rcNearest:
		return rem > half || rem == half && (sticky || q&1 != 0)
	case rcDown:
		return neg && inexact
	case rcUp:
		return !neg && inexact
	}
	return false
}

// roundSig drops the low drop bits of sig (with the sticky bit below them)
// in rounding mode rc, returning the rounded value and whether it is inexact.
func roundSig(sig uint64, sticky bool, drop int, neg bool, rc int) (uint64, bool) {
	var q, rem, half uint64
	switch {
	case drop <= 0:
		return sig << uint(-drop), sticky
	case drop < 64:
		q, rem, half = sig>>uint(drop), sig&(1<<uint(drop)-1), 1<<uint(drop-1)
	case drop == 64:
		q, rem, half = 0, sig, 1<<63
	default: // below half of the last place
		q, rem, half = 0, 1, 2
	}
	inexact := rem != 0 || sticky
	if roundsUp(rc, neg, q, rem, half, sticky) {
		q++
	}
	return q, inexact
}

// result rounds a big.Float computed by acc() (its Accuracy says whether it
// was truncated), returning a signed zero for an exact zero.
func (e *fpEnv) result(f ffmt, z *big.Float, zeroNeg bool) uint64 {
	if z.Sign() == 0 {
		if zeroNeg {
			return f.sign()
		}
		return 0
	}
	return e.round(f, z, z.Acc() != big.Exact)
}

// Arithmetic operations.
const (
	opFAdd = iota
	opFSub
	opFMul
	opFDiv
)

// arith computes a op b in format f.
func (e *fpEnv) arith(f ffmt, op int, a, b uint64) uint64 {
	if r, ok := e.nan2(f, a, b); ok {
		return r // no DE for the other operand
	}
	a, b, de := e.operands(f, a, b)
	if op == opFSub {
		b ^= f.sign()
		op = opFAdd
	}
	sa, sb := f.neg(a), f.neg(b)
	ia, ib := f.isInf(a), f.isInf(b)
	za, zb := f.isZero(a), f.isZero(b)
	switch op {
	case opFAdd:
		if ia && ib && sa != sb {
			return e.invalid(f)
		}
		e.flags |= de
		switch {
		case ia:
			return a
		case ib:
			return b
		case za && zb:
			// An exact zero sum is +0 except (-0)+(-0), or -0 rounding down.
			return e.result(f, new(big.Float), sa && sb || sa != sb && e.rc == rcDown)
		}
		z := acc().Add(f.toBig(a), f.toBig(b))
		return e.result(f, z, e.rc == rcDown)
	case opFMul:
		if ia && zb || za && ib {
			return e.invalid(f)
		}
		e.flags |= de
		switch {
		case ia || ib:
			return f.inf() | (a^b)&f.sign()
		case za || zb:
			return (a ^ b) & f.sign()
		}
		return e.result(f, acc().Mul(f.toBig(a), f.toBig(b)), false)
	default: // divide
		switch {
		case ia && ib, za && zb:
			return e.invalid(f)
		case zb && !ia:
			e.flags |= mxZE // and no DE for a denormal dividend
			return f.inf() | (a^b)&f.sign()
		}
		e.flags |= de
		switch {
		case ia:
			return f.inf() | (a^b)&f.sign()
		case ib || za:
			return (a ^ b) & f.sign()
		}
		return e.result(f, acc().Quo(f.toBig(a), f.toBig(b)), false)
	}
}

// sqrt computes the square root in format f.
func (e *fpEnv) sqrt(f ffmt, a uint64) uint64 {
	if f.isNaN(a) {
		if f.isSNaN(a) {
			e.flags |= mxIE
		}
		return a | f.quietBit()
	}
	a, de := e.operand(f, a)
	switch {
	case f.isZero(a):
		return a
	case f.neg(a):
		return e.invalid(f) // no DE for a negative denormal
	}
	e.flags |= de
	if f.isInf(a) {
		return a
	}
	return e.result(f, sqrt64(f.toBig(a)), false)
}

// sqrt64 is the square root truncated to 64 bits with its Accuracy set:
// big.Float.Sqrt leaves Accuracy undefined, so the truncation is checked and
// corrected with exact squares (t*t <= x < (t+ulp)^2).
func sqrt64(x *big.Float) *big.Float {
	r := new(big.Float).SetPrec(128).Sqrt(x)
	t := acc().Set(r)
	sq := func(v *big.Float) *big.Float { return new(big.Float).SetPrec(256).Mul(v, v) }
	ulp := new(big.Float).SetMantExp(big.NewFloat(1), t.MantExp(nil)-64)
	if sq(t).Cmp(x) > 0 {
		t = acc().Sub(t, ulp)
	} else if up := new(big.Float).SetPrec(65).Add(t, ulp); sq(up).Cmp(x) <= 0 {
		t = acc().Set(up)
	}
	z := acc()
	if sq(t).Cmp(x) == 0 {
		return z.Set(t) // exact: Acc() == Exact
	}
	// Mark the truncation: add a quarter ulp below the 64 bits, which the
	// ToZero precision drops, leaving Acc() == Below.
	return z.Add(t, new(big.Float).SetMantExp(ulp, -2))
}

// convert converts a (format from) to format to; a NaN keeps its sign and
// the top of its payload, quieted.
func (e *fpEnv) convert(from, to ffmt, a uint64) uint64 {
	sign := uint64(0)
	if from.neg(a) {
		sign = to.sign()
	}
	switch {
	case from.isNaN(a):
		if from.isSNaN(a) {
			e.flags |= mxIE
		}
		frac := a & from.fracMask()
		if to.mant > from.mant {
			frac <<= to.mant - from.mant
		} else {
			frac >>= from.mant - to.mant
		}
		return sign | to.expMask() | to.quietBit() | frac
	case from.isInf(a):
		return sign | to.inf()
	}
	a, de := e.operand(from, a)
	e.flags |= de
	if from.isZero(a) {
		return sign
	}
	return e.round(to, from.toBig(a), false)
}

// fromInt converts a signed integer to format f.
func (e *fpEnv) fromInt(f ffmt, v int64) uint64 {
	if v == 0 {
		return 0
	}
	return e.round(f, new(big.Float).SetInt64(v), false)
}

// toInt converts to a signed integer of size bytes, rounding per rc; NaN and
// out-of-range values give the integer indefinite (the most negative value)
// with IE.
func (e *fpEnv) toInt(f ffmt, a uint64, size int, rc int) uint64 {
	indefinite := uint64(1) << (size*8 - 1)
	if f.isNaN(a) || f.isInf(a) {
		e.flags |= mxIE
		return indefinite
	}
	a, _ = e.operand(f, a) // conversions to integers signal no DE
	if f.isZero(a) {
		return 0
	}
	x := f.toBig(a)
	i, _ := x.Int(nil) // truncated
	frac := new(big.Float).Sub(x, new(big.Float).SetInt(i))
	if frac.Sign() != 0 {
		half := frac.Cmp(big.NewFloat(0.5 * float64(frac.Sign())))
		step := 0
		switch rc {
		case rcNearest:
			if half*frac.Sign() > 0 || half == 0 && i.Bit(0) == 1 {
				step = frac.Sign()
			}
		case rcDown:
			if frac.Sign() < 0 {
				step = -1
			}
		case rcUp:
			if frac.Sign() > 0 {
				step = 1
			}
		}
		i.Add(i, big.NewInt(int64(step)))
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if size == 4 {
		lo, hi = math.MinInt32, math.MaxInt32
	}
	if !i.IsInt64() || i.Int64() < lo || i.Int64() > hi {
		e.flags |= mxIE
		return indefinite
	}
	if frac.Sign() != 0 {
		e.flags |= mxPE
	}
	return uint64(i.Int64()) & masks[size]
}

// roundInt rounds to an integral value in format f (ROUNDPS): no DE, and PE
// only if not suppressed.
func (e *fpEnv) roundInt(f ffmt, a uint64, rc int, suppressPE bool) uint64 {
	if f.isNaN(a) {
		if f.isSNaN(a) {
			e.flags |= mxIE
		}
		return a | f.quietBit()
	}
	a, _ = e.operand(f, a)
	ex := int(a&f.expMask()>>f.mant) - f.bias()
	if f.isInf(a) || f.isZero(a) || ex >= int(f.mant) {
		return a // already integral
	}
	// Round the fraction away: the significand scaled so the binary point
	// falls at bit 0, with the bits below as a 64-bit fraction.
	x := f.toBig(a)
	i, _ := x.Int(nil)
	fr := new(big.Float).Sub(x, new(big.Float).SetInt(i))
	fr.Abs(fr)
	fr.SetMantExp(fr, 64)
	rem, racc := fr.Uint64()
	sticky := racc != big.Exact // a denormal's fraction lies below 2^-64
	neg := f.neg(a)
	q := new(big.Int).Abs(i).Uint64()
	inexact := rem != 0 || sticky
	if roundsUp(rc, neg, q, rem, 1<<63, sticky) {
		q++
	}
	if inexact && !suppressPE {
		e.flags |= mxPE
	}
	if q == 0 {
		return a & f.sign()
	}
	r := e.round(f, new(big.Float).SetUint64(q), false) // exact
	if neg {
		r |= f.sign()
	}
	return r
}

// Comparison results.
const (
	cmpLess = iota
	cmpEqual
	cmpGreater
	cmpUnordered
)

// compare orders a and b; IE for an SNaN, or for any NaN if signaling.
func (e *fpEnv) compare(f ffmt, a, b uint64, signaling bool) int {
	if f.isNaN(a) || f.isNaN(b) {
		if signaling || f.isSNaN(a) || f.isSNaN(b) {
			e.flags |= mxIE
		}
		return cmpUnordered // no DE for the other operand
	}
	a, b, de := e.operands(f, a, b)
	e.flags |= de
	if f.isZero(a) && f.isZero(b) {
		return cmpEqual
	}
	// Sign-magnitude to a totally ordered integer key.
	key := func(x uint64) int64 {
		if f.neg(x) {
			return -int64(x &^ f.sign())
		}
		return int64(x)
	}
	switch ka, kb := key(a), key(b); {
	case ka < kb:
		return cmpLess
	case ka > kb:
		return cmpGreater
	}
	return cmpEqual
}

// minMax returns the smaller (or larger) of a and b; the source b if either
// is a NaN or both are zeros (SDM Vol. 2 MINPS/MAXPS). Values pass through
// DAZ first (measured: min(denormal, 1) with DAZ is +0).
func (e *fpEnv) minMax(f ffmt, a, b uint64, max bool) uint64 {
	if f.isNaN(a) || f.isNaN(b) {
		e.flags |= mxIE        // and no DE for the other operand
		b, _ = e.operand(f, b) // a denormal source still passes through DAZ (measured)
		return b
	}
	a, b, de := e.operands(f, a, b)
	e.flags |= de
	c := e.compare(f, a, b, false)
	if max && c == cmpGreater || !max && c == cmpLess {
		if f.isZero(a) && f.isZero(b) {
			return b
		}
		return a
	}
	return b
}

// approx is RCPPS/RSQRTPS: 1/a or 1/sqrt(a) rounded to 12 significant bits
// (relative error at most 2^-12, within the SDM's 1.5*2^-12; real CPUs use
// their own tables). Special cases follow the SDM: a denormal counts as zero,
// zero gives infinity of its sign, RCP of |a| >= 1.11111111110100000000000B
// * 2^125 is zero, RSQRT of a negative value is the default QNaN. No flags.
func approx(a uint64, rsqrt bool) uint64 {
	f := f32
	sign := a & f.sign()
	switch {
	case f.isNaN(a):
		return a | f.quietBit()
	case f.isZero(a) || f.isDenormal(a):
		return sign | f.inf()
	case rsqrt && sign != 0:
		return f.indefinite()
	case f.isInf(a):
		return sign
	case !rsqrt && a&^f.sign() >= 0x7e7fe800:
		return sign
	}
	x := new(big.Float).SetPrec(128).Abs(f.toBig(a))
	if rsqrt {
		x.Sqrt(x)
	}
	x.Quo(new(big.Float).SetPrec(128).SetInt64(1), x)
	y, _ := new(big.Float).SetPrec(12).SetMode(big.ToNearestEven).Set(x).Float32()
	return sign | uint64(math.Float32bits(y))
}

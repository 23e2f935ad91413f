package cpu

import (
	"math/bits"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// SSE and MMX integer arithmetic, logic, compares and shifts.

type laneOp struct {
	name string
	w    int
	f    func(x, y uint64, w int) uint64
}

func opAdd(x, y uint64, w int) uint64  { return x + y }
func opSub(x, y uint64, w int) uint64  { return x - y }
func opAnd(x, y uint64, w int) uint64  { return x & y }
func opAndn(x, y uint64, w int) uint64 { return ^x & y }
func opOr(x, y uint64, w int) uint64   { return x | y }
func opXor(x, y uint64, w int) uint64  { return x ^ y }
func opAddSS(x, y uint64, w int) uint64 {
	return satS(sxw(x, w)+sxw(y, w), w)
}
func opSubSS(x, y uint64, w int) uint64 {
	return satS(sxw(x, w)-sxw(y, w), w)
}
func opAddUS(x, y uint64, w int) uint64 { return satU(int64(x)+int64(y), w) }
func opSubUS(x, y uint64, w int) uint64 { return satU(int64(x)-int64(y), w) }
func opMulLo(x, y uint64, w int) uint64 { return x * y }
func opMulHS(x, y uint64, w int) uint64 {
	return uint64(sxw(x, w) * sxw(y, w) >> (w * 8))
}
func opMulHU(x, y uint64, w int) uint64 { return x * y >> (w * 8) }
func opMulHRS(x, y uint64, w int) uint64 {
	return uint64((sxw(x, w)*sxw(y, w)>>14 + 1) >> 1)
}
func opMulUDQ(x, y uint64, w int) uint64 { return uint64(uint32(x)) * uint64(uint32(y)) }
func opMulDQ(x, y uint64, w int) uint64 {
	return uint64(int64(int32(x)) * int64(int32(y)))
}
func opAvg(x, y uint64, w int) uint64  { return (x + y + 1) >> 1 }
func opMinU(x, y uint64, w int) uint64 { return min(x, y) }
func opMaxU(x, y uint64, w int) uint64 { return max(x, y) }
func opMinS(x, y uint64, w int) uint64 {
	if sxw(y, w) < sxw(x, w) {
		return y
	}
	return x
}
func opMaxS(x, y uint64, w int) uint64 {
	if sxw(y, w) > sxw(x, w) {
		return y
	}
	return x
}
func opCmpEq(x, y uint64, w int) uint64 { return -b2u(x == y) }
func opCmpGt(x, y uint64, w int) uint64 { return -b2u(sxw(x, w) > sxw(y, w)) }
func opSign(x, y uint64, w int) uint64 {
	switch s := sxw(y, w); {
	case s < 0:
		return -x
	case s == 0:
		return 0
	}
	return x
}
func opAbs(x, y uint64, w int) uint64 {
	if v := sxw(y, w); v < 0 {
		return uint64(-v)
	}
	return y
}

var laneOps = []laneOp{
	{"paddb", 1, opAdd}, {"paddw", 2, opAdd}, {"paddd", 4, opAdd}, {"paddq", 8, opAdd},
	{"psubb", 1, opSub}, {"psubw", 2, opSub}, {"psubd", 4, opSub}, {"psubq", 8, opSub},
	{"paddsb", 1, opAddSS}, {"paddsw", 2, opAddSS}, {"psubsb", 1, opSubSS}, {"psubsw", 2, opSubSS},
	{"paddusb", 1, opAddUS}, {"paddusw", 2, opAddUS}, {"psubusb", 1, opSubUS}, {"psubusw", 2, opSubUS},
	{"pand", 8, opAnd}, {"andps", 8, opAnd}, {"andpd", 8, opAnd},
	{"pandn", 8, opAndn}, {"andnps", 8, opAndn}, {"andnpd", 8, opAndn},
	{"por", 8, opOr}, {"orps", 8, opOr}, {"orpd", 8, opOr},
	{"pxor", 8, opXor}, {"xorps", 8, opXor}, {"xorpd", 8, opXor},
	{"pmullw", 2, opMulLo}, {"pmulld", 4, opMulLo}, {"pmulhw", 2, opMulHS}, {"pmulhuw", 2, opMulHU},
	{"pmulhrsw", 2, opMulHRS}, {"pmuludq", 8, opMulUDQ}, {"pmuldq", 8, opMulDQ},
	{"pavgb", 1, opAvg}, {"pavgw", 2, opAvg},
	{"pminub", 1, opMinU}, {"pminuw", 2, opMinU}, {"pminud", 4, opMinU},
	{"pmaxub", 1, opMaxU}, {"pmaxuw", 2, opMaxU}, {"pmaxud", 4, opMaxU},
	{"pminsb", 1, opMinS}, {"pminsw", 2, opMinS}, {"pminsd", 4, opMinS},
	{"pmaxsb", 1, opMaxS}, {"pmaxsw", 2, opMaxS}, {"pmaxsd", 4, opMaxS},
	{"pcmpeqb", 1, opCmpEq}, {"pcmpeqw", 2, opCmpEq}, {"pcmpeqd", 4, opCmpEq}, {"pcmpeqq", 8, opCmpEq},
	{"pcmpgtb", 1, opCmpGt}, {"pcmpgtw", 2, opCmpGt}, {"pcmpgtd", 4, opCmpGt}, {"pcmpgtq", 8, opCmpGt},
	{"psignb", 1, opSign}, {"psignw", 2, opSign}, {"psignd", 4, opSign},
	{"pabsb", 1, opAbs}, {"pabsw", 2, opAbs}, {"pabsd", 4, opAbs},
}

// lanewise binds an instruction computing dst[i] = f(dst[i], src[i]).
func lanewise(op laneOp) handler {
	return func(c *CPU, in *decoder.Inst) {
		s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
		c.writeXmmArg(in, 0, mapLanes(d, s, op.w, func(x, y uint64) uint64 { return op.f(x, y, op.w) }))
	}
}

// horizontal combines adjacent lane pairs of dst then src.
func horizontal(w int, f func(x, y uint64, w int) uint64) handler {
	return func(c *CPU, in *decoder.Inst) {
		s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
		n := vecBytes(in.Args[0]) / w
		var r arch.Vec128
		for i := range n {
			src, j := d, 2*i
			if i >= n/2 {
				src, j = s, 2*(i-n/2)
			}
			setLane(&r, w, i, f(lane(src, w, j), lane(src, w, j+1), w))
		}
		c.writeXmmArg(in, 0, r)
	}
}

func init() {
	for _, op := range laneOps {
		simd(lanewise(op), op.name)
	}
	for _, h := range []struct {
		name string
		w    int
		f    func(x, y uint64, w int) uint64
	}{
		{"phaddw", 2, opAdd}, {"phaddd", 4, opAdd}, {"phaddsw", 2, opAddSS},
		{"phsubw", 2, opSub}, {"phsubd", 4, opSub}, {"phsubsw", 2, opSubSS},
	} {
		simd(horizontal(h.w, h.f), h.name)
	}
	simd(pmaddwd, "pmaddwd")
	simd(pmaddubsw, "pmaddubsw")
	simd(psadbw, "psadbw")
	on(sse(mpsadbw), "mpsadbw")
	on(sse(phminposuw), "phminposuw")
	on(sse(ptest), "ptest")

	for _, s := range []struct {
		name string
		w    int
		kind int // 0 left, 1 logical right, 2 arithmetic right
	}{
		{"psllw", 2, 0}, {"pslld", 4, 0}, {"psllq", 8, 0},
		{"psrlw", 2, 1}, {"psrld", 4, 1}, {"psrlq", 8, 1},
		{"psraw", 2, 2}, {"psrad", 4, 2},
	} {
		simd(shift(s.w, s.kind), s.name)
	}
	on(sse(byteShift(false)), "pslldq")
	on(sse(byteShift(true)), "psrldq")

	on(sse(pcmpstr(true, false)), "pcmpestri")
	on(sse(pcmpstr(true, true)), "pcmpestrm")
	on(sse(pcmpstr(false, false)), "pcmpistri")
	on(sse(pcmpstr(false, true)), "pcmpistrm")
}

func pmaddwd(c *CPU, in *decoder.Inst) {
	s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
	var r arch.Vec128
	for i := range 4 {
		v := sxw(lane(d, 2, 2*i), 2)*sxw(lane(s, 2, 2*i), 2) + sxw(lane(d, 2, 2*i+1), 2)*sxw(lane(s, 2, 2*i+1), 2)
		setLane(&r, 4, i, uint64(v))
	}
	c.writeXmmArg(in, 0, r)
}

// pmaddubsw multiplies unsigned bytes of dst by signed bytes of src.
func pmaddubsw(c *CPU, in *decoder.Inst) {
	s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
	var r arch.Vec128
	for i := range 8 {
		v := int64(lane(d, 1, 2*i))*sxw(lane(s, 1, 2*i), 1) + int64(lane(d, 1, 2*i+1))*sxw(lane(s, 1, 2*i+1), 1)
		setLane(&r, 2, i, satS(v, 2))
	}
	c.writeXmmArg(in, 0, r)
}

func absDiff(x, y uint64) uint64 {
	if x > y {
		return x - y
	}
	return y - x
}

func psadbw(c *CPU, in *decoder.Inst) {
	s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
	var r arch.Vec128
	for q := range 2 {
		for i := range 8 {
			r[q] += absDiff(lane(d, 1, 8*q+i), lane(s, 1, 8*q+i))
		}
	}
	c.writeXmmArg(in, 0, r)
}

func mpsadbw(c *CPU, in *decoder.Inst) {
	s := c.readXmmArg(in, 1)
	d := c.s.XMM[in.Args[0].Reg]
	o1 := int(in.Imm>>2&1) * 4
	o2 := int(in.Imm&3) * 4
	var r arch.Vec128
	for i := range 8 {
		var sum uint64
		for j := range 4 {
			sum += absDiff(lane(d, 1, o1+i+j), lane(s, 1, o2+j))
		}
		setLane(&r, 2, i, sum)
	}
	c.s.XMM[in.Args[0].Reg] = r
}

func phminposuw(c *CPU, in *decoder.Inst) {
	s := c.readXmmArg(in, 1)
	m, idx := lane(s, 2, 0), 0
	for i := 1; i < 8; i++ {
		if x := lane(s, 2, i); x < m {
			m, idx = x, i
		}
	}
	c.s.XMM[in.Args[0].Reg] = arch.Vec128{m | uint64(idx)<<16, 0}
}

// ptest sets ZF if dst AND src is zero and CF if (NOT dst) AND src is zero,
// clearing AF, OF, PF and SF.
func ptest(c *CPU, in *decoder.Inst) {
	s := c.readXmmArg(in, 1)
	d := c.s.XMM[in.Args[0].Reg]
	f := b2u(d[0]&s[0]|d[1]&s[1] == 0)*arch.ZF | b2u(^d[0]&s[0]|^d[1]&s[1] == 0)*arch.CF
	c.setStatus(arch.ArithFlags, f)
}

// shift: register forms take the count from the low quadword of the source,
// immediate forms from imm8; a count at least the lane width zeroes the lane
// (or fills it with the sign bit for an arithmetic shift).
func shift(w, kind int) handler {
	return func(c *CPU, in *decoder.Inst) {
		var n uint64
		if in.Args[1].Kind == decoder.ArgImm {
			n = uint64(uint8(in.Imm))
		} else {
			n = c.readXmmArg(in, 1)[0]
		}
		d := c.readXmmArg(in, 0)
		bitsW := uint64(w * 8)
		c.writeXmmArg(in, 0, mapLanes(d, d, w, func(x, _ uint64) uint64 {
			switch {
			case kind == 2:
				return uint64(sxw(x, w) >> min(n, bitsW-1))
			case n >= bitsW:
				return 0
			case kind == 0:
				return x << n
			}
			return x >> n
		}))
	}
}

func byteShift(right bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		n := int(uint8(in.Imm))
		d := c.s.XMM[in.Args[0].Reg]
		var r arch.Vec128
		for i := range 16 {
			k := i - n
			if right {
				k = i + n
			}
			if k >= 0 && k < 16 {
				setLane(&r, 1, i, lane(d, 1, k))
			}
		}
		c.s.XMM[in.Args[0].Reg] = r
	}
}

// pcmpstr implements pcmpestri/pcmpestrm (explicit lengths in rAX/rDX) and
// pcmpistri/pcmpistrm (lengths ending at the first zero element), per the
// SDM Vol. 2 section 4.1: imm8[1:0] source format, [3:2] aggregation,
// [5:4] polarity, [6] output selection.
func pcmpstr(explicit, mask bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		b := c.readXmmArg(in, 1)
		a := c.s.XMM[in.Args[0].Reg]
		imm := int(in.Imm)
		w := 1 + imm&1
		n := 16 / w
		signed := imm&2 != 0
		elem := func(v arch.Vec128, i int) int64 {
			x := lane(v, w, i)
			if signed {
				return sxw(x, w)
			}
			return int64(x)
		}
		var la, lb int
		if explicit {
			length := func(r uint64) int {
				var v int64
				if in.REX&8 != 0 {
					v = int64(r)
				} else {
					v = int64(int32(r))
				}
				if v < 0 {
					v = -v
					if v < 0 { // the most negative value
						return n
					}
				}
				return int(min(v, int64(n)))
			}
			la, lb = length(c.s.GPR[arch.RAX]), length(c.s.GPR[arch.RDX])
		} else {
			implicit := func(v arch.Vec128) int {
				for i := range n {
					if lane(v, w, i) == 0 {
						return i
					}
				}
				return n
			}
			la, lb = implicit(a), implicit(b)
		}
		// res(i, j) compares a[i] with b[j], with the invalid-element
		// overrides of SDM Table 4-7.
		agg := imm >> 2 & 3
		res := func(i, j int) bool {
			va, vb := i < la, j < lb
			switch {
			case va && vb:
				if agg == 1 {
					if i&1 == 0 {
						return elem(b, j) >= elem(a, i)
					}
					return elem(b, j) <= elem(a, i)
				}
				return elem(a, i) == elem(b, j)
			case !va && !vb:
				return agg >= 2
			case !va: // b valid
				return agg == 3
			}
			return false
		}
		var r1 uint32
		for j := range n {
			var bit bool
			switch agg {
			case 0:
				for i := range n {
					bit = bit || res(i, j)
				}
			case 1:
				for i := 0; i < n; i += 2 {
					bit = bit || res(i, j) && res(i+1, j)
				}
			case 2:
				bit = res(j, j)
			case 3:
				bit = true
				for i := 0; i < n-j; i++ {
					bit = bit && res(i, j+i)
				}
			}
			if bit {
				r1 |= 1 << j
			}
		}
		full := uint32(1)<<n - 1
		r2 := r1
		switch imm >> 4 & 3 {
		case 1:
			r2 = ^r1 & full
		case 3:
			r2 = r1 ^ (uint32(1)<<lb - 1)
		}
		if mask {
			var m arch.Vec128
			if imm&0x40 == 0 {
				m[0] = uint64(r2)
			} else {
				for i := range n {
					if r2>>i&1 != 0 {
						setLane(&m, w, i, laneMask(w))
					}
				}
			}
			c.s.XMM[0] = m
		} else {
			idx := n
			if r2 != 0 {
				if imm&0x40 == 0 {
					idx = bits.TrailingZeros32(r2)
				} else {
					idx = 31 - bits.LeadingZeros32(r2)
				}
			}
			c.s.GPR[arch.RCX] = uint64(idx)
		}
		f := b2u(r2 != 0)*arch.CF | b2u(lb < n)*arch.ZF | b2u(la < n)*arch.SF | uint64(r2&1)*arch.OF
		c.setStatus(arch.ArithFlags, f)
	}
}

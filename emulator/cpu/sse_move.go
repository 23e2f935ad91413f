package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// SSE data movement: whole-register moves, scalar and half moves, movd/movq,
// duplicates, masks, inserts and extracts, blends, shuffles and unpacks.

func init() {
	on(sse(mov128), "movups", "movupd", "movaps", "movapd", "movdqa", "movdqu", "lddqu",
		"movntdq", "movntps", "movntpd", "movntdqa")
	on(sse(movScalar), "movss")
	onForm(sse(movScalar), "movsd", "Vx,Wq")
	onForm(sse(movScalar), "movsd", "Wq,Vx")
	simd(movZeroExt, "movd", "movq", "movq2dq", "movdq2q", "movntq")
	on(sse(movHalf(0)), "movlps", "movlpd")
	on(sse(movHalf(1)), "movhps", "movhpd")
	on(sse(func(c *CPU, in *decoder.Inst) { movQwords(c, in, 1, 1) }), "movhlps")
	on(sse(func(c *CPU, in *decoder.Inst) { movQwords(c, in, 0, 0) }), "movlhps")
	on(sse(dup(4, [4]int{0, 0, 2, 2})), "movsldup")
	on(sse(dup(4, [4]int{1, 1, 3, 3})), "movshdup")
	on(sse(dup(8, [4]int{0, 0})), "movddup")
	simd(moveMask(1), "pmovmskb")
	on(sse(moveMask(4)), "movmskps")
	on(sse(moveMask(8)), "movmskpd")

	simd(pinsr(2), "pinsrw")
	on(sse(pinsr(1)), "pinsrb")
	on(sse(pinsr(4)), "pinsrd") // with REX.W: pinsrq
	simd(pextr(2), "pextrw")
	on(sse(pextr(1)), "pextrb")
	on(sse(pextr(4)), "pextrd", "extractps") // with REX.W: pextrq
	on(sse(insertps), "insertps")

	on(sse(blendImm(2)), "pblendw")
	on(sse(blendImm(4)), "blendps")
	on(sse(blendImm(8)), "blendpd")
	on(sse(blendVar(1)), "pblendvb")
	on(sse(blendVar(4)), "blendvps")
	on(sse(blendVar(8)), "blendvpd")

	on(sse(shufps), "shufps")
	on(sse(shufpd), "shufpd")
	onForm(sse(pshufd), "pshufd", "Vx")
	on(sse(pshufHalf(0)), "pshuflw")
	on(sse(pshufHalf(4)), "pshufhw")
	simd(pshufHalf(0), "pshufw")
	simd(pshufb, "pshufb")
	simd(palignr, "palignr")

	for _, u := range []struct {
		name string
		w    int
		high bool
	}{
		{"punpcklbw", 1, false}, {"punpcklwd", 2, false}, {"punpckldq", 4, false}, {"punpcklqdq", 8, false},
		{"punpckhbw", 1, true}, {"punpckhwd", 2, true}, {"punpckhdq", 4, true}, {"punpckhqdq", 8, true},
		{"unpcklps", 4, false}, {"unpcklpd", 8, false}, {"unpckhps", 4, true}, {"unpckhpd", 8, true},
	} {
		simd(unpack(u.w, u.high), u.name)
	}
	for _, p := range []struct {
		name   string
		w      int
		signed bool
	}{{"packsswb", 2, true}, {"packssdw", 4, true}, {"packuswb", 2, false}, {"packusdw", 4, false}} {
		simd(pack(p.w, p.signed), p.name)
	}
	for _, m := range []struct {
		name     string
		from, to int
		signed   bool
	}{
		{"pmovsxbw", 1, 2, true}, {"pmovsxbd", 1, 4, true}, {"pmovsxbq", 1, 8, true},
		{"pmovsxwd", 2, 4, true}, {"pmovsxwq", 2, 8, true}, {"pmovsxdq", 4, 8, true},
		{"pmovzxbw", 1, 2, false}, {"pmovzxbd", 1, 4, false}, {"pmovzxbq", 1, 8, false},
		{"pmovzxwd", 2, 4, false}, {"pmovzxwq", 2, 8, false}, {"pmovzxdq", 4, 8, false},
	} {
		on(sse(pmovx(m.from, m.to, m.signed)), m.name)
	}
}

func mov128(c *CPU, in *decoder.Inst) {
	c.writeXmmArg(in, 0, c.readXmmArg(in, 1))
}

// movss/movsd: a load from memory zeroes the rest of the register; a move
// between registers or a store touches only the low element.
func movScalar(c *CPU, in *decoder.Inst) {
	v := c.readXmmArg(in, 1)
	if in.Args[1].Kind == decoder.ArgMem {
		c.writeXmmArg(in, 0, v)
		return
	}
	if in.Args[0].Kind == decoder.ArgMem {
		c.writeXmmArg(in, 0, v)
		return
	}
	w := int(in.Args[1].Size)
	if in.Args[0].Size < in.Args[1].Size {
		w = int(in.Args[0].Size)
	}
	d := c.s.XMM[in.Args[0].Reg]
	setLane(&d, w, 0, lane(v, w, 0))
	c.s.XMM[in.Args[0].Reg] = d
}

// movd/movq (and MOVNTQ, MOVQ2DQ, MOVDQ2Q): the low 4 or 8 bytes,
// zero-extended into an XMM destination.
func movZeroExt(c *CPU, in *decoder.Inst) {
	n := int(min(in.Args[0].Size, in.Args[1].Size))
	v := c.readXmmArg(in, 1)
	v = arch.Vec128{v[0] & laneMask(n), 0}
	c.writeXmmArg(in, 0, v)
}

// movHalf moves quadword q of an XMM register to or from memory.
func movHalf(q int) handler {
	return func(c *CPU, in *decoder.Inst) {
		if in.Args[0].Kind == decoder.ArgMem {
			x := c.s.XMM[in.Args[1].Reg]
			c.write(c.ea(in), 8, x[q], in.Mem.Seg)
			return
		}
		v := c.read(c.ea(in), 8, in.Mem.Seg)
		c.s.XMM[in.Args[0].Reg][q] = v
	}
}

// movQwords: movhlps (dst.lo = src.hi) and movlhps (dst.hi = src.lo).
func movQwords(c *CPU, in *decoder.Inst, dq, sq int) {
	s := c.s.XMM[in.Args[1].Reg]
	if dq == 1 { // movhlps
		c.s.XMM[in.Args[0].Reg][0] = s[1]
		return
	}
	c.s.XMM[in.Args[0].Reg][1] = s[0]
}

// dup builds the destination from source lanes of width w by index.
func dup(w int, idx [4]int) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		var r arch.Vec128
		for i := range 16 / w {
			setLane(&r, w, i, lane(s, w, idx[i]))
		}
		c.s.XMM[in.Args[0].Reg] = r
	}
}

func moveMask(w int) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		var m uint64
		for i := range vecBytes(in.Args[1]) / w {
			m |= lane(s, w, i) >> (w*8 - 1) << i
		}
		c.setReg(in.Args[0].Reg, 4, m)
	}
}

func pinsr(w int) handler {
	return func(c *CPU, in *decoder.Inst) {
		ww := w
		if in.Args[1].Size == 8 {
			ww = 8
		}
		x := c.readXmmArg(in, 1)[0]
		d := c.readXmmArg(in, 0)
		setLane(&d, ww, int(in.Imm)&(vecBytes(in.Args[0])/ww-1), x)
		c.writeXmmArg(in, 0, d)
	}
}

// pextr writes a lane to a general register (zero-extended) or to memory.
func pextr(w int) handler {
	return func(c *CPU, in *decoder.Inst) {
		ww := w
		if in.Args[0].Size == 8 {
			ww = 8
		}
		x := lane(c.readXmmArg(in, 1), ww, int(in.Imm)&(vecBytes(in.Args[1])/ww-1))
		a := &in.Args[0]
		if a.Kind == decoder.ArgMem {
			c.write(c.ea(in), int(a.Size), x, in.Mem.Seg)
			return
		}
		c.setReg(a.Reg, max(a.Size, 4), x)
	}
}

func insertps(c *CPU, in *decoder.Inst) {
	imm := int(in.Imm)
	var x uint64
	if in.Args[1].Kind == decoder.ArgMem {
		x = c.readXmmArg(in, 1)[0]
	} else {
		x = lane(c.s.XMM[in.Args[1].Reg], 4, imm>>6&3)
	}
	d := c.s.XMM[in.Args[0].Reg]
	setLane(&d, 4, imm>>4&3, x)
	for i := range 4 {
		if imm>>i&1 != 0 {
			setLane(&d, 4, i, 0)
		}
	}
	c.s.XMM[in.Args[0].Reg] = d
}

// blendImm takes lane i from the source when imm8 bit i is set.
func blendImm(w int) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		d := c.s.XMM[in.Args[0].Reg]
		for i := range 16 / w {
			if in.Imm>>i&1 != 0 {
				setLane(&d, w, i, lane(s, w, i))
			}
		}
		c.s.XMM[in.Args[0].Reg] = d
	}
}

// blendVar takes lane i from the source when lane i of XMM0 has its top bit set.
func blendVar(w int) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		m := c.s.XMM[0]
		d := c.s.XMM[in.Args[0].Reg]
		for i := range 16 / w {
			if lane(m, w, i)>>(w*8-1) != 0 {
				setLane(&d, w, i, lane(s, w, i))
			}
		}
		c.s.XMM[in.Args[0].Reg] = d
	}
}

func shufps(c *CPU, in *decoder.Inst) {
	s := c.readXmmArg(in, 1)
	d := c.s.XMM[in.Args[0].Reg]
	imm := int(in.Imm)
	var r arch.Vec128
	setLane(&r, 4, 0, lane(d, 4, imm&3))
	setLane(&r, 4, 1, lane(d, 4, imm>>2&3))
	setLane(&r, 4, 2, lane(s, 4, imm>>4&3))
	setLane(&r, 4, 3, lane(s, 4, imm>>6&3))
	c.s.XMM[in.Args[0].Reg] = r
}

func shufpd(c *CPU, in *decoder.Inst) {
	s := c.readXmmArg(in, 1)
	d := c.s.XMM[in.Args[0].Reg]
	c.s.XMM[in.Args[0].Reg] = arch.Vec128{d[in.Imm&1], s[in.Imm>>1&1]}
}

func pshufd(c *CPU, in *decoder.Inst) {
	s := c.readXmmArg(in, 1)
	var r arch.Vec128
	for i := range 4 {
		setLane(&r, 4, i, lane(s, 4, int(in.Imm)>>(2*i)&3))
	}
	c.s.XMM[in.Args[0].Reg] = r
}

// pshufHalf shuffles the four words starting at word base; the other half
// is copied. PSHUFW is the low half of an MMX register.
func pshufHalf(base int) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		r := s
		for i := range 4 {
			setLane(&r, 2, base+i, lane(s, 2, base+int(in.Imm)>>(2*i)&3))
		}
		c.writeXmmArg(in, 0, r)
	}
}

// pshufb: a control byte with bit 7 set zeroes its byte, else its low 4
// bits (3 for MMX) pick a byte of the destination.
func pshufb(c *CPU, in *decoder.Inst) {
	s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
	n := vecBytes(in.Args[0])
	var r arch.Vec128
	for i := range n {
		if k := lane(s, 1, i); k&0x80 == 0 {
			setLane(&r, 1, i, lane(d, 1, int(k)&(n-1)))
		}
	}
	c.writeXmmArg(in, 0, r)
}

// palignr shifts the concatenation dst:src (32 bytes, 16 for MMX) right by
// imm8 bytes.
func palignr(c *CPU, in *decoder.Inst) {
	s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
	w := vecBytes(in.Args[0])
	n := int(uint8(in.Imm))
	var r arch.Vec128
	for i := range w {
		k := i + n
		switch {
		case k < w:
			setLane(&r, 1, i, lane(s, 1, k))
		case k < 2*w:
			setLane(&r, 1, i, lane(d, 1, k-w))
		}
	}
	c.writeXmmArg(in, 0, r)
}

// unpack interleaves the low (or high) halves of dst and src.
func unpack(w int, high bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
		n := vecBytes(in.Args[0]) / w
		base := 0
		if high {
			base = n / 2
		}
		var r arch.Vec128
		for i := range n / 2 {
			setLane(&r, w, 2*i, lane(d, w, base+i))
			setLane(&r, w, 2*i+1, lane(s, w, base+i))
		}
		c.writeXmmArg(in, 0, r)
	}
}

// pack narrows the signed w-byte lanes of dst then src to w/2 bytes with
// signed or unsigned saturation.
func pack(w int, signed bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		s, d := c.readXmmArg(in, 1), c.readXmmArg(in, 0)
		n := vecBytes(in.Args[0]) / w
		var r arch.Vec128
		for i := range 2 * n {
			src := d
			if i >= n {
				src = s
			}
			x := sxw(lane(src, w, i%n), w)
			if signed {
				setLane(&r, w/2, i, satS(x, w/2))
			} else {
				setLane(&r, w/2, i, satU(x, w/2))
			}
		}
		c.writeXmmArg(in, 0, r)
	}
}

// pmovx widens the low lanes of the source from `from` to `to` bytes.
func pmovx(from, to int, signed bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		var r arch.Vec128
		for i := range 16 / to {
			x := lane(s, from, i)
			if signed {
				x = uint64(sxw(x, from))
			}
			setLane(&r, to, i, x)
		}
		c.s.XMM[in.Args[0].Reg] = r
	}
}

package cpu

import (
	"encoding/binary"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// SSE/SSE2/SSE3/SSE4.1 floating point: arithmetic, min/max, compares,
// conversions, rounding, horizontal and dot products, RCP/RSQRT, and the
// MXCSR and FXSAVE state instructions. The arithmetic is in softfloat.go.

// fpLaneFn computes result lane i from destination lane a and source lane b.
type fpLaneFn func(e *fpEnv, in *decoder.Inst, i int, a, b uint64) uint64

// fpMap is the one lane mapper: packed forms compute every lane of format
// ft, scalar forms lane 0 only and keep the rest of the destination.
func fpMap(ft ffmt, scalar bool, f fpLaneFn) handler {
	n := 16 / ft.w
	if scalar {
		n = 1
	}
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		d := c.s.XMM[in.Args[0].Reg]
		e := newFPEnv(c.s.MXCSR)
		r := d
		for i := range n {
			setLane(&r, ft.w, i, f(&e, in, i, lane(d, ft.w, i), lane(s, ft.w, i)))
		}
		c.fpCommit(&e)
		c.s.XMM[in.Args[0].Reg] = r
	}
}

// fpCommit folds an instruction's exception flags into MXCSR and, for an
// unmasked one, raises #XM (#UD without CR4.OSXMMEXCPT) before the
// destination is written. An unmasked pre-computation exception (IE, DE, ZE)
// in any lane stops the instruction before the post-computation ones are
// looked at; otherwise every flag of every lane is recorded (SDM Vol. 1
// 11.5.1 and 11.5.2). The flags of completed steps (fpEnv.step) are
// recorded either way.
func (c *CPU) fpCommit(e *fpEnv) {
	unmasked := ^(e.mxcsr >> 7) & 0x3f
	if pre := e.flags & mxPre; pre&unmasked != 0 {
		c.s.MXCSR |= e.done | pre
		c.fpFault()
	}
	c.s.MXCSR |= e.done | e.flags
	if (e.done|e.flags)&unmasked != 0 {
		c.fpFault()
	}
}

func (c *CPU) fpFault() {
	if c.s.CR4&arch.CR4OSXMMEXCPT == 0 {
		c.raise(arch.VecUD)
	}
	c.raise(arch.VecXM)
}

// fpForms are the four forms of a ps/pd/ss/sd family.
var fpForms = []struct {
	suffix string
	ft     ffmt
	scalar bool
}{{"ps", f32, false}, {"pd", f64, false}, {"ss", f32, true}, {"sd", f64, true}}

// Comparison predicates by CMPPS imm8[2:0] (legacy SSE ignores the upper
// bits): which orders are true, and whether a QNaN raises IE.
var cmpPredicates = [8]struct {
	true      [4]bool // by cmpLess, cmpEqual, cmpGreater, cmpUnordered
	signaling bool
}{
	{[4]bool{false, true, false, false}, false}, // EQ
	{[4]bool{true, false, false, false}, true},  // LT
	{[4]bool{true, true, false, false}, true},   // LE
	{[4]bool{false, false, false, true}, false}, // UNORD
	{[4]bool{true, false, true, true}, false},   // NEQ
	{[4]bool{false, true, true, true}, true},    // NLT
	{[4]bool{false, false, true, true}, true},   // NLE
	{[4]bool{true, true, true, false}, false},   // ORD
}

func init() {
	for _, fm := range fpForms {
		ft := fm.ft
		for _, op := range []struct {
			name string
			op   int
		}{{"add", opFAdd}, {"sub", opFSub}, {"mul", opFMul}, {"div", opFDiv}} {
			op := op.op
			on(sse(fpMap(ft, fm.scalar, func(e *fpEnv, _ *decoder.Inst, _ int, a, b uint64) uint64 {
				return e.arith(ft, op, a, b)
			})), opName(op)+fm.suffix)
		}
		on(sse(fpMap(ft, fm.scalar, func(e *fpEnv, _ *decoder.Inst, _ int, _, b uint64) uint64 {
			return e.sqrt(ft, b)
		})), "sqrt"+fm.suffix)
		on(sse(fpMap(ft, fm.scalar, func(e *fpEnv, _ *decoder.Inst, _ int, a, b uint64) uint64 {
			return e.minMax(ft, a, b, false)
		})), "min"+fm.suffix)
		on(sse(fpMap(ft, fm.scalar, func(e *fpEnv, _ *decoder.Inst, _ int, a, b uint64) uint64 {
			return e.minMax(ft, a, b, true)
		})), "max"+fm.suffix)
		on(sse(fpMap(ft, fm.scalar, func(e *fpEnv, in *decoder.Inst, _ int, a, b uint64) uint64 {
			p := cmpPredicates[in.Imm&7]
			if p.true[e.compare(ft, a, b, p.signaling)] {
				return laneMask(ft.w)
			}
			return 0
		})), "cmp"+fm.suffix)
		on(sse(fpMap(ft, fm.scalar, func(e *fpEnv, in *decoder.Inst, _ int, _, b uint64) uint64 {
			rc := int(in.Imm & 3)
			if in.Imm&4 != 0 {
				rc = e.rc
			}
			return e.roundInt(ft, b, rc, in.Imm&8 != 0)
		})), "round"+fm.suffix)
	}
	for _, fm := range fpForms[:2] {
		ft := fm.ft
		on(sse(fpMap(ft, false, func(e *fpEnv, _ *decoder.Inst, i int, a, b uint64) uint64 {
			if i&1 == 0 {
				return e.arith(ft, opFSub, a, b)
			}
			return e.arith(ft, opFAdd, a, b)
		})), "addsub"+fm.suffix)
		on(sse(horizontal2(ft, opFAdd)), "hadd"+fm.suffix)
		on(sse(horizontal2(ft, opFSub)), "hsub"+fm.suffix)
	}
	for _, fm := range []struct {
		suffix string
		scalar bool
	}{{"ps", false}, {"ss", true}} {
		on(sse(fpMap(f32, fm.scalar, func(_ *fpEnv, _ *decoder.Inst, _ int, _, b uint64) uint64 {
			return approx(b, false)
		})), "rcp"+fm.suffix)
		on(sse(fpMap(f32, fm.scalar, func(_ *fpEnv, _ *decoder.Inst, _ int, _, b uint64) uint64 {
			return approx(b, true)
		})), "rsqrt"+fm.suffix)
	}
	on(sse(comi(f32, true)), "comiss")
	on(sse(comi(f64, true)), "comisd")
	on(sse(comi(f32, false)), "ucomiss")
	on(sse(comi(f64, false)), "ucomisd")

	for _, cv := range []struct {
		name         string
		from, to     numKind
		n            int
		merge, trunc bool
	}{
		{"cvtsi2ss", kI32, kF32, 1, true, false}, {"cvtsi2sd", kI32, kF64, 1, true, false},
		{"cvtss2si", kF32, kI32, 1, false, false}, {"cvtsd2si", kF64, kI32, 1, false, false},
		{"cvttss2si", kF32, kI32, 1, false, true}, {"cvttsd2si", kF64, kI32, 1, false, true},
		{"cvtss2sd", kF32, kF64, 1, true, false}, {"cvtsd2ss", kF64, kF32, 1, true, false},
		{"cvtps2pd", kF32, kF64, 2, false, false}, {"cvtpd2ps", kF64, kF32, 2, false, false},
		{"cvtdq2ps", kI32, kF32, 4, false, false}, {"cvtps2dq", kF32, kI32, 4, false, false},
		{"cvttps2dq", kF32, kI32, 4, false, true}, {"cvtdq2pd", kI32, kF64, 2, false, false},
		{"cvtpd2dq", kF64, kI32, 2, false, false}, {"cvttpd2dq", kF64, kI32, 2, false, true},
		{"cvtpi2ps", kI32, kF32, 2, true, false}, {"cvtpi2pd", kI32, kF64, 2, false, false},
		{"cvtps2pi", kF32, kI32, 2, false, false}, {"cvttps2pi", kF32, kI32, 2, false, true},
		{"cvtpd2pi", kF64, kI32, 2, false, false}, {"cvttpd2pi", kF64, kI32, 2, false, true},
	} {
		simd(convert(cv.from, cv.to, cv.n, cv.merge, cv.trunc), cv.name)
	}

	on(sse(ldmxcsr), "ldmxcsr")
	on(sse(stmxcsr), "stmxcsr")
	on(fxsave, "fxsave")
	on(fxrstor, "fxrstor")
}

func opName(op int) string { return [...]string{"add", "sub", "mul", "div"}[op] }

// horizontal2 combines adjacent lanes of the destination, then the source
// (HADDPS/HSUBPS/HADDPD/HSUBPD): the lower lane is the first operand.
func horizontal2(ft ffmt, op int) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		d := c.s.XMM[in.Args[0].Reg]
		e := newFPEnv(c.s.MXCSR)
		n := 16 / ft.w
		var r arch.Vec128
		for i := range n {
			src, j := d, 2*i
			if i >= n/2 {
				src, j = s, 2*(i-n/2)
			}
			setLane(&r, ft.w, i, e.arith(ft, op, lane(src, ft.w, j), lane(src, ft.w, j+1)))
		}
		c.fpCommit(&e)
		c.s.XMM[in.Args[0].Reg] = r
	}
}

// comi is COMISS/COMISD (signaling: any NaN raises IE) and UCOMISS/UCOMISD
// (only an SNaN does): ZF, PF, CF from the order, OF, SF, AF cleared.
func comi(ft ffmt, signaling bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		b := lane(c.readXmmArg(in, 1), ft.w, 0)
		a := lane(c.s.XMM[in.Args[0].Reg], ft.w, 0)
		e := newFPEnv(c.s.MXCSR)
		var f uint64
		switch e.compare(ft, a, b, signaling) {
		case cmpUnordered:
			f = arch.ZF | arch.PF | arch.CF
		case cmpLess:
			f = arch.CF
		case cmpEqual:
			f = arch.ZF
		}
		c.fpCommit(&e)
		c.setStatus(arch.ArithFlags, f)
	}
}

// numKind is a lane type of a conversion.
type numKind struct {
	f     ffmt
	isInt bool
	w     int
}

var (
	kF32 = numKind{f: f32, w: 4}
	kF64 = numKind{f: f64, w: 8}
	kI32 = numKind{isInt: true, w: 4}
	kI64 = numKind{isInt: true, w: 8}
)

// convert converts n lanes; merge keeps the destination's other lanes
// (scalar forms), otherwise they are zeroed. A general-register operand's
// size (REX.W) picks a 32- or 64-bit integer.
func convert(from, to numKind, n int, merge, trunc bool) handler {
	return func(c *CPU, in *decoder.Inst) {
		fr, t := from, to
		if fr.isInt && n == 1 && in.Args[1].Size == 8 {
			fr = kI64
		}
		if a := in.Args[0]; a.Kind == decoder.ArgReg && a.Size == 8 {
			t = kI64
		}
		s := c.readXmmArg(in, 1)
		e := newFPEnv(c.s.MXCSR)
		rc := e.rc
		if trunc {
			rc = rcZero
		}
		var r arch.Vec128
		if merge {
			r = c.s.XMM[in.Args[0].Reg]
		}
		for i := range n {
			x := lane(s, fr.w, i)
			var y uint64
			switch {
			case fr.isInt:
				y = e.fromInt(t.f, sxw(x, fr.w))
			case t.isInt:
				y = e.toInt(fr.f, x, t.w, rc)
			default:
				y = e.convert(fr.f, t.f, x)
			}
			setLane(&r, t.w, i, y)
		}
		c.enterMMX(in) // before an unmasked exception (silicon, AMD)
		c.fpCommit(&e)
		c.writeXmmArg(in, 0, r)
	}
}

// mxcsrMask is the MXCSR bits this CPU implements (DAZ included); setting
// any other bit is #GP(0). FXSAVE reports the profile's MXCSRMask, which on
// AMD includes MM (bit 17), a mode the emulator does not model (the amd
// profile's mxcsr-mm gap).
const mxcsrMask = 0xffff

func ldmxcsr(c *CPU, in *decoder.Inst) {
	v := uint32(c.read(c.ea(in), 4, in.Mem.Seg))
	if v&^mxcsrMask != 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	c.s.MXCSR = v
}

func stmxcsr(c *CPU, in *decoder.Inst) {
	c.write(c.ea(in), 4, uint64(c.s.MXCSR), in.Mem.Seg)
}

// fxCheck makes FXSAVE/FXRSTOR's checks: #UD if CR0.EM, #NM if CR0.TS
// (they do not need CR4.OSFXSR), #GP(0) for a misaligned area.
func (c *CPU) fxCheck(in *decoder.Inst) uint64 {
	if c.s.CR0&arch.CR0EM != 0 {
		c.raise(arch.VecUD)
	}
	if c.s.CR0&arch.CR0TS != 0 {
		c.raise(arch.VecNM)
	}
	return c.xmmAddr(in)
}

// fxsave stores the 512-byte FXSAVE area (SDM Vol. 1 Table 10-2; with
// REX.W the FXSAVE64 layout, 64-bit FIP/FDP). The reserved bytes 10-15 of
// each ST slot are stored as zeros (as silicon does, measured on AMD; Bochs
// too); bytes 416-511 keep their contents. The selectors (FCS, FDS) are not modelled and store as 0.
// Without CR4.OSFXSR, MXCSR and the XMM registers are not saved (the SDM
// leaves it implementation dependent; this follows QEMU).
func fxsave(c *CPU, in *decoder.Inst) {
	a := c.fxCheck(in)
	var img [512]byte
	// A fault is a store's (#PF with W: silicon), and comes before anything
	// is written; bytes 416-511 are read to be kept.
	c.probeWrite(a, len(img), in.Mem.Seg)
	c.readBytes(a, img[:], in.Mem.Seg)
	x := &c.s.X87
	le := binary.LittleEndian
	le.PutUint16(img[0:], x.FCW)
	le.PutUint16(img[2:], x.FSW)
	img[4], img[5] = x.FTW, 0
	le.PutUint16(img[6:], x.FOP)
	if in.REX&8 != 0 {
		le.PutUint64(img[8:], x.FIP)
		le.PutUint64(img[16:], x.FDP)
	} else {
		le.PutUint64(img[8:], x.FIP&0xffffffff)
		le.PutUint64(img[16:], x.FDP&0xffffffff)
	}
	for i := range x.ST {
		copy(img[32+16*i:], x.ST[i][:])
		clear(img[42+16*i : 48+16*i])
	}
	if c.s.CR4&arch.CR4OSFXSR != 0 {
		le.PutUint32(img[24:], c.s.MXCSR)
		le.PutUint32(img[28:], c.prof.MXCSRMask)
		for i, v := range c.s.XMM {
			le.PutUint64(img[160+16*i:], v[0])
			le.PutUint64(img[168+16*i:], v[1])
		}
	}
	c.writeBytes(a, img[:], in.Mem.Seg)
}

// fxrstor loads the FXSAVE area; reserved MXCSR bits set in it are #GP(0)
// before anything is loaded.
func fxrstor(c *CPU, in *decoder.Inst) {
	a := c.fxCheck(in)
	var img [512]byte
	c.readBytes(a, img[:], in.Mem.Seg)
	le := binary.LittleEndian
	osfxsr := c.s.CR4&arch.CR4OSFXSR != 0
	mx := le.Uint32(img[24:])
	if osfxsr && mx&^mxcsrMask != 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	x := &c.s.X87
	x.FCW, x.FSW, x.FTW, x.FOP = le.Uint16(img[0:]), le.Uint16(img[2:]), img[4], le.Uint16(img[6:])
	x.FIP, x.FDP = le.Uint64(img[8:]), le.Uint64(img[16:])
	if in.REX&8 == 0 {
		x.FIP &= 0xffffffff
		x.FDP &= 0xffffffff
	}
	for i := range x.ST {
		copy(x.ST[i][:], img[32+16*i:])
	}
	if osfxsr {
		c.s.MXCSR = mx
		for i := range c.s.XMM {
			c.s.XMM[i] = arch.Vec128{le.Uint64(img[160+16*i:]), le.Uint64(img[168+16*i:])}
		}
	}
}

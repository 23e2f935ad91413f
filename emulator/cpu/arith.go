package cpu

import (
	"math/bits"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Shifts and rotates, double shifts, multiplication, division, the sign
// extensions of the accumulator, XADD, CMPXCHG and ADCX/ADOX.

func init() {
	on(shl, "shl", "sal")
	on(shr, "shr")
	on(sar, "sar")
	on(rol, "rol")
	on(ror, "ror")
	on(rcl, "rcl")
	on(rcr, "rcr")
	on(shld, "shld")
	on(shrd, "shrd")
	on(mul, "mul")
	onForm(imul1, "imul", "Eb")
	onForm(imul1, "imul", "Ev")
	onForm(imulN, "imul", "Gv,Ev")
	on(div, "div")
	on(idiv, "idiv")
	on(cbw, "cbw")
	on(cwd, "cwd")
	on(xadd, "xadd")
	on(cmpxchg, "cmpxchg")
	on(cmpxchg8b, "cmpxchg8b")
	on(adcx, "adcx")
	on(adox, "adox")
}

// shCount reads the count operand (the last one: CL or an immediate) of a
// shift, rotate or double shift, masked to 5 bits (6 for 64-bit operands).
func (c *CPU) shCount(in *decoder.Inst) uint {
	var n uint64
	last := &in.Args[in.NArgs-1]
	if last.Kind == decoder.ArgReg {
		n = c.reg(last.Reg, 1)
	} else {
		n = uint64(uint8(in.Imm))
	}
	if in.Args[0].Size == 8 {
		return uint(n & 63)
	}
	return uint(n & 31)
}

// shiftFlags sets CF, OF, SF, ZF and PF after a shift with a non-zero
// count, and AF as the profile says (it is undefined).
func (c *CPU) shiftFlags(res uint64, size uint8, cf, of bool) {
	c.setStatus(arch.ArithFlags, szp(res, size)|b2u(cf)*arch.CF|b2u(of)*arch.OF|b2u(c.prof.ShiftSetsAF)*arch.AF)
}

// A zero count changes neither the flags nor the destination, but a 32-bit
// register destination is still written (its upper half zeroed), as on
// Intel hardware.

func shl(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	w := uint(d.size) * 8
	r := (x << n) & masks[d.size]
	cf := (x<<(n-1))>>(w-1)&1 != 0
	c.store(d, r)
	// OF is defined for 1-bit shifts: MSB(result) XOR CF; the same formula
	// is used for every count.
	c.shiftFlags(r, d.size, cf, (r&signBit(d.size) != 0) != cf)
}

func shr(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	r := x >> n
	cf := x>>(n-1)&1 != 0
	c.store(d, r)
	// OF for a 1-bit shift is the MSB of the operand shifted: the original
	// one, or the one of the last 1-bit step (0 above a count of 1).
	of := x&signBit(d.size) != 0
	if c.prof.ShiftOFLastStep {
		of = (x>>(n-1))&signBit(d.size) != 0
	}
	c.shiftFlags(r, d.size, cf, of)
}

func sar(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	s := int64(sx(x, d.size))
	r := uint64(s>>n) & masks[d.size]
	cf := (s>>(n-1))&1 != 0
	c.store(d, r)
	c.shiftFlags(r, d.size, cf, false)
}

// Rotates change only CF and OF. OF is defined for 1-bit rotates; the
// emulator applies the 1-bit formula at every count.

func rol(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	w := uint(d.size) * 8
	k := n % w
	r := (x<<k | x>>(w-k)) & masks[d.size]
	c.store(d, r)
	cf := r&1 != 0
	msb := r&signBit(d.size) != 0
	c.setStatus(arch.CF|arch.OF, b2u(cf)*arch.CF|b2u(msb != cf)*arch.OF)
}

func ror(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	w := uint(d.size) * 8
	k := n % w
	r := (x>>k | x<<(w-k)) & masks[d.size]
	c.store(d, r)
	msb := r>>(w-1)&1 != 0
	msb1 := r>>(w-2)&1 != 0
	c.setStatus(arch.CF|arch.OF, b2u(msb)*arch.CF|b2u(msb != msb1)*arch.OF)
}

// rcCount is the rotate-through-carry count: mod 9 and mod 17 for 8- and
// 16-bit operands.
func rcCount(n uint, size uint8) uint {
	switch size {
	case 1:
		return n % 9
	case 2:
		return n % 17
	}
	return n
}

func rcl(c *CPU, in *decoder.Inst) { rotateCarry(c, in, true) }

func rcr(c *CPU, in *decoder.Inst) { rotateCarry(c, in, false) }

// rotateCarry runs RCL (left) or RCR: a rotate of the w+1-bit value CF:dest
// by the count mod w+1. OF takes the count-1 formula at any count (it is
// undefined otherwise): for RCL the new CF XOR the result's top bit, for
// RCR the XOR of the result's two top bits (MSB(dest) XOR CF before).
func rotateCarry(c *CPU, in *decoder.Inst, left bool) {
	d, x := c.rmwArg(in, 0)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	w := uint(d.size) * 8
	k := rcCount(n, d.size)
	cin := b2u(c.cf())
	r, cf := x, cin
	if k != 0 {
		// Go shifts by >= 64 give 0, which is what the 65-bit rotate needs.
		if left {
			r, cf = x<<k|cin<<(k-1)|x>>(w+1-k), x>>(w-k)&1
		} else {
			r, cf = x>>k|cin<<(w-k)|x<<(w+1-k), x>>(k-1)&1
		}
		r &= masks[d.size]
	}
	c.store(d, r)
	of := r>>(w-1)&1 ^ cf
	if !left {
		of = (r>>(w-1) ^ r>>(w-2)) & 1
	}
	c.setStatus(arch.CF|arch.OF, cf*arch.CF|of*arch.OF)
}

// SHLD and SHRD. For a 16-bit operand with a count above 16 the SDM leaves
// the result and flags undefined: the Intel profile shifts the 48-bit
// concatenation dest:src:dest (SHLD) or dest:src:dest from the other end
// (SHRD), as Bochs models Intel hardware, and takes CF as the last bit
// shifted out of it; the AMD profile rotates the source (Profile.
// DoubleShift16Rotates).
func shld(c *CPU, in *decoder.Inst) { doubleShift(c, in, true) }

func shrd(c *CPU, in *decoder.Inst) { doubleShift(c, in, false) }

func doubleShift(c *CPU, in *decoder.Inst, left bool) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1)
	n := c.shCount(in)
	if n == 0 {
		c.store(d, x)
		return
	}
	var r, cf uint64
	w := uint(d.size) * 8
	if d.size == 2 && n >= 16 && c.prof.DoubleShift16Rotates {
		doubleShift16AMD(c, d, x, y, n, left)
		return
	}
	switch {
	case d.size == 2 && left:
		v := x<<32 | y<<16 | x
		r, cf = v>>(32-n)&0xffff, v>>(48-n)&1
	case d.size == 2:
		v := x | y<<16 | x<<32
		r, cf = v>>n&0xffff, v>>(n-1)&1
	case left:
		r, cf = (x<<n|y>>(w-n))&masks[d.size], x>>(w-n)&1
	default:
		r, cf = (x>>n|y<<(w-n))&masks[d.size], x>>(n-1)&1
	}
	c.store(d, r)
	of := (r^x)&signBit(d.size) != 0
	if c.prof.ShiftOFLastStep {
		of = c.lastStepOF(r, d.size, cf != 0, left)
	}
	c.shiftFlags(r, d.size, cf != 0, of)
}

// lastStepOF is the 1-bit formula for OF applied to the last step of a
// double shift: MSB(result) XOR CF to the left, the two top bits of the
// result to the right.
func (c *CPU) lastStepOF(r uint64, size uint8, cf, left bool) bool {
	msb := r&signBit(size) != 0
	if left {
		return msb != cf
	}
	return msb != (r&(signBit(size)>>1) != 0)
}

// doubleShift16AMD is a 16-bit SHLD/SHRD by 16 to 31 on AMD (measured):
// at 16 the result is the source and CF the last bit of the destination
// shifted out (OF = CF for SHLD); above 16 the source rotated by count-16,
// with CF = 0 and, for SHLD, OF = 0. SHRD's OF is the last-step formula.
func doubleShift16AMD(c *CPU, d rmw, x, y uint64, n uint, left bool) {
	k := n - 16
	var r, cf uint64
	switch {
	case left:
		r = (y<<k | y>>(16-k)) & 0xffff
		if k == 0 {
			cf = x & 1
		}
	default:
		r = (y>>k | y<<(16-k)) & 0xffff
		if k == 0 {
			cf = x >> 15 & 1
		}
	}
	c.store(d, r)
	of := c.lastStepOF(r, 2, cf != 0, false)
	if left {
		of = cf != 0
	}
	c.shiftFlags(r, 2, cf != 0, of)
}

// mulFlags sets CF = OF = ovf and, as the profile says, SF, ZF and PF from
// the low half lo with AF cleared, or leaves them (they are undefined).
func (c *CPU) mulFlags(lo uint64, size uint8, ovf bool) {
	if c.prof.MulKeepsFlags {
		c.setStatus(arch.CF|arch.OF, b2u(ovf)*(arch.CF|arch.OF))
		return
	}
	c.setStatus(arch.ArithFlags, szp(lo, size)|b2u(ovf)*(arch.CF|arch.OF))
}

// divFlags writes the flags after a DIV or IDIV (all undefined) as the
// profile says: unchanged, or SF = ZF = PF = 0 and AF = 1.
func (c *CPU) divFlags() {
	if c.prof.DivSetsFlags {
		c.setStatus(arch.SF|arch.ZF|arch.PF|arch.AF, arch.AF)
	}
}

// setWide writes a register pair: the double-width product of the
// one-operand multiplies, or a division's remainder (hi) and quotient (lo):
// AH:AL as AX for bytes, else rDX:rAX.
func (c *CPU) setWide(size uint8, hi, lo uint64) {
	if size == 1 {
		c.setReg(arch.RAX, 2, hi<<8|lo&0xff)
		return
	}
	c.setReg(arch.RAX, size, lo)
	c.setReg(arch.RDX, size, hi)
}

func mul(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	y := c.arg(in, 0)
	x := c.reg(arch.RAX, size)
	var hi, lo uint64
	if size == 8 {
		hi, lo = bits.Mul64(x, y)
	} else {
		p := x * y
		w := uint(size) * 8
		hi, lo = p>>w, p&masks[size]
	}
	c.setWide(size, hi, lo)
	c.mulFlags(lo, size, hi != 0)
}

// imul64 is the signed 128-bit product of x and y.
func imul64(x, y uint64) (hi, lo uint64) {
	hi, lo = bits.Mul64(x, y)
	if int64(x) < 0 {
		hi -= y
	}
	if int64(y) < 0 {
		hi -= x
	}
	return hi, lo
}

// imulSized returns the signed product of two size-byte values as hi:lo
// (each size bytes, masked) and whether it overflows size bytes.
func imulSized(x, y uint64, size uint8) (hi, lo uint64, ovf bool) {
	if size == 8 {
		hi, lo = imul64(x, y)
		return hi, lo, hi != uint64(int64(lo)>>63)
	}
	p := int64(sx(x, size)) * int64(sx(y, size))
	w := uint(size) * 8
	lo = uint64(p) & masks[size]
	hi = uint64(p>>w) & masks[size]
	return hi, lo, uint64(p) != sx(lo, size)
}

func imul1(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	y := c.arg(in, 0)
	hi, lo, ovf := imulSized(c.reg(arch.RAX, size), y, size)
	c.setWide(size, hi, lo)
	c.mulFlags(lo, size, ovf)
}

// imulN is the two- and three-operand IMUL: the product is truncated to the
// destination's size.
func imulN(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	var x, y uint64
	if in.NArgs == 3 {
		x, y = c.arg(in, 1), c.arg(in, 2)&masks[size]
	} else {
		x, y = c.reg(in.Args[0].Reg, size), c.arg(in, 1)
	}
	_, lo, ovf := imulSized(x, y, size)
	c.setReg(in.Args[0].Reg, size, lo)
	c.mulFlags(lo, size, ovf)
}

// dividend reads AX, DX:AX, EDX:EAX or RDX:RAX.
func (c *CPU) dividend(size uint8) (hi, lo uint64) {
	if size == 1 {
		v := c.reg(arch.RAX, 2)
		return v >> 8, v & 0xff
	}
	return c.reg(arch.RDX, size), c.reg(arch.RAX, size)
}

// DIV and IDIV raise #DE for a zero divisor and for a quotient that does
// not fit; the flags are undefined (divFlags).
func div(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	y := c.arg(in, 0)
	hi, lo := c.dividend(size)
	if y == 0 || hi >= y {
		c.raise(arch.VecDE)
	}
	var q, r uint64
	if size == 8 {
		q, r = bits.Div64(hi, lo, y)
	} else {
		v := hi<<(uint(size)*8) | lo
		q, r = v/y, v%y
	}
	c.setWide(size, r, q)
	c.divFlags()
}

func idiv(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	y := c.arg(in, 0)
	hi, lo := c.dividend(size)
	if y == 0 {
		c.raise(arch.VecDE)
	}
	// The magnitudes of the double-width dividend and the divisor.
	w := uint(size) * 8
	var nhi, nlo uint64 // the dividend as a 128-bit two's complement value
	if size == 8 {
		nhi, nlo = hi, lo
	} else {
		v := sx(hi<<w|lo, size*2)
		if size == 4 {
			v = hi<<32 | lo
		}
		nhi, nlo = uint64(int64(v)>>63), v
	}
	negA := int64(nhi) < 0
	if negA {
		var b uint64
		nlo, b = bits.Sub64(0, nlo, 0)
		nhi, _ = bits.Sub64(0, nhi, b)
	}
	sy := sx(y, size)
	negB := int64(sy) < 0
	if negB {
		sy = -sy
	}
	if nhi >= sy {
		c.raise(arch.VecDE)
	}
	q, r := bits.Div64(nhi, nlo, sy)
	limit := signBit(size) // |quotient| may reach 2^(w-1) only when negative
	if negA != negB {
		if q > limit {
			c.raise(arch.VecDE)
		}
		q = -q
	} else if q >= limit {
		c.raise(arch.VecDE)
	}
	if negA {
		r = -r
	}
	c.setWide(size, r&masks[size], q&masks[size])
	c.divFlags()
}

// cbw is CBW, CWDE or CDQE by operand size.
func cbw(c *CPU, in *decoder.Inst) {
	s := in.OpSize
	c.setReg(arch.RAX, s, sx(c.reg(arch.RAX, s/2), s/2))
}

// cwd is CWD, CDQ or CQO by operand size.
func cwd(c *CPU, in *decoder.Inst) {
	s := in.OpSize
	c.setReg(arch.RDX, s, uint64(int64(sx(c.reg(arch.RAX, s), s))>>63))
}

// xadd: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (the destination is
// written last for a register, so xadd r, r leaves the sum; memory is
// written before the register).
func xadd(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	y := c.arg(in, 1)
	r := x + y
	if d.mem {
		c.store(d, r)
		c.setArg(in, 1, x)
	} else {
		c.setArg(in, 1, x)
		c.store(d, r)
	}
	c.setLazy(lazyAdd, d.size, x, y, r)
}

// cmpxchg compares the accumulator with the destination. On success the
// destination gets the source; on failure the accumulator gets the
// destination and a memory destination is written back unchanged. As on
// Intel hardware, a 32-bit register is zero-extended only when it is
// actually written: the destination on success, the accumulator on failure.
func cmpxchg(c *CPU, in *decoder.Inst) {
	d, x := c.rmwArg(in, 0)
	size := d.size
	src := c.arg(in, 1)
	acc := c.reg(arch.RAX, size)
	if acc == x {
		c.store(d, src)
	} else {
		if d.mem {
			c.store(d, x)
		}
		c.setReg(arch.RAX, size, x)
	}
	c.setLazy(lazySub, size, acc, x, acc-x)
}

// cmpxchg8b is CMPXCHG8B, or CMPXCHG16B with REX.W (whose operand must be
// 16-byte aligned). Only ZF changes.
func cmpxchg8b(c *CPU, in *decoder.Inst) {
	a := c.ea(in)
	seg := in.Mem.Seg
	if in.REX&8 != 0 {
		if a&15 != 0 {
			c.raiseCode(arch.VecGP, 0)
		}
		m := c.read128(a, seg)
		if m[0] == c.s.GPR[arch.RAX] && m[1] == c.s.GPR[arch.RDX] {
			c.write128(a, arch.Vec128{c.s.GPR[arch.RBX], c.s.GPR[arch.RCX]}, seg)
			c.setStatus(arch.ZF, arch.ZF)
			return
		}
		c.write128(a, m, seg)
		c.s.GPR[arch.RAX], c.s.GPR[arch.RDX] = m[0], m[1]
		c.setStatus(arch.ZF, 0)
		return
	}
	m := c.read(a, 8, seg)
	if m == c.reg(arch.RDX, 4)<<32|c.reg(arch.RAX, 4) {
		c.write(a, 8, c.reg(arch.RCX, 4)<<32|c.reg(arch.RBX, 4), seg)
		c.setStatus(arch.ZF, arch.ZF)
		return
	}
	c.write(a, 8, m, seg)
	c.setReg(arch.RAX, 4, m)
	c.setReg(arch.RDX, 4, m>>32)
	c.setStatus(arch.ZF, 0)
}

// adcx adds with carry through CF, adox through OF; neither changes any
// other flag.
func adcx(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	x, y := c.arg(in, 0), c.arg(in, 1)
	r, out := addCarry(x, y, b2u(c.cf()), size)
	c.setReg(in.Args[0].Reg, size, r)
	c.setStatus(arch.CF, out*arch.CF)
}

func adox(c *CPU, in *decoder.Inst) {
	size := in.Args[0].Size
	x, y := c.arg(in, 0), c.arg(in, 1)
	r, out := addCarry(x, y, b2u(c.of()), size)
	c.setReg(in.Args[0].Reg, size, r)
	c.setStatus(arch.OF, out*arch.OF)
}

func addCarry(x, y, cin uint64, size uint8) (uint64, uint64) {
	if size == 8 {
		return bits.Add64(x, y, cin)
	}
	s := x + y + cin
	return s & 0xffffffff, s >> 32
}

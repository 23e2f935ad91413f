package check

import (
	"encoding/binary"
	"math/big"
	"math/rand/v2"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// Result-directed values. Random and edge-valued inputs almost never give
// operand pairs whose *result* sits on a width's boundary, where carry,
// overflow, sign and quotient-overflow bugs show. Direct picks the result
// first (a boundary of the operation's width, or one either side) and
// solves for an input; AimMemory puts a memory operand's address where it
// can be mapped, or where 32-bit addressing wraps.

// boundaries of a width: zero, the signed maximum and minimum, the
// unsigned maximum.
func boundary(r *rand.Rand, w uint) uint64 {
	b := [...]uint64{0, 1<<(w-1) - 1, 1 << (w - 1), 1<<w - 1}[r.IntN(4)]
	if w == 64 {
		b = [...]uint64{0, 1<<63 - 1, 1 << 63, ^uint64(0)}[r.IntN(4)]
	}
	return b + uint64(r.IntN(3)) - 1 // the boundary or a neighbour
}

// operand is one of an instruction's inputs: where it lives and its value.
type operand struct {
	reg  int // a GPR number 0-19 (AH-BH as 16-19), or -1
	imm  bool
	val  uint64
	size uint8
}

func (o operand) settable() bool { return o.reg >= 0 }

// Direct rewrites one input register of c so the instruction's result
// lands on a boundary of its width: sums and differences (ADD, ADC, SUB,
// SBB, CMP, XADD, NEG, INC, DEC), products (IMUL, MUL: the product at
// 2^(w-1) or 2^w, either side), quotients (DIV, IDIV: the quotient at the
// width's limit, either side, so #DE and the largest quotient meet), and
// shift and rotate counts in CL (0, 1, w-1, w, w+1 and their values
// masked to 5 or 6 bits). It changes no register the memory operand's
// address uses and reports whether it changed anything.
func Direct(r *rand.Rand, in *decoder.Inst, c *Case) bool {
	if in.Form == nil {
		return false
	}
	ops := inputs(in, c)
	if ops == nil {
		return false
	}
	addr := addressRegs(in)
	ok := func(o operand) bool { return o.settable() && !addr[uint8(o.reg&15)] && o.reg != arch.RSP }
	mn := in.Form.Mnemonic
	switch mn {
	case "add", "adc", "xadd", "sub", "sbb", "cmp":
		if len(ops) < 2 {
			return false
		}
		a, b := ops[0], ops[1]
		w := uint(a.size) * 8
		t := boundary(r, w)
		sub := mn == "sub" || mn == "sbb" || mn == "cmp"
		switch {
		case ok(b) && (!ok(a) || r.IntN(2) == 0):
			if sub { // a - b = t
				b.val = a.val - t
			} else {
				b.val = t - a.val
			}
			return set(c, b)
		case ok(a):
			if sub {
				a.val = t + b.val
			} else {
				a.val = t - b.val
			}
			return set(c, a)
		}
	case "neg", "inc", "dec":
		a := ops[0]
		if !ok(a) {
			return false
		}
		t := boundary(r, uint(a.size)*8)
		a.val = map[string]uint64{"neg": -t, "inc": t - 1, "dec": t + 1}[mn]
		return set(c, a)
	case "imul", "mul":
		return directProduct(r, in, c, ops, ok)
	case "div", "idiv":
		return directQuotient(r, in, c, ops, ok)
	case "shl", "sal", "shr", "sar", "rol", "ror", "rcl", "rcr", "shld", "shrd":
		cnt := ops[len(ops)-1]
		if cnt.reg != int(arch.RCX) || cnt.size != 1 || addr[arch.RCX] {
			return false
		}
		w := uint64(ops[0].size) * 8
		counts := []uint64{0, 1, w - 1, w, w + 1, 31, 32, 33, 63, 64, 65, 0x80 | (w - 1), 0xff}
		cnt.val = counts[r.IntN(len(counts))]
		return set(c, cnt)
	}
	return false
}

// directProduct: the two-operand IMUL's a*b, the three-operand IMUL's
// b*imm, or the one-operand forms' rAX*b, solved so the full product sits
// just below, on or just above 2^(w-1) or 2^w (signed: either sign).
func directProduct(r *rand.Rand, in *decoder.Inst, c *Case, ops []operand, ok func(operand) bool) bool {
	var x, y operand // the factors; x is the one to solve for
	switch {
	case in.NArgs == 1: // rAX * r/m
		acc := operand{reg: int(arch.RAX), size: ops[0].size}
		acc.val = readReg(&c.State, acc.reg, acc.size)
		x, y = acc, ops[0]
	case in.NArgs == 3: // r = r/m * imm
		x, y = ops[1], ops[2]
	default:
		x, y = ops[0], ops[1]
	}
	if !ok(x) {
		x, y = y, x
	}
	if !ok(x) {
		return false
	}
	w := uint(x.size) * 8
	signed := in.Form.Mnemonic == "imul"
	if ok(y) && y.reg != x.reg { // both free: draw the fixed factor small
		y.val = uint64(2 + r.IntN(1<<min(w/2, 16)))
		if signed && r.IntN(2) == 0 {
			y.val = -y.val
		}
		set(c, y)
	} else if y.reg == x.reg {
		return false // a square: no solving for one side
	}
	fy := value(y.val, y.size, signed)
	if fy.Sign() == 0 {
		return false
	}
	t := new(big.Int).Lsh(big.NewInt(1), []uint{w - 1, w}[r.IntN(2)])
	if signed && r.IntN(2) == 0 {
		t.Neg(t)
	}
	t.Add(t, big.NewInt(int64(r.IntN(3)-1)))
	q := new(big.Int).Quo(t, fy)
	q.Add(q, big.NewInt(int64(r.IntN(2)))) // the factor either side of t/y
	x.val = low64(q)
	return set(c, x)
}

// directQuotient: DIV/IDIV's dividend in rDX:rAX (AX for bytes) made from
// a quotient at the width's limit, either side, and a remainder below the
// divisor.
func directQuotient(r *rand.Rand, in *decoder.Inst, c *Case, ops []operand, ok func(operand) bool) bool {
	d := ops[0]
	w := uint(d.size) * 8
	signed := in.Form.Mnemonic == "idiv"
	if ok(d) && d.reg != int(arch.RAX) && d.reg != int(arch.RDX) && r.IntN(2) == 0 {
		d.val = uint64(1 + r.IntN(1<<min(w-1, 16)))
		if signed && r.IntN(2) == 0 {
			d.val = -d.val
		}
		set(c, d)
	}
	if w > 8 && (d.reg == int(arch.RAX) || d.reg == int(arch.RDX) || addressRegs(in)[arch.RAX] || addressRegs(in)[arch.RDX]) {
		return false // the dividend's registers are the divisor's or the address's
	}
	if ok(d) && r.IntN(2) == 0 {
		d.val = uint64(1 + r.IntN(1<<min(w-1, 16)))
		if signed && r.IntN(2) == 0 {
			d.val = -d.val
		}
		set(c, d)
	}
	fd := value(d.val, d.size, signed)
	if fd.Sign() == 0 {
		return false
	}
	var q *big.Int
	if signed {
		q = new(big.Int).Lsh(big.NewInt(1), w-1) // 2^(w-1): one past the maximum
		if r.IntN(2) == 0 {
			q.Neg(q) // -2^(w-1): the minimum
		}
	} else {
		q = new(big.Int).Lsh(big.NewInt(1), w)
	}
	q.Add(q, big.NewInt(int64(r.IntN(3)-1)))
	n := new(big.Int).Mul(q, fd)
	rem := new(big.Int).Mod(new(big.Int).SetUint64(r.Uint64()), new(big.Int).Abs(fd))
	if n.Sign() < 0 {
		rem.Neg(rem) // the remainder takes the dividend's sign
	}
	n.Add(n, rem)
	// The dividend is 2w bits wide: AX for bytes, rDX:rAX for the rest.
	if w == 8 {
		return set(c, operand{reg: int(arch.RAX), size: 2, val: low64(n)})
	}
	hi := new(big.Int).Rsh(n, w) // arithmetic: the sign reaches rDX
	set(c, operand{reg: int(arch.RAX), size: d.size, val: low64(n)})
	return set(c, operand{reg: int(arch.RDX), size: d.size, val: low64(hi)})
}

// low64 is the low 64 bits of x in two's complement.
func low64(x *big.Int) uint64 {
	return new(big.Int).Mod(x, new(big.Int).Lsh(big.NewInt(1), 64)).Uint64()
}

// value is an operand's value as a number, signed or not.
func value(v uint64, size uint8, signed bool) *big.Int {
	w := uint(size) * 8
	if w < 64 {
		v &= 1<<w - 1
	}
	if signed && v>>(w-1)&1 != 0 {
		return new(big.Int).Sub(new(big.Int).SetUint64(v), new(big.Int).Lsh(big.NewInt(1), w))
	}
	return new(big.Int).SetUint64(v)
}

// inputs reads the instruction's general-register, memory and immediate
// operands from the case; nil when an operand is of another kind.
func inputs(in *decoder.Inst, c *Case) []operand {
	var out []operand
	for i := range in.NArgs {
		a := in.Args[i]
		o := operand{reg: -1, size: a.Size}
		switch a.Kind {
		case decoder.ArgReg:
			o.reg = int(a.Reg)
			o.val = readReg(&c.State, o.reg, a.Size)
		case decoder.ArgImm:
			o.imm, o.val = true, uint64(in.Imm) // sign-extended: the width is the other operand's
		case decoder.ArgMem:
			var b [8]byte
			if a.Size > 8 || c.Read(EffectiveAddr(in, &c.State), b[:a.Size]) < int(a.Size) {
				return nil
			}
			o.val = binary.LittleEndian.Uint64(b[:])
		default:
			return nil
		}
		if a.Size < 8 && !o.imm {
			o.val &= 1<<(uint(a.Size)*8) - 1
		}
		out = append(out, o)
	}
	return out
}

func readReg(s *arch.State, reg int, size uint8) uint64 {
	if reg >= decoder.RegAH {
		return s.GPR[reg-decoder.RegAH] >> 8 & 0xff
	}
	return s.GPR[reg]
}

// set writes an operand's value into its register as the instruction
// would see it: the low size bytes change, the rest keep their random
// bits (a 32-bit value keeps them too: the instruction reads only the
// low half).
func set(c *Case, o operand) bool {
	if o.reg < 0 {
		return false
	}
	s := &c.State
	if o.reg >= decoder.RegAH {
		g := &s.GPR[o.reg-decoder.RegAH]
		*g = *g&^0xff00 | (o.val&0xff)<<8
		return true
	}
	mask := ^uint64(0)
	if o.size < 8 {
		mask = 1<<(uint(o.size)*8) - 1
	}
	s.GPR[o.reg] = s.GPR[o.reg]&^mask | o.val&mask
	return true
}

// addressRegs are the registers the memory operand's address uses.
func addressRegs(in *decoder.Inst) map[uint8]bool {
	m := map[uint8]bool{}
	if !in.HasMem() {
		return m
	}
	if in.Mem.Base >= 0 {
		m[uint8(in.Mem.Base)] = true
	}
	if in.Mem.Index >= 0 {
		m[uint8(in.Mem.Index)] = true
	}
	return m
}

// EffectiveAddr is the linear address of the memory operand in state s
// (flat 64-bit mode: only FS and GS have bases).
func EffectiveAddr(in *decoder.Inst, s *arch.State) uint64 {
	m := &in.Mem
	var a uint64
	if m.RIPRel {
		a = s.RIP + uint64(in.Len)
	}
	if m.Base >= 0 {
		a += s.GPR[m.Base]
	}
	if m.Index >= 0 {
		a += s.GPR[m.Index] * uint64(m.Scale)
	}
	a += uint64(m.Disp)
	if in.AddrSize == 4 {
		a = uint64(uint32(a))
	}
	if m.Seg == arch.FS || m.Seg == arch.GS {
		a += s.Seg[m.Seg].Base
	}
	return a
}

// AimMemory sets the registers of a memory operand's address (not RSP,
// whose value the stack forms need) so the address is an ordinary user
// address that Build can map, or, with a 67 prefix, so the 32-bit sum of
// base, index and displacement wraps past 2^32 (the address is truncated).
// Without it most random bases are non-canonical and every case is #GP.
// It runs before Build, which maps what the address then touches. A
// string instruction gets RSI and RDI aimed instead (aimString).
func AimMemory(r *rand.Rand, in *decoder.Inst, s *arch.State) {
	if in.Form != nil && in.Form.Attr&decoder.AttrRep != 0 {
		aimString(r, in, s)
		return
	}
	m := &in.Mem
	fsgs := m.Seg == arch.FS || m.Seg == arch.GS
	if !in.HasMem() || m.RIPRel || m.Base == arch.RSP || m.Index == arch.RSP || m.Base == m.Index && m.Base >= 0 ||
		fsgs && in.AddrSize == 4 {
		return
	}
	target := uint64(0x10000000+r.IntN(1<<28)) &^ 0xf
	if r.IntN(4) == 0 {
		target += uint64(r.IntN(16)) // unaligned, sometimes across a page
	}
	if fsgs {
		target -= s.Seg[m.Seg].Base
	}
	if in.AddrSize == 4 && r.IntN(2) == 0 {
		target += 1 << 32 // wraps: the truncated address is target's low half
	}
	disp := uint64(m.Disp)
	switch {
	case m.Base >= 0:
		var idx uint64
		if m.Index >= 0 {
			idx = uint64(r.IntN(1 << 12))
			if r.IntN(4) == 0 {
				idx = -idx // a negative index
			}
			s.GPR[m.Index] = idx
		}
		s.GPR[m.Base] = target - idx*uint64(m.Scale) - disp
	case m.Index >= 0: // no base: index*scale + disp32
		s.GPR[m.Index] = (target - disp) / uint64(m.Scale)
	}
}

// aimString points a string instruction's RSI (through its segment,
// whose base a segment override may add) and RDI at mappable addresses,
// and gives a REP prefix a count of 0-40 so the loop ends.
func aimString(r *rand.Rand, in *decoder.Inst, s *arch.State) {
	addr := func() uint64 { return uint64(0x10000000+r.IntN(1<<28)) &^ uint64(r.IntN(2)*0xf) }
	src := addr()
	if seg := in.Mem.Seg; in.SegOverride && (seg == arch.FS || seg == arch.GS) && in.AddrSize == 8 {
		src -= s.Seg[seg].Base // FS/GS-relative: the base is added back
	}
	s.GPR[arch.RSI], s.GPR[arch.RDI] = src, addr()
	if in.Rep != decoder.PrefixNone {
		s.GPR[arch.RCX] = uint64(r.IntN(41))
	}
	if in.AddrSize == 4 && r.IntN(2) == 0 {
		// The upper halves are ignored: only ESI, EDI and ECX count.
		s.GPR[arch.RSI] |= r.Uint64() << 32
		s.GPR[arch.RDI] |= r.Uint64() << 32
		s.GPR[arch.RCX] |= r.Uint64() << 32
	}
}

// BuildDirected is Build with the generators above: with aim, the memory
// operand's address is aimed first; with direct, the case is built once,
// Direct solves an input register from the values it holds (memory
// operands included), and the case is built again from the directed
// state (the same seed maps the same pages with the same bytes, since
// Direct changes no address register).
func BuildDirected(emu engine.Engine, code []byte, st arch.State, seed uint64, r *rand.Rand, aim, direct bool) (Case, error) {
	in, err := decoder.Decode(code)
	if err != nil || in.Form == nil {
		return Build(emu, code, st, seed)
	}
	if aim {
		AimMemory(r, &in, &st)
	}
	if direct {
		pre, err := Build(emu, code, st, seed)
		if err != nil {
			return pre, err
		}
		if Direct(r, &in, &pre) {
			st = pre.State
		}
	}
	return Build(emu, code, st, seed)
}

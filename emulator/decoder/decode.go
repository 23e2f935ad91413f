package decoder

import (
	"errors"
	"fmt"
)

// MaxLen is the architectural limit on an instruction's length.
const MaxLen = 15

// Errors Decode returns. ErrUndefined is #UD, ErrTooLong is #GP(0), and
// ErrTruncated means the bytes given end inside the instruction.
var (
	ErrUndefined = errors.New("undefined opcode")
	ErrTooLong   = errors.New("instruction longer than 15 bytes")
	ErrTruncated = errors.New("truncated instruction")
)

// Mem is a decoded memory operand. Its effective address is
// Base + Index*Scale + Disp (RIP-relative: the end of the instruction + Disp),
// truncated to the address size, plus the segment base.
type Mem struct {
	Base   int8 // register, or -1 for none
	Index  int8 // register, or -1 for none
	Scale  uint8
	RIPRel bool
	Disp   int64
	Seg    uint8 // arch.ES..arch.GS: the override, or DS/SS by default
}

// Inst is a decoded instruction.
type Inst struct {
	Form       *Form
	Len        uint8
	OpSize     uint8 // the size of 'v' operands: 2, 4 or 8
	AddrSize   uint8 // 4 or 8
	Rep        Prefix
	Lock       bool
	Prefix66   bool  // an operand-size prefix was present
	IgnoredREX uint8 // a REX byte that a later legacy prefix made ineffective
	BothReps   bool  // both F2 and F3 were given (the last one counts)
	// Map and Opcode are the opcode read, set even when no form matches.
	Map         Map
	Opcode      byte
	SegOverride bool
	// SegFSGS is the last FS (4) or GS (5) prefix, 0 if none: AMD keeps it
	// over a later ES, CS, SS or DS prefix (the null-seg-prefix rule).
	SegFSGS uint8
	REX     uint8
	ModRM   uint8
	NArgs   uint8
	Args    [4]Arg
	Mem     Mem
	Imm     int64 // sign-extended; a branch displacement for J operands
	Imm2    int64 // the second immediate (ENTER)
}

// HasMem reports whether one of the operands is in memory.
func (in *Inst) HasMem() bool {
	for i := range in.NArgs {
		if in.Args[i].Kind == ArgMem {
			return true
		}
	}
	return false
}

// MemSize is the size in bytes of the memory operand (0 if none).
func (in *Inst) MemSize() int {
	for i := range in.NArgs {
		if in.Args[i].Kind == ArgMem {
			return int(in.Args[i].Size)
		}
	}
	return 0
}

// REX bits.
const (
	rexB = 1 << iota
	rexX
	rexR
	rexW
)

type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) next() byte {
	if r.err != nil {
		return 0
	}
	if r.pos >= MaxLen {
		r.err = ErrTooLong
		return 0
	}
	if r.pos >= len(r.b) {
		r.err = ErrTruncated
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) imm(n int) int64 {
	var v uint64
	for i := range n {
		v |= uint64(r.next()) << (8 * i)
	}
	shift := 64 - 8*uint(n)
	return int64(v<<shift) >> shift
}

// Decode decodes one 64-bit-mode instruction from the start of b. It returns
// ErrTruncated when b ends inside the instruction (and b is shorter than 15
// bytes), so a caller fetching from memory can tell a fetch fault from #UD.
func Decode(b []byte) (Inst, error) {
	var in Inst
	r := reader{b: b}
	var (
		op66, op67 bool
		rep        Prefix
		rex        uint8
		seg        int8 = -1
		c          byte
	)
prefixes:
	for {
		c = r.next()
		if r.err != nil {
			return in, r.err
		}
		switch c {
		case 0x26, 0x2e, 0x36, 0x3e:
			seg = int8((c >> 3) & 3) // ES CS SS DS
		case 0x64, 0x65:
			seg = int8(c - 0x64 + 4)
			in.SegFSGS = uint8(seg)
		case 0x66:
			op66 = true
		case 0x67:
			op67 = true
		case 0xf0:
			in.Lock = true
		case 0xf2, 0xf3:
			next := PrefixF2
			if c == 0xf3 {
				next = PrefixF3
			}
			in.BothReps = in.BothReps || rep != PrefixNone && rep != next
			rep = next
		default:
			if c&0xf0 == 0x40 {
				rex = c
				c = r.next()
				if r.err != nil {
					return in, r.err
				}
				if isLegacyPrefix(c) {
					// A REX followed by a legacy prefix is ignored.
					in.IgnoredREX, rex = rex, 0
					r.pos--
					continue
				}
				if c&0xf0 == 0x40 {
					r.pos--
					continue
				}
			}
			break prefixes
		}
		rex = 0
	}
	in.REX = rex
	in.Rep = rep
	in.Prefix66 = op66
	in.AddrSize = 8
	if op67 {
		in.AddrSize = 4
	}
	m := MapOne
	switch c {
	case 0x0f:
		m, c = Map0F, r.next()
		switch c {
		case 0x38:
			m, c = Map0F38, r.next()
		case 0x3a:
			m, c = Map0F3A, r.next()
		}
	case 0xc4, 0xc5, 0x62:
		return decodeVEX(&r, &in, c, op66 || rep != PrefixNone || rex != 0 || in.Lock)
	}
	if r.err != nil {
		return in, r.err
	}
	in.Map, in.Opcode = m, c
	cands := lookup[m][c]
	if len(cands) == 0 {
		if m == Map0F38 || m == Map0F3A || m == Map0F && (c == 0x78 || c == 0x79 || c == 0x0f) {
			// Every opcode of the three-byte maps has a ModRM (and in 0F 3A
			// an imm8); 0F 78 and 0F 79 (VMREAD/VMWRITE, SSE4A's EXTRQ and
			// INSERTQ, none in the model) are sized as EXTRQ's ModRM, imm8,
			// imm8 and INSERTQ's ModRM, and 0F 0F (3DNow!, not in the model)
			// as its ModRM and suffix byte: silicon sizes an undefined one
			// so, and one longer than 15 bytes is #GP, not #UD (AMD: 11 REX
			// + 0F 78 C0 is #GP, 10 REX #UD; 8 REX + 0F 38 90 90 ... #GP;
			// 8 REX + 0F 0F 90 ... #GP).
			modrm := r.next()
			if r.err == nil && modrm>>6 != 3 {
				decodeMem(&r, &in, modrm, rex, seg)
			}
			switch {
			case m == Map0F3A, m == Map0F && c == 0x0f: // 0F 0F: 3DNow!'s suffix opcode byte
				r.imm(1)
			case m == Map0F && c == 0x78:
				r.imm(2)
			}
			if r.err != nil {
				return in, r.err // too long, or truncated: the caller fetches more
			}
		}
		if m == MapOne {
			// Opcodes invalid in 64-bit mode keep their legacy operands
			// for the 15-byte limit (silicon, AMD: 9 REX + EA is #GP):
			// far JMP/CALL's ptr16:32 (ptr16:16 with 66), AAM/AAD's imm8,
			// 82's ModRM and imm8 (13 66 + 82 C0 is #GP).
			switch c {
			case 0x82:
				if modrm := r.next(); r.err == nil && modrm>>6 != 3 {
					decodeMem(&r, &in, modrm, rex, seg)
				}
				r.imm(1)
			case 0xea, 0x9a:
				if op66 {
					r.imm(4)
				} else {
					r.imm(6)
				}
			case 0xd4, 0xd5:
				r.imm(1)
			}
			if r.err != nil {
				return in, r.err // too long, or truncated: the caller fetches more
			}
		}
		return in, fmt.Errorf("%w %s%02X", ErrUndefined, mapNames[m], c)
	}
	var modrm byte
	hasModRM := cands[0].modRM
	if hasModRM {
		modrm = r.next()
		if r.err != nil {
			return in, r.err
		}
		in.ModRM = modrm
	}
	f := selectForm(cands, modrm, hasModRM, rep, op66, rex)
	if f == nil {
		// Silicon sizes an undefined member of a group like its siblings
		// (operand bytes and immediate), and one longer than 15 bytes is
		// #GP, not #UD (13 REX + FF 78 00 faults so on the host).
		if hasModRM && modrm>>6 != 3 {
			decodeMem(&r, &in, modrm, rex, seg)
		}
		for _, o := range cands[0].ops {
			if o.kind == opI || o.kind == opJ {
				n := 1
				if o.size != szB {
					n = 4
					if op66 && rex&rexW == 0 { // REX.W wins over 66
						n = 2
					}
				}
				r.imm(n)
			}
		}
		if r.err != nil {
			return in, r.err // too long, or truncated: the caller fetches more
		}
		return in, fmt.Errorf("%w %s%02X /%d", ErrUndefined, mapNames[m], c, (modrm>>3)&7)
	}
	in.Form = f
	switch {
	case f.Attr&AttrF64 != 0:
		in.OpSize = 8
	case rex&rexW != 0:
		in.OpSize = 8
	case op66 && f.Prefix != Prefix66:
		in.OpSize = 2
	case f.Attr&AttrD64 != 0:
		in.OpSize = 8
	default:
		in.OpSize = 4
	}
	if f.Attr&AttrModReg != 0 {
		// MOV to and from CR and DR: "the 2 bits in the mod field are
		// ignored" (SDM Vol. 2 MOV, Control/Debug Registers); silicon
		// fetches no SIB or displacement.
		modrm |= 0xc0
	}
	mod := modrm >> 6
	if hasModRM && mod != 3 {
		decodeMem(&r, &in, modrm, rex, seg)
	}
	for _, o := range f.ops {
		in.Args[in.NArgs] = decodeOperand(&r, &in, o, c, modrm, rex)
		in.NArgs++
	}
	if seg >= 0 {
		in.Mem.Seg = uint8(seg)
		in.SegOverride = true
	}
	if r.err != nil {
		return in, r.err
	}
	if in.Lock && (f.Attr&AttrLock == 0 || !hasModRM || mod == 3) {
		return in, fmt.Errorf("%w: LOCK on %s", ErrUndefined, f.Mnemonic)
	}
	in.Len = uint8(r.pos)
	return in, nil
}

func isLegacyPrefix(c byte) bool {
	switch c {
	case 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3:
		return true
	}
	return false
}

// selectForm picks the form among an opcode's candidates. A REP prefix (the
// last of F2/F3) is tried as a mandatory prefix first, then 66, then none; a
// form marked sse must be selected by the first prefix tried, so a prefix
// that selects nothing is #UD for the vector instructions.
func selectForm(cands []*Form, modrm byte, hasModRM bool, rep Prefix, op66 bool, rex uint8) *Form {
	var order [3]Prefix
	n := 0
	if rep != PrefixNone {
		order[n], n = rep, n+1
	}
	if op66 {
		order[n], n = Prefix66, n+1
	}
	order[n], n = PrefixNone, n+1
	mod, reg, rm := int8(modrm>>6), int8((modrm>>3)&7), int8(modrm&7)
	for i, p := range order[:n] {
		for _, f := range cands {
			if f.Prefix != p {
				continue
			}
			if hasModRM {
				if f.mod == 0 && mod == 3 || f.mod == 3 && mod != 3 ||
					f.reg >= 0 && f.reg != reg || f.rm >= 0 && f.rm != rm {
					continue
				}
			}
			if f.Opcode == 0x90 && f.Map == MapOne && !f.plusReg && rex&rexB != 0 {
				continue // 90 with REX.B is XCHG r8, rAX, not NOP
			}
			if f.Attr&AttrSSE != 0 && i != 0 || f.Attr&AttrNoRep != 0 && rep != PrefixNone && f.Prefix != rep {
				return nil
			}
			return f
		}
	}
	return nil
}

func decodeMem(r *reader, in *Inst, modrm, rex uint8, seg int8) {
	mod, rm := modrm>>6, modrm&7
	m := &in.Mem
	m.Base, m.Index, m.Scale = -1, -1, 1
	m.Seg = 3 // DS
	dispSize := 0
	switch mod {
	case 1:
		dispSize = 1
	case 2:
		dispSize = 4
	}
	if rm == 4 {
		sib := r.next()
		base, idx := sib&7, (sib>>3)&7|(rex&rexX)<<2
		m.Scale = 1 << (sib >> 6)
		if idx != 4 {
			m.Index = int8(idx)
		}
		if base == 5 && mod == 0 {
			dispSize = 4
		} else {
			m.Base = int8(base | (rex&rexB)<<3)
		}
	} else if rm == 5 && mod == 0 {
		m.RIPRel = true
		dispSize = 4
	} else {
		m.Base = int8(rm | (rex&rexB)<<3)
	}
	if m.Base == 4 || m.Base == 5 {
		m.Seg = 2 // SS
	}
	if dispSize > 0 {
		m.Disp = r.imm(dispSize)
	}
}

func sizeOf(s sizeCode, in *Inst) uint8 {
	switch s {
	case szB:
		return 1
	case szW:
		return 2
	case szD:
		return 4
	case szQ:
		return 8
	case szX:
		return 16
	case szP:
		return in.OpSize + 2
	case szV:
		return in.OpSize
	case szZ:
		if in.OpSize == 2 {
			return 2
		}
		return 4
	case szY:
		if in.OpSize == 8 {
			return 8
		}
		return 4
	}
	return 0
}

func gpr(n uint8, size uint8, rex uint8) uint8 {
	if size == 1 && rex == 0 && n >= 4 && n < 8 {
		return RegAH + n - 4
	}
	return n
}

func decodeOperand(r *reader, in *Inst, o operand, opcode, modrm, rex uint8) Arg {
	size := sizeOf(o.size, in)
	regField := (modrm>>3)&7 | (rex&rexR)<<1
	rmField := modrm&7 | (rex&rexB)<<3
	isMem := modrm>>6 != 3
	switch o.kind {
	case opE, opM, opR:
		if isMem {
			return Arg{Kind: ArgMem, Size: size}
		}
		return Arg{Kind: ArgReg, Size: size, Reg: gpr(rmField, size, rex)}
	case opRM:
		if isMem {
			return Arg{Kind: ArgMem, Size: sizeOf(o.memSize, in)}
		}
		return Arg{Kind: ArgReg, Size: size, Reg: rmField}
	case opG:
		return Arg{Kind: ArgReg, Size: size, Reg: gpr(regField, size, rex)}
	case opV:
		return Arg{Kind: ArgXmm, Size: size, Reg: regField}
	case opW, opU:
		if isMem {
			return Arg{Kind: ArgMem, Size: size}
		}
		return Arg{Kind: ArgXmm, Size: size, Reg: rmField}
	case opP:
		return Arg{Kind: ArgMmx, Size: size, Reg: (modrm >> 3) & 7}
	case opQ, opN:
		if isMem {
			return Arg{Kind: ArgMem, Size: size}
		}
		return Arg{Kind: ArgMmx, Size: size, Reg: modrm & 7}
	case opS:
		return Arg{Kind: ArgSeg, Size: 2, Reg: (modrm >> 3) & 7}
	case opC:
		return Arg{Kind: ArgCR, Size: 8, Reg: regField}
	case opD:
		return Arg{Kind: ArgDR, Size: 8, Reg: regField}
	case opZ:
		return Arg{Kind: ArgReg, Size: size, Reg: gpr(opcode&7|(rex&rexB)<<3, size, rex)}
	case opFixedReg:
		return Arg{Kind: ArgReg, Size: size, Reg: o.reg}
	case opFixedSeg:
		return Arg{Kind: ArgSeg, Size: 2, Reg: o.reg}
	case opOne:
		in.Imm = 1
		return Arg{Kind: ArgImm, Size: 1}
	case opI:
		n := int(size)
		if n == 8 && in.Form.Opcode&0xf8 != 0xb8 {
			n = 4 // only MOV r64, imm64 has an 8-byte immediate
		}
		if in.NArgs > 0 && in.Args[in.NArgs-1].Kind == ArgImm {
			in.Imm2 = r.imm(n)
		} else {
			in.Imm = r.imm(n)
		}
		return Arg{Kind: ArgImm, Size: size}
	case opJ:
		// Jz is rel16 under 66 (XBEGIN); the f64 branches have OpSize 8, so
		// Intel's rule that 66 does not shorten them falls out of sizeOf.
		in.Imm = r.imm(int(sizeOf(o.size, in)))
		return Arg{Kind: ArgImm, Size: 8}
	case opO:
		in.Mem = Mem{Base: -1, Index: -1, Scale: 1, Seg: 3, Disp: r.imm(int(in.AddrSize))}
		return Arg{Kind: ArgMem, Size: size}
	}
	return Arg{}
}

// decodeVEX sizes a VEX (C4, C5) or EVEX (62) instruction. The emulator
// implements no VEX or EVEX instruction; it decodes them only far enough to
// know their length and report them as unimplemented. VEX after a 66, F2,
// F3, REX or LOCK prefix is #UD.
func decodeVEX(r *reader, in *Inst, c byte, badPrefix bool) (Inst, error) {
	// The form is known from the first byte, so even a truncated or
	// over-long encoding reports it (a CPU without AVX rejects it there).
	in.Form = vexForm
	if c == 0x62 {
		in.Form = evexForm
	}
	m := Map0F
	var opcode byte
	switch c {
	case 0xc5:
		r.next()
	case 0xc4:
		b1 := r.next()
		r.next()
		m = Map(b1 & 0x1f)
	case 0x62:
		b1 := r.next()
		r.next()
		r.next()
		m = Map(b1 & 0x7)
	}
	opcode = r.next()
	if r.err != nil {
		return *in, r.err
	}
	if m < Map0F || m > Map0F3A {
		return *in, fmt.Errorf("%w: VEX map %d", ErrUndefined, m)
	}
	if badPrefix {
		return *in, fmt.Errorf("%w: VEX after a legacy or REX prefix", ErrUndefined)
	}
	hasModRM := !(c == 0xc5 || c == 0xc4) || !(m == Map0F && opcode == 0x77)
	if hasModRM {
		modrm := r.next()
		if modrm>>6 != 3 {
			decodeMem(r, in, modrm, 0, -1)
		}
	}
	imm := m == Map0F3A
	if m == Map0F {
		switch opcode {
		case 0x70, 0x71, 0x72, 0x73, 0xc2, 0xc4, 0xc5, 0xc6:
			imm = true
		}
	}
	if imm {
		r.next()
	}
	if r.err != nil {
		return *in, r.err
	}
	in.Len = uint8(r.pos)
	return *in, nil
}

// IsVEX reports whether f is the VEX or the EVEX encoding.
func IsVEX(f *Form) bool { return f == vexForm || f == evexForm }

// The VEX and EVEX encodings are one form each: sized, never executed.
var (
	vexForm  = &Form{Mnemonic: "vex", mod: -1, reg: -1, rm: -1, modRM: true}
	evexForm = &Form{Mnemonic: "evex", mod: -1, reg: -1, rm: -1, modRM: true}
)

// Offset is the memory operand's effective address before any segment base:
// base + index*scale + displacement, or, RIP-relative, the end of the
// instruction at rip plus the displacement; truncated to the address size.
// LEA's result, and with the segment base the linear address.
func (in *Inst) Offset(gpr *[16]uint64, rip uint64) uint64 {
	m := &in.Mem
	var a uint64
	if m.RIPRel {
		a = rip + uint64(in.Len) + uint64(m.Disp)
	} else {
		a = uint64(m.Disp)
		if m.Base >= 0 {
			a += gpr[m.Base&15]
		}
		if m.Index >= 0 {
			a += gpr[m.Index&15] * uint64(m.Scale)
		}
	}
	if in.AddrSize == 4 {
		a &= 0xffffffff
	}
	return a
}

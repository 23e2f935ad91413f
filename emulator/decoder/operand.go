package decoder

import (
	"fmt"
	"strings"
)

// The operand syntax is the SDM opcode map's: an addressing letter and a size.
//
//	E  ModRM r/m: a general register or memory     G  ModRM reg: a general register
//	M  ModRM r/m, memory only                      R  ModRM r/m, general register only
//	V  ModRM reg: an XMM register                  W  ModRM r/m: an XMM register or memory
//	U  ModRM r/m: XMM register only                P, Q, N  the MMX analogues of V, W, U
//	S  ModRM reg: a segment register               C, D  ModRM reg: control, debug register
//	I  immediate       J  branch displacement      O  absolute address (moffs)
//	Z  the register in the opcode's low bits
//	Rd/Mb  a 32-bit register or a byte of memory (likewise Rd/Mw, Rd/Md)
//
// Sizes: b byte, w word, d dword, q qword, x 16 bytes, p far pointer,
// v 16/32/64 by operand size, z 16 or 32 (32 for a 64-bit operand size),
// y 32 or 64. Fixed operands: AL, CL, DX, rAX, eAX, FS, GS and 1.

type opKind uint8

const (
	opE opKind = iota + 1
	opG
	opM
	opR
	opRM // register of one size, memory of another
	opV
	opW
	opU
	opP
	opQ
	opN
	opS
	opC
	opD
	opI
	opJ
	opO
	opZ
	opFixedReg
	opFixedSeg
	opOne
)

func (k opKind) usesModRM() bool {
	switch k {
	case opE, opG, opM, opR, opRM, opV, opW, opU, opP, opQ, opN, opS, opC, opD:
		return true
	}
	return false
}

type sizeCode uint8

const (
	szNone sizeCode = iota
	szB
	szW
	szD
	szQ
	szX
	szP
	szV
	szZ
	szY
)

var sizeCodes = map[string]sizeCode{"": szNone, "b": szB, "w": szW, "d": szD, "q": szQ,
	"x": szX, "p": szP, "v": szV, "z": szZ, "y": szY}

type operand struct {
	kind    opKind
	size    sizeCode
	memSize sizeCode // opRM: the memory form's size
	reg     uint8    // fixed register number
}

var fixedOperands = map[string]operand{
	"AL":  {kind: opFixedReg, size: szB, reg: 0},
	"CL":  {kind: opFixedReg, size: szB, reg: 1},
	"DX":  {kind: opFixedReg, size: szW, reg: 2},
	"rAX": {kind: opFixedReg, size: szV, reg: 0},
	"eAX": {kind: opFixedReg, size: szZ, reg: 0},
	"FS":  {kind: opFixedSeg, reg: 4},
	"GS":  {kind: opFixedSeg, reg: 5},
	"1":   {kind: opOne, size: szB},
}

var letters = map[byte]opKind{'E': opE, 'G': opG, 'M': opM, 'R': opR, 'V': opV, 'W': opW,
	'U': opU, 'P': opP, 'Q': opQ, 'N': opN, 'S': opS, 'C': opC, 'D': opD, 'I': opI,
	'J': opJ, 'O': opO, 'Z': opZ}

func parseOperands(args string) ([]operand, error) {
	if args == "" {
		return nil, nil
	}
	var out []operand
	for _, a := range strings.Split(args, ",") {
		o, err := parseOperand(a)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if len(out) > 4 {
		return nil, fmt.Errorf("more than 4 operands")
	}
	return out, nil
}

func parseOperand(a string) (operand, error) {
	if o, ok := fixedOperands[a]; ok {
		return o, nil
	}
	if r, m, ok := strings.Cut(a, "/"); ok {
		rs, ok1 := sizeCodes[strings.TrimPrefix(r, "R")]
		ms, ok2 := sizeCodes[strings.TrimPrefix(m, "M")]
		if !ok1 || !ok2 || r[0] != 'R' || m[0] != 'M' {
			return operand{}, fmt.Errorf("operand %q", a)
		}
		return operand{kind: opRM, size: rs, memSize: ms}, nil
	}
	k, ok := letters[a[0]]
	sz, ok2 := sizeCodes[a[1:]]
	if !ok || !ok2 {
		return operand{}, fmt.Errorf("operand %q", a)
	}
	return operand{kind: k, size: sz}, nil
}

// ArgKind is what a decoded operand is.
type ArgKind uint8

// Decoded operand kinds.
const (
	ArgNone ArgKind = iota
	ArgReg          // general register: Reg 0-15, or RegAH..RegBH
	ArgMem          // the instruction's memory operand (Inst.Mem)
	ArgImm          // Inst.Imm (or Inst.Imm2 for the second immediate); a branch displacement
	ArgXmm          // XMM register Reg
	ArgMmx          // MMX register Reg
	ArgSeg          // segment register Reg
	ArgCR           // control register Reg
	ArgDR           // debug register Reg
)

// Byte registers AH, CH, DH and BH: selected by ModRM 4-7 without REX.
const (
	RegAH = 16 + iota
	RegCH
	RegDH
	RegBH
)

// Arg is a decoded operand.
type Arg struct {
	Kind ArgKind
	Size uint8 // bytes
	Reg  uint8
}

package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// The flags (and results) the Intel SDM leaves undefined, per instruction
// form: comparisons mask exactly these. Where a rule depends on the state
// (a shift's count), it reads the pre-state.
//
// What the emulator writes for them (docs/ARCHITECTURE.md lists this too):
// logical ops clear AF; MUL/IMUL set SF, ZF and PF from the low half of the
// result and clear AF; DIV/IDIV leave the flags unchanged; BT* leave OF, SF,
// AF and PF unchanged; BSF/BSR clear CF, OF, SF and AF and set PF from the
// result; shifts and rotates follow their defined formulas for OF and CF at
// any count, and clear AF; TZCNT/LZCNT clear OF, SF, AF and PF.
var undefinedFlags = map[string]uint64{
	"and": arch.AF, "or": arch.AF, "xor": arch.AF, "test": arch.AF,
	"mul": arch.SF | arch.ZF | arch.AF | arch.PF, "imul": arch.SF | arch.ZF | arch.AF | arch.PF,
	"div": arch.ArithFlags, "idiv": arch.ArithFlags,
	"bt": arch.OF | arch.SF | arch.AF | arch.PF, "bts": arch.OF | arch.SF | arch.AF | arch.PF,
	"btr": arch.OF | arch.SF | arch.AF | arch.PF, "btc": arch.OF | arch.SF | arch.AF | arch.PF,
	"bsf": arch.CF | arch.OF | arch.SF | arch.AF | arch.PF, "bsr": arch.CF | arch.OF | arch.SF | arch.AF | arch.PF,
	"tzcnt": arch.OF | arch.SF | arch.AF | arch.PF, "lzcnt": arch.OF | arch.SF | arch.AF | arch.PF,
}

// Undefined returns what a comparison of in, run from pre, must ignore.
func Undefined(in *decoder.Inst, pre *arch.State) engine.Mask {
	if in.Form == nil {
		return engine.Mask{}
	}
	mn := in.Form.Mnemonic
	m := engine.Mask{Flags: undefinedFlags[mn]}
	switch mn {
	case "shl", "sal", "shr", "sar", "rol", "ror", "rcl", "rcr":
		m.Flags = shiftUndefined(mn, shiftCount(in, pre), in.Args[0].Size)
	case "shld", "shrd":
		count := shiftCount(in, pre)
		size := uint64(in.Args[0].Size) * 8
		switch {
		case count == 0:
		case count > size:
			// The result and every flag are undefined (16-bit forms only:
			// the count is masked to 5 or 6 bits).
			m.Flags = arch.ArithFlags
			m.Memory = in.Args[0].Kind == decoder.ArgMem
			if !m.Memory {
				m.Result = []string{gprName(in.Args[0].Reg)}
			}
		case count == 1:
			m.Flags = arch.AF
		default:
			m.Flags = arch.AF | arch.OF
		}
	case "bsf", "bsr":
		if srcZero(in, pre) {
			m.Result = []string{gprName(in.Args[0].Reg)}
		}
	case "bswap":
		// "When the BSWAP instruction references a 16-bit register, the
		// result is undefined" (SDM Vol. 2 BSWAP); the emulator zeroes it.
		if in.OpSize == 2 {
			m.Result = []string{gprName(in.Args[0].Reg)}
		}
	}
	return m
}

func gprName(r uint8) string {
	if r >= decoder.RegAH {
		r -= decoder.RegAH
	}
	return arch.RegNames64[r&15]
}

// shiftCount is the masked count of a shift or rotate.
func shiftCount(in *decoder.Inst, pre *arch.State) uint64 {
	var n uint64
	last := in.Args[in.NArgs-1]
	switch {
	case last.Kind == decoder.ArgImm:
		n = uint64(in.Imm)
		if in.NArgs == 3 || in.Form.Args == "Eb,Ib" || in.Form.Args == "Ev,Ib" {
			n = uint64(uint8(in.Imm))
		}
	default: // CL
		n = pre.GPR[arch.RCX] & 0xff
	}
	if in.Args[0].Size == 8 {
		return n & 63
	}
	return n & 31
}

func shiftUndefined(mn string, count uint64, size uint8) uint64 {
	if count == 0 {
		return 0
	}
	bits := uint64(size) * 8
	var f uint64
	switch mn {
	case "shl", "sal", "shr", "sar":
		f = arch.AF
		if count != 1 {
			f |= arch.OF
		}
		if (mn == "shl" || mn == "sal" || mn == "shr") && count >= bits {
			f |= arch.CF
		}
	default: // rotates: OF is defined only for 1-bit rotates
		if count != 1 {
			f = arch.OF
		}
	}
	return f
}

func srcZero(in *decoder.Inst, pre *arch.State) bool {
	a := in.Args[1]
	if a.Kind == decoder.ArgReg {
		return pre.GPR[a.Reg&15]&masks[a.Size] == 0
	}
	return false // a memory source is checked by the caller's memory view; rare in practice
}

package decoder

import (
	"fmt"
	"strings"
)

var (
	gpr64 = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}
	gpr32 = [16]string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
		"r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"}
	gpr16 = [16]string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
		"r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"}
	gpr8 = [20]string{"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
		"r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"}
	segNames = [8]string{"es", "cs", "ss", "ds", "fs", "gs", "seg6", "seg7"}
	memSizes = map[uint8]string{1: "byte", 2: "word", 4: "dword", 6: "fword", 8: "qword", 10: "tbyte", 16: "xmmword"}
)

// gprName names general register r of size bytes; out-of-range numbers,
// which the decoder never produces, print as such rather than panic.
func gprName(r, size uint8) string {
	switch {
	case size == 1 && int(r) < len(gpr8):
		return gpr8[r]
	case r >= 16:
	case size == 2:
		return gpr16[r]
	case size == 4:
		return gpr32[r]
	case size == 8:
		return gpr64[r]
	}
	return fmt.Sprintf("r%d?%d", r, size)
}

// String is the instruction in Intel syntax with branch targets relative to
// the end of the instruction (".+0x12") and RIP-relative memory as [rip+d].
func (in *Inst) String() string { return in.format(0, false) }

// Format is the instruction in Intel syntax as if it sat at rip: branch
// targets and RIP-relative addresses are absolute.
func (in *Inst) Format(rip uint64) string { return in.format(rip, true) }

func (in *Inst) format(rip uint64, abs bool) string {
	if in.Form == nil {
		return "(bad)"
	}
	var b strings.Builder
	if in.Lock {
		b.WriteString("lock ")
	}
	if in.Form.Attr&AttrRep != 0 {
		switch in.Rep {
		case PrefixF3:
			b.WriteString("rep ")
		case PrefixF2:
			b.WriteString("repne ")
		}
	}
	b.WriteString(in.Form.Mnemonic)
	end := rip + uint64(in.Len)
	imms := 0
	for i := range int(in.NArgs) {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		a := in.Args[i]
		switch a.Kind {
		case ArgReg:
			b.WriteString(gprName(a.Reg, a.Size))
		case ArgMem:
			in.formatMem(&b, a.Size, end, abs)
		case ArgImm:
			v := in.Imm
			if imms > 0 {
				v = in.Imm2
			}
			imms++
			switch {
			case i < len(in.Form.ops) && in.Form.ops[i].kind == opJ && abs:
				fmt.Fprintf(&b, "%#x", end+uint64(v))
			case i < len(in.Form.ops) && in.Form.ops[i].kind == opJ:
				b.WriteString("." + signedHex(v, true))
			default:
				b.WriteString(signedHex(v, false))
			}
		case ArgXmm:
			fmt.Fprintf(&b, "xmm%d", a.Reg)
		case ArgMmx:
			fmt.Fprintf(&b, "mm%d", a.Reg)
		case ArgSeg:
			b.WriteString(segNames[a.Reg&7])
		case ArgCR:
			fmt.Fprintf(&b, "cr%d", a.Reg)
		case ArgDR:
			fmt.Fprintf(&b, "dr%d", a.Reg)
		}
	}
	return b.String()
}

func (in *Inst) formatMem(b *strings.Builder, size uint8, end uint64, abs bool) {
	if s, ok := memSizes[size]; ok {
		b.WriteString(s + " ")
	}
	b.WriteString("ptr ")
	m := &in.Mem
	if in.SegOverride {
		b.WriteString(segNames[m.Seg&7] + ":")
	}
	reg := func(r int8) string {
		if in.AddrSize == 4 {
			return gpr32[r&15]
		}
		return gpr64[r&15]
	}
	b.WriteByte('[')
	switch {
	case m.RIPRel && abs:
		addr := end + uint64(m.Disp)
		if in.AddrSize == 4 {
			addr = uint64(uint32(addr))
		}
		fmt.Fprintf(b, "%#x]", addr)
		return
	case m.RIPRel && in.AddrSize == 4:
		b.WriteString("eip")
	case m.RIPRel:
		b.WriteString("rip")
	}
	if m.Base >= 0 {
		b.WriteString(reg(m.Base))
	}
	if m.Index >= 0 {
		if m.Base >= 0 {
			b.WriteByte('+')
		}
		fmt.Fprintf(b, "%s*%d", reg(m.Index), m.Scale)
	}
	switch {
	case m.Base < 0 && m.Index < 0 && !m.RIPRel:
		fmt.Fprintf(b, "%#x", uint64(m.Disp)) // an absolute address
	case m.Disp != 0:
		b.WriteString(signedHex(m.Disp, true))
	}
	b.WriteByte(']')
}

// signedHex prints v as hex with its sign; plus adds "+" before a positive v.
func signedHex(v int64, plus bool) string {
	switch {
	case v < 0:
		return fmt.Sprintf("-%#x", uint64(-v))
	case plus:
		return fmt.Sprintf("+%#x", v)
	}
	return fmt.Sprintf("%#x", v)
}

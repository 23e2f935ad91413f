package native

import (
	"fmt"
	"slices"

	"golang.org/x/arch/x86/x86asm"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// The host's user mode, as Linux sets it up: what a case's state must agree
// with for silicon's answer to be the architecture's for that state.
const (
	hostCS = 0x33
	hostSS = 0x2b
	// hostUserGates are the vectors Linux's IDT lets CPL 3 reach with INT n
	// (INT3, INTO's #OF, the 32-bit system call); the flat model grants none.
	// INT n on them is the host's choice.
)

var hostUserGates = []int64{3, 4, 0x80}

// window is what a case must keep away from: the helper's image, stacks and
// shared memory, with a margin for accesses that straddle.
const (
	windowLo = helperBase - 1<<20
	windowHi = helperEnd + 1<<20
)

func inWindow(a uint64) bool { return a >= windowLo && a < windowHi }

// repLimit bounds the iterations a REP string instruction is single-stepped
// (one signal each) when it must run in MODE_STEP.
const repLimit = 1 << 16

// hostMnemonics are instructions whose result is the host's, not the
// architecture's for the case's state, by the decoder's mnemonic.
var hostMnemonics = map[string]string{
	"cpuid":    "CPUID reports the host's processor",
	"rdtsc":    "RDTSC reads the host's time-stamp counter",
	"rdtscp":   "RDTSCP reads the host's time-stamp counter and TSC_AUX",
	"rdrand":   "RDRAND returns the host's random numbers",
	"rdseed":   "RDSEED returns the host's random numbers",
	"rdpid":    "RDPID reads the host kernel's TSC_AUX",
	"rdpmc":    "RDPMC depends on the host kernel's CR4.PCE and counters",
	"xgetbv":   "XGETBV reads the host's XCR0, which the state model does not hold",
	"xsave":    "the XSAVE image follows the host's XCR0",
	"xsavec":   "the XSAVE image follows the host's XCR0",
	"xsaveopt": "the XSAVE image follows the host's XCR0 and its init tracking",
	"xsaves":   "the XSAVE image follows the host's XCR0",
	"xrstor":   "XRSTOR checks against the host's XCR0",
	"xrstors":  "XRSTORS checks against the host's XCR0",
	"sgdt":     "SGDT reads the host's GDTR (or the host kernel's UMIP emulation)",
	"sidt":     "SIDT reads the host's IDTR (or the host kernel's UMIP emulation)",
	"sldt":     "SLDT reads the host's LDTR (or the host kernel's UMIP emulation)",
	"str":      "STR reads the host's TR (or the host kernel's UMIP emulation)",
	"smsw":     "SMSW reads the host's CR0 (or the host kernel's UMIP emulation)",
	"lar":      "LAR reads the host's descriptor tables",
	"lsl":      "LSL reads the host's descriptor tables",
	"verr":     "VERR reads the host's descriptor tables",
	"verw":     "VERW reads the host's descriptor tables",
	"monitor":  "MONITOR at CPL 3 is the host's configuration",
	"mwait":    "MWAIT at CPL 3 is the host's configuration",
	"getsec":   "GETSEC depends on the host's SMX",
	"ptwrite":  "PTWRITE depends on the host's processor trace",
	"xbegin":   "TSX is the host's (present, absent or disabled)",
	"xabort":   "TSX is the host's (present, absent or disabled)",
	"xend":     "TSX is the host's (present, absent or disabled)",
	"xtest":    "TSX is the host's (present, absent or disabled)",
	"lfs":      "LFS loads a selector through the host's GDT",
	"lgs":      "LGS loads a selector through the host's GDT",
	"lss":      "LSS loads a selector through the host's GDT",
	"callf":    "a far call loads a selector through the host's GDT",
	"jmpf":     "a far jump loads a selector through the host's GDT",
	"retf":     "a far return loads a selector through the host's GDT",
	"iret":     "IRET loads selectors through the host's GDT",
}

// branches are the decoder's mnemonics that may leave RIP anywhere but the
// next instruction; they run single-stepped.
var branches = map[string]bool{
	"jmp": true, "call": true, "ret": true, "retf": true, "callf": true, "jmpf": true, "iret": true,
	"jrcxz": true, "loop": true, "loope": true, "loopne": true, "int": true, "int1": true, "int3": true,
	"into": true, "syscall": true, "sysenter": true, "sysexit": true, "sysret": true, "xbegin": true,
	"xabort": true, "ja": true, "jae": true, "jb": true, "jbe": true, "je": true, "jg": true, "jge": true,
	"jl": true, "jle": true, "jne": true, "jno": true, "jnp": true, "jns": true, "jo": true, "jp": true,
	"js": true, "ud0": true, "ud1": true, "ud2": true, "hlt": true, "rsm": true,
}

// job is one case to run.
type job struct {
	state *arch.State
	mem   []engine.Region
	n     uint64
}

// record is a job as the helper takes it.
type record struct {
	flags uint32
	patch uint64
	pages []uint64
	data  [][]byte // each page's bytes
	ymm   bool
}

// declined is an unsupported result with its reason.
func declined(s *arch.State, format string, a ...any) *engine.Result {
	return &engine.Result{Outcome: engine.Unsupported, Detail: "native: " + fmt.Sprintf(format, a...), State: *s}
}

// plan decides how the helper runs j, or why it cannot (a result).
func (e *Engine) plan(j job) (record, *engine.Result) { return e.planFor(j, false) }

// planFor is plan; a length probe (lengths.go) asks only where silicon
// stops fetching, so only the safety declines apply to it.
func (e *Engine) planFor(j job, probe bool) (record, *engine.Result) {
	s := j.state
	var rec record
	if j.n != 1 {
		return rec, declined(s, "runs one instruction per case (asked for %d)", j.n)
	}
	if r := e.checkState(s); r != "" {
		return rec, declined(s, "%s", r)
	}
	for _, r := range j.mem {
		if r.Addr%4096 != 0 || len(r.Data)%4096 != 0 {
			return rec, declined(s, "region %#x+%#x is not whole pages", r.Addr, len(r.Data))
		}
		for off := 0; off < len(r.Data); off += 4096 {
			a := r.Addr + uint64(off)
			if inWindow(a) || a >= 1<<47 {
				return rec, declined(s, "page %#x collides with the helper's window [%#x, %#x) or leaves the lower half",
					a, uint64(helperBase), uint64(helperEnd))
			}
			if slices.Contains(rec.pages, a) {
				return rec, declined(s, "page %#x given twice", a)
			}
			rec.pages = append(rec.pages, a)
			rec.data = append(rec.data, r.Data[off:off+4096])
		}
	}
	if len(rec.pages) > maxPages {
		return rec, declined(s, "%d pages (at most %d)", len(rec.pages), maxPages)
	}
	code := make([]byte, decoder.MaxLen)
	code = code[:readPages(rec.pages, rec.data, s.RIP, code)]
	if len(code) == 0 {
		// Silicon will fault fetching; that is a fine case.
		return rec, nil
	}
	in, derr := decoder.Decode(code)
	if r := e.checkInstruction(s, &in, derr, code); r != "" && !probe {
		return rec, declined(s, "%s", r)
	}
	for _, v := range s.GPR {
		if inWindow(v) {
			return rec, declined(s, "a register (%#x) points into the helper's window", v)
		}
	}
	xi, xerr := x86asm.Decode(code, 64)
	if xerr == nil && xi.Op != 0 {
		for _, ea := range effectiveAddresses(&xi, s) {
			if inWindow(ea) {
				return rec, declined(s, "the operand at %#x is in the helper's window", ea)
			}
		}
	}
	if probe {
		// Single-stepped whatever it is, and the selectors reset after it
		// in case it loaded one.
		rec.flags = modeStep | flagSegs
		return rec, nil
	}

	// MODE_FAST when both decoders agree on the length, neither calls it a
	// control transfer, and nothing the instruction touches is near the
	// jump written after it. Otherwise MODE_STEP.
	end := s.RIP + uint64(in.Len)
	fast := derr == nil && xerr == nil && xi.Op != 0 && xi.Len == int(in.Len) && !branches[in.Form.Mnemonic] &&
		!x86Branch(xi.Op) && mapped(rec.pages, end, patchLen)
	if fast {
		near := func(a, reach uint64) bool {
			d := int64(a - end)
			return d > -int64(reach+64) && d < int64(patchLen+reach+64)
		}
		for _, r := range []int{arch.RSP, arch.RSI, arch.RDI, arch.RBX} {
			if near(s.GPR[r], 4096) {
				fast = false
			}
		}
		if in.Form.Attr&decoder.AttrRep != 0 {
			// A string instruction stops at the first unmapped page in its
			// direction, so its reach is the mapped run, not RCX alone.
			down := s.RFLAGS&arch.DF != 0
			for _, r := range []int{arch.RSI, arch.RDI} {
				if near(s.GPR[r], min(8*min(s.GPR[arch.RCX], 1<<40), mappedRun(rec.pages, s.GPR[r], down))) {
					fast = false
				}
			}
		}
		for _, ea := range effectiveAddresses(&xi, s) {
			if near(ea, 512) {
				fast = false
			}
		}
	}
	segs := uint32(0)
	if derr == nil && (in.Form.Mnemonic == "wrfsbase" || in.Form.Mnemonic == "wrgsbase" ||
		in.NArgs > 0 && in.Args[0].Kind == decoder.ArgSeg && in.Form.Mnemonic != "push") {
		segs = flagSegs
	}
	if fast {
		rec.flags, rec.patch = modeFast|segs, end
		return rec, nil
	}
	rec.flags = modeStep | segs
	if derr == nil {
		switch in.Form.Mnemonic {
		case "pushf", "popf", "int1":
			// TF would show in the pushed image, be taken from the popped
			// one, or merge with ICEBP's own #DB.
			return rec, declined(s, "%s cannot run single-stepped (its memory is next to its code)", in.Form.Mnemonic)
		}
		if in.Rep != decoder.PrefixNone && in.Form.Attr&decoder.AttrRep != 0 && s.RFLAGS&arch.TF == 0 {
			// (With the case's own TF the first iteration's trap is
			// the case's #DB.)
			rec.flags |= flagRep
		}
	}
	return rec, nil
}

// checkState says why the host's user mode cannot take state s ("" if it
// can).
func (e *Engine) checkState(s *arch.State) string {
	switch {
	case s.CPL != 3:
		return fmt.Sprintf("runs at CPL 3 only (the state is at CPL %d)", s.CPL)
	case s.EFER&arch.EFERLMA == 0 || s.CR0&arch.CR0PG == 0 || s.CR0&arch.CR0PE == 0:
		return "runs in long mode with paging only"
	case s.Seg[arch.CS].Attr&(1<<9) == 0:
		return "runs 64-bit code only (CS.L is clear)"
	case s.CR0&(arch.CR0EM|arch.CR0TS) != 0:
		return "the host runs with CR0.EM and CR0.TS clear"
	case s.CR4&(arch.CR4OSFXSR|arch.CR4OSXMMEXCPT) != arch.CR4OSFXSR|arch.CR4OSXMMEXCPT:
		return "the host runs with CR4.OSFXSR and CR4.OSXMMEXCPT set"
	case s.RFLAGS&arch.IF == 0:
		return "the host's user mode runs with IF set"
	case s.RFLAGS&arch.IOPL != 0:
		return "the host's user mode runs with IOPL 0"
	case s.RFLAGS&(arch.VM|arch.VIF|arch.VIP) != 0:
		return "VM, VIF and VIP must be clear"
	case s.RFLAGS&arch.AC != 0 && s.CR0&arch.CR0AM == 0:
		return "RFLAGS.AC with CR0.AM clear: the host has CR0.AM set, so alignment would be checked"
	case s.MXCSR&^e.h.host.mxcsrMask != 0:
		return fmt.Sprintf("MXCSR %#x has bits outside the host's MXCSR_MASK %#x", s.MXCSR, e.h.host.mxcsrMask)
	}
	return ""
}

// checkInstruction says why silicon's answer for the instruction would be
// the host's rather than the architecture's ("" if it would not).
func (e *Engine) checkInstruction(s *arch.State, in *decoder.Inst, derr error, code []byte) string {
	if f, ok := cpu.FeatureOf(in); ok {
		if host, model := e.h.host.cpuid.has(f), cpu.Claims(f); host != model {
			return fmt.Sprintf("%s: the host %s it and the emulator's CPU model %s", f.Name,
				map[bool]string{true: "has", false: "lacks"}[host], map[bool]string{true: "claims it", false: "does not"}[model])
		}
	}
	if derr != nil {
		// 0F 01 with a register ModRM is the system group, where the host's
		// features decide what undecodable bytes do (RDPKRU, CLZERO,
		// MONITORX, RDPRU, ENCLU, ...).
		if in.Map == decoder.Map0F && in.Opcode == 0x01 && in.ModRM >= 0xc0 {
			return fmt.Sprintf("0F 01 %02X: the host's system instructions decide", in.ModRM)
		}
		return ""
	}
	m := in.Form.Mnemonic
	if why, ok := hostMnemonics[m]; ok {
		return why
	}
	if decoder.IsVEX(in.Form) && s.CR4&(1<<18) == 0 {
		return "VEX/EVEX: the host has CR4.OSXSAVE set, the state does not (it would be #UD)"
	}
	switch m {
	case "int":
		if slices.Contains(hostUserGates, in.Imm&0xff) {
			return fmt.Sprintf("INT %#x: the host's IDT gives this vector a user gate", in.Imm&0xff)
		}
	case "rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase":
		if (s.CR4&arch.CR4FSGSBASE != 0) != e.h.host.fsgsbase {
			return "CR4.FSGSBASE differs from the host's"
		}
	}
	for i := range in.NArgs {
		a := in.Args[i]
		if a.Kind != decoder.ArgSeg {
			continue
		}
		if i == 0 && m != "push" {
			// A segment load: through the host's GDT unless the selector is null.
			if src := in.Args[1]; src.Kind == decoder.ArgReg && src.Reg < 16 && s.GPR[src.Reg]&0xfffc == 0 {
				continue
			}
			return "loads a segment register through the host's GDT"
		}
		if !hostSelectors(s) {
			return "reads a segment selector, and the state's differ from the host's (CS 0x33, SS 0x2b, others null)"
		}
	}
	return ""
}

// hostSelectors reports whether the state's selectors are what the helper
// runs with.
func hostSelectors(s *arch.State) bool {
	for i, g := range s.Seg {
		want := uint16(0)
		switch i {
		case arch.CS:
			want = hostCS
		case arch.SS:
			want = hostSS
		}
		if g.Selector != want {
			return false
		}
	}
	return true
}

// x86Branch reports whether x86asm's op may transfer control.
func x86Branch(op x86asm.Op) bool {
	switch op {
	case x86asm.JMP, x86asm.CALL, x86asm.RET, x86asm.LRET, x86asm.LCALL, x86asm.LJMP, x86asm.IRET, x86asm.IRETD,
		x86asm.IRETQ, x86asm.INT, x86asm.INTO, x86asm.SYSCALL, x86asm.SYSENTER, x86asm.SYSEXIT, x86asm.SYSRET,
		x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE, x86asm.JCXZ, x86asm.JECXZ, x86asm.JRCXZ, x86asm.XBEGIN,
		x86asm.XABORT, x86asm.UD1, x86asm.UD2, x86asm.HLT, x86asm.RSM,
		x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE,
		x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JS:
		return true
	}
	return false
}

// effectiveAddresses are the linear addresses of x86asm's memory operands
// in state s.
func effectiveAddresses(xi *x86asm.Inst, s *arch.State) []uint64 {
	var out []uint64
	for _, a := range xi.Args {
		m, ok := a.(x86asm.Mem)
		if !ok {
			continue
		}
		// x86asm keeps a ModRM disp32 zero-extended (only a moffs offset
		// is a full 64-bit one): sign-extend it, or [rip-1] lands 4 GiB
		// away and the jump after the instruction looks out of reach.
		ea := uint64(m.Disp)
		if !moffs(xi) {
			ea = uint64(int64(int32(m.Disp)))
		}
		if m.Base == x86asm.RIP || m.Base == x86asm.EIP {
			ea += s.RIP + uint64(xi.Len)
		} else if v, ok := regValue(m.Base, s); ok {
			ea += v
		}
		if v, ok := regValue(m.Index, s); ok {
			ea += v * uint64(m.Scale)
		}
		if xi.AddrSize == 32 {
			ea = uint64(uint32(ea))
		}
		switch m.Segment {
		case x86asm.FS:
			ea += s.Seg[arch.FS].Base
		case x86asm.GS:
			ea += s.Seg[arch.GS].Base
		}
		out = append(out, ea)
	}
	return out
}

// moffs reports whether xi is MOV with a moffs operand (A0-A3), whose
// offset is the whole address.
func moffs(xi *x86asm.Inst) bool {
	op := xi.Opcode >> 24 // the first opcode byte, left-aligned
	return xi.Op == x86asm.MOV && op >= 0xa0 && op <= 0xa3
}

// regValue is the value of an x86asm general register in s, truncated to its
// width.
func regValue(r x86asm.Reg, s *arch.State) (uint64, bool) {
	switch {
	case r >= x86asm.RAX && r <= x86asm.R15:
		return s.GPR[r-x86asm.RAX], true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return uint64(uint32(s.GPR[r-x86asm.EAX])), true
	case r >= x86asm.AX && r <= x86asm.R15W:
		return uint64(uint16(s.GPR[r-x86asm.AX])), true
	}
	return 0, false
}

// mapped reports whether [a, a+n) lies in the pages.
func mapped(pages []uint64, a uint64, n int) bool {
	for p := a &^ 4095; p < a+uint64(n); p += 4096 {
		if !slices.Contains(pages, p) {
			return false
		}
	}
	return true
}

// mappedRun is how many bytes from a, upwards or downwards, lie in
// contiguous pages, plus the page where the run ends.
func mappedRun(pages []uint64, a uint64, down bool) uint64 {
	n := uint64(4096)
	for p := a &^ 4095; slices.Contains(pages, p); n += 4096 {
		if down {
			p -= 4096
		} else {
			p += 4096
		}
	}
	return n
}

// readPages copies the bytes at addr from the case's pages into b, up to the
// first unmapped byte, and returns how many it copied.
func readPages(pages []uint64, data [][]byte, addr uint64, b []byte) int {
	n := 0
	for n < len(b) {
		a := addr + uint64(n)
		i := slices.Index(pages, a&^4095)
		if i < 0 {
			break
		}
		n += copy(b[n:], data[i][a&4095:])
	}
	return n
}

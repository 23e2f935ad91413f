package lockstep

import (
	"fmt"
	"sort"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/traces"
)

// Class is what the replay concluded about one instruction.
type Class uint8

// Classes.
const (
	ClassMatch Class = iota
	ClassDivergent
	ClassMissing
	ClassUnable
	ClassMistake
)

// systemReasons says, per mnemonic, why the oracle cannot run an
// instruction: it reaches state Unicorn does not have in this setting (the
// guest's page tables, descriptor tables, MSRs and devices), or its result
// is the machine's by definition (CPUID, the TSC). These are compared with
// the recording only.
var systemReasons = map[string]string{
	"in": reasonPorts, "out": reasonPorts, "ins": reasonPorts, "outs": reasonPorts,
	"hlt":  "HLT waits for the machine's interrupts",
	"lgdt": reasonTables, "lidt": reasonTables, "ltr": reasonTables, "lldt": reasonTables,
	"sgdt": reasonTables, "sidt": reasonTables, "str": reasonTables, "sldt": reasonTables,
	"lar": reasonTables, "lsl": reasonTables, "verr": reasonTables, "verw": reasonTables,
	"rdmsr": reasonMSR, "wrmsr": reasonMSR, "swapgs": reasonMSR, "rdfsbase": reasonMSR, "rdgsbase": reasonMSR,
	"wrfsbase": reasonMSR, "wrgsbase": reasonMSR,
	"syscall": reasonTransfer, "sysret": reasonTransfer, "iret": reasonTransfer, "retf": reasonTransfer,
	"callf": reasonTransfer, "jmpf": reasonTransfer, "vmcall": reasonTransfer,
	"monitor": reasonPaging, "mwait": "MWAIT waits for the machine", "xgetbv": reasonMSR, "xsetbv": reasonMSR, "lss": reasonTables, "lfs": reasonTables, "lgs": reasonTables,
	"invlpg": reasonPaging, "wbinvd": reasonPaging, "invd": reasonPaging, "clts": reasonPaging,
	"smsw": reasonPaging, "lmsw": reasonPaging,
	"rdtsc": reasonTSC, "rdtscp": reasonTSC, "rdpid": reasonTSC,
	"cpuid":  "CPUID describes the machine's CPU model, not the oracle's",
	"fxsave": reasonX87, "fxrstor": reasonX87, "xsave": reasonX87, "xrstor": reasonX87,
	"fnsave": reasonX87, "frstor": reasonX87, "fnstenv": reasonX87, "fldenv": reasonX87,
	"stac": reasonMSR, "clac": reasonMSR,
}

const (
	reasonPorts    = "port I/O reaches the machine's devices"
	reasonTables   = "it reads or loads the guest's descriptor tables, which the oracle does not have"
	reasonMSR      = "it uses MSRs or system state the oracle does not have"
	reasonTransfer = "a privilege transfer through the guest's MSRs and descriptors"
	reasonPaging   = "it controls paging or caches, which the oracle does not model"
	reasonTSC      = "its result is the machine's clock (retired instructions), not the oracle's"
	reasonX87      = "it saves or restores x87 state, which the replay does not give the oracle"
	reasonSegment  = "a segment load reads the guest's GDT, which the oracle does not have"
)

// faultReasons: exceptions whose cause is state the oracle does not have.
var faultReasons = map[uint8]string{
	arch.VecPF: "a page fault: the oracle runs without the guest's page tables",
	arch.VecGP: "a #GP from the guest's descriptors, privilege or canonical-address checks in system state the oracle does not have",
	arch.VecSS: "a stack fault from the guest's segment state",
	arch.VecNP: "a not-present segment in the guest's descriptor tables",
	arch.VecTS: "an invalid TSS in the guest's descriptor tables",
	arch.VecNM: "#NM comes from CR0.TS, which the oracle does not have",
	arch.VecDB: "a debug trap from the guest's debug registers",
	arch.VecAC: "an alignment check under the guest's CR0.AM",
}

// unableReason says why the oracle cannot run step s (in decoded, if ok),
// or "" if it can.
func unableReason(s *traces.Step, in *decoder.Inst, decoded bool) string {
	if s.Kind == traces.Raised {
		if r := faultReasons[s.Vector]; r != "" {
			return r
		}
	}
	if len(s.Code) == 0 {
		return "the fetch itself faulted"
	}
	for _, r := range s.Reads {
		if r.Port {
			return reasonPorts
		}
	}
	if !decoded {
		return ""
	}
	if r := systemReasons[in.Form.Mnemonic]; r != "" {
		return r
	}
	switch args := in.Form.Args; {
	case in.Form.Mnemonic == "mov" && (strings.Contains(args, "Cq") || strings.Contains(args, "Dq")):
		return reasonPaging
	case strings.HasPrefix(args, "Sw,"), in.Form.Mnemonic == "pop" && (args == "FS" || args == "GS"):
		return reasonSegment // a load of a segment register (a store of one is fine)
	}
	return ""
}

// recorded is the recording's result for step s, as an engine.Result.
func recorded(s *traces.Step) engine.Result {
	r := engine.Result{State: s.Post, Writes: mergeWrites(accessWrites(s.Writes))}
	if s.Kind == traces.Raised {
		r.Outcome, r.Vector, r.ErrorCode, r.HasErrorCode = engine.Exception, s.Vector, s.ErrorCode, s.HasErrorCode
	}
	return r
}

func accessWrites(as []traces.Access) []engine.Write {
	out := make([]engine.Write, len(as))
	for i, a := range as {
		out[i] = engine.Write{Addr: a.Addr, New: a.Data}
	}
	return out
}

// mergeWrites puts stores in the one shape every engine's can be compared
// in: runs of bytes in address order, each byte as last written. Engines
// split the same store differently (Unicorn logs 8-byte pieces, the
// emulator whole operands).
func mergeWrites(ws []engine.Write) []engine.Write {
	if len(ws) <= 1 {
		return ws
	}
	bytesAt := map[uint64]byte{}
	for _, w := range ws {
		for i, b := range w.New {
			bytesAt[w.Addr+uint64(i)] = b
		}
	}
	addrs := make([]uint64, 0, len(bytesAt))
	for a := range bytesAt {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i] < addrs[j] })
	var out []engine.Write
	for _, a := range addrs {
		if n := len(out); n > 0 && out[n-1].Addr+uint64(len(out[n-1].New)) == a {
			out[n-1].New = append(out[n-1].New, bytesAt[a])
			continue
		}
		out = append(out, engine.Write{Addr: a, New: []byte{bytesAt[a]}})
	}
	return out
}

// verdict is the three-way comparison of one instruction.
type verdict struct {
	class   Class
	who     string // for a divergence: who stands apart
	fields  []string
	mistake string
	diffs   []engine.Difference
}

// compare classifies the recorded, emulated and oracle results of step s,
// given the mask of undefined flags and how the oracle differs from the
// recording (dRO, found already: a stretch's result is checked first). emu is nil
// when the emulator cannot replay the instruction outside the machine (a
// flat CPU has no descriptor tables): then the recording speaks for it.
func compare(in *decoder.Inst, decoded bool, pre *arch.State, rec, emu, orc *engine.Result, mask engine.Mask,
	dRO []engine.Difference, s *traces.Step, mistakes []check.Mistake) verdict {
	if emu == nil {
		if len(dRO) == 0 {
			return verdict{class: ClassMatch}
		}
		return verdict{class: ClassDivergent, who: "oracle vs recording", fields: names(dRO), diffs: dRO}
	}
	dRE := engine.Compare(rec, emu, mask)
	switch {
	case len(dRE) == 0 && len(dRO) == 0:
		return verdict{class: ClassMatch}
	case len(dRE) == 0:
		if name := check.Explain(mistakes, in, decoded, pre, emu, orc, memoryOf(s)); name != "" {
			return verdict{class: ClassMistake, mistake: name, diffs: dRO, fields: names(dRO)}
		}
		return verdict{class: ClassDivergent, who: "oracle", fields: names(dRO), diffs: dRO}
	case len(dRO) == 0:
		return verdict{class: ClassDivergent, who: "emulator", fields: names(dRE), diffs: dRE}
	}
	if dEO := engine.Compare(emu, orc, mask); len(dEO) == 0 {
		return verdict{class: ClassDivergent, who: "recording", fields: names(dRE), diffs: dRE}
	}
	diffs := make([]engine.Difference, 0, len(dRE)+len(dRO))
	for _, d := range dRE {
		diffs = append(diffs, engine.Difference{What: d.What + " (emulator)", A: d.A, B: d.B})
	}
	for _, d := range dRO {
		diffs = append(diffs, engine.Difference{What: d.What + " (oracle)", A: d.A, B: d.B})
	}
	return verdict{class: ClassDivergent, who: "all three", fields: union(names(dRE), names(dRO)), diffs: diffs}
}

func names(ds []engine.Difference) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.What
	}
	return out
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(a, b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// memoryOf serves the memory an instruction saw as the recording has it:
// its code and the bytes it read (zero elsewhere), for known-mistake tests.
func memoryOf(s *traces.Step) check.Memory {
	return func(addr uint64, b []byte) int {
		clear(b)
		put := func(at uint64, data []byte) {
			for i, x := range data {
				if a := at + uint64(i); a >= addr && a < addr+uint64(len(b)) {
					b[a-addr] = x
				}
			}
		}
		put(s.Pre.RIP, s.Code)
		for _, r := range s.Reads {
			if !r.Port {
				put(r.Addr, r.Data)
			}
		}
		return len(b)
	}
}

// formKeys are the forms' names, made once: Form.Key formats.
var formKeys = func() []string {
	out := make([]string, len(decoder.Forms))
	for i, f := range decoder.Forms {
		out[i] = f.Key()
	}
	return out
}()

// formName names an instruction's form for grouping: the decoder's key, or
// the bytes when it has none.
func formName(in *decoder.Inst, decoded bool, code []byte) (form, mnemonic string) {
	if decoded {
		return formKeys[in.Form.ID], in.Form.Mnemonic
	}
	return fmt.Sprintf("undecodable % x", code), "(undecodable)"
}

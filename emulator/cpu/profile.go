package cpu

import (
	"fmt"
	"sort"
	"strings"

	"github.com/twinstep/twinstep/emulator/decoder"
)

// A Profile fixes what the emulator writes where the SDM leaves a choice to
// the processor: the undefined flags and results of the integer
// instructions, and the few architectural rules on which Intel and AMD
// processors differ. Every field is one rule with a stable ID (its tag),
// used by docs/ARCHITECTURE.md, regression cases (corpus `cpu:` lines) and
// the host sweep (oracles/check TestProfileOnHost) that measures each rule
// on silicon.
//
// The default profile is Intel, so a run is the same on every host; checks
// against the host CPU run the emulator with the host's profile
// (HostProfile) and then compare undefined flags too.
type Profile struct {
	Name   string
	Vendor string // the CPUID vendor string of the processors it models
	// Measured names the silicon the rules were measured on; empty where
	// they are not measured yet (see Verified).
	Measured string

	// MUL/IMUL [mul-flags]: SF, ZF, AF, PF unchanged (true), or SF, ZF and
	// PF from the low half of the product and AF cleared.
	MulKeepsFlags bool
	// DIV/IDIV [div-flags]: SF = ZF = PF = 0 and AF = 1 with CF and OF
	// unchanged (true), or every flag unchanged.
	DivSetsFlags bool
	// SHL/SHR/SAR/SHLD/SHRD with a non-zero count [shift-af]: AF = 1
	// (true), or AF = 0.
	ShiftSetsAF bool
	// SHR and SHRD/SHLD OF at counts above 1 [shift-of]: the count-1
	// formula applied to the last 1-bit step (true), or to the whole shift
	// (SHR: MSB of the operand; SHLD/SHRD: whether the sign changed).
	ShiftOFLastStep bool
	// 16-bit SHLD/SHRD with a count of 16 or more [dshift16]: the result is
	// the source rotated by count-16 with CF = OF = 0 above 16 (true); or
	// the 48-bit concatenation dest:src:dest is shifted (Bochs's model of
	// Intel).
	DoubleShift16Rotates bool
	// LZCNT/TZCNT [cnt-of]: OF unchanged (true) or cleared.
	CountKeepsOF bool
	// BSF/BSR with a zero source and a 32-bit destination [bsf-zero]: the
	// register unchanged, upper half included (true), or written back with
	// its upper half zeroed like any 32-bit write.
	ScanZeroKeepsUpper bool
	// CALL to a non-canonical target [call-noncanonical]: the push is
	// checked first, so an unwritable stack faults before the #GP (true);
	// or the #GP comes first (the SDM's pseudocode).
	CallPushesFirst bool
	// MOVSXD r16, m16 (66 63) [movsxd16-read]: the source read is 32 bits
	// wide (true; a dword across a page end faults), or 16 bits.
	MovsxdReads32 bool
	// MXCSR_MASK as FXSAVE stores it [mxcsr-mask]: 0xffff, or 0x2ffff on
	// AMD (MM, the misaligned-exception mask, bit 17).
	MXCSRMask uint32
	// MASKMOVDQU with an all-zero mask [maskmov-zero]: the 16 bytes at RDI
	// are still checked (true; the SDM leaves it implementation dependent),
	// or nothing is.
	MaskmovZeroChecks bool
	// REPE CMPSB [repe-cmpsb-order]: reads DS:rSI before ES:rDI (true,
	// AMD's fast path: a fault on the source comes first), or ES:rDI first
	// like every other CMPS form.
	RepeCmpsbSourceFirst bool
	// A non-canonical data address outside FS and GS [ss-by-base]: #SS(0)
	// when its base register is RSP or RBP, else #GP(0), whatever segment
	// the instruction names (true: AMD, measured: ss:[rax] is #GP, ds:[rbp]
	// #SS); or #SS(0) exactly when the segment is SS (the SDM's wording).
	StackFaultByBase bool
	// LOOPE/LOOPNE with an F3 or F2 prefix [loopcc-rep]: the prefix picks
	// the condition, F3 ZF = 1 and F2 ZF = 0 (true: AMD, measured; LOOP is
	// unaffected), or the opcode does (prefixes ignored).
	LoopccRepCondition bool
	// An ES, CS, SS or DS prefix after an FS or GS prefix [null-seg-prefix]:
	// ignored, so FS or GS stays the segment (true: AMD, measured: 64 26 8B 00
	// reads FS:[RAX]); or the last segment prefix counts.
	NullSegKeepsFSGS bool
	// Alignment checking (CR0.AM, RFLAGS.AC at CPL 3) where the SDM leaves
	// the width to the processor [ac-width], in bytes (0: no #AC): the
	// unaligned 16-byte SSE accesses (MOVUPS, MOVDQU, LDDQU, PCMPxSTRx;
	// AMD: 16), FXSAVE/FXRSTOR, whose #AC comes before their 16-byte #GP
	// (AMD: 4), and MASKMOVDQU's RDI (AMD: 8).
	ACVector, ACFxsave, ACMaskmov int

	// Gaps are the vendor's rules this profile does not model: a check
	// against that vendor's silicon does not judge the emulator on them.
	Gaps []Gap
}

// A Gap is a rule of the vendor's processors the emulator does not follow.
type Gap struct {
	ID      string
	Why     string
	Applies func(in *decoder.Inst) bool
}

// Gap returns the first gap of the profile that covers in, or nil.
func (p *Profile) Gap(in *decoder.Inst) *Gap {
	for i := range p.Gaps {
		if p.Gaps[i].Applies(in) {
			return &p.Gaps[i]
		}
	}
	return nil
}

// amdGaps: measured on AMD, not modelled.
var amdGaps = []Gap{
	{ID: "near-branch-66", Why: "AMD honours a 66 prefix on near branches: a 16-bit displacement (a shorter " +
		"instruction), IP truncated to 16 bits, 2-byte pushes and pops; the decoder follows Intel, which ignores it",
		Applies: func(in *decoder.Inst) bool {
			if !in.Prefix66 || in.Form == nil {
				return false
			}
			switch in.Form.Mnemonic {
			case "jmp", "call", "ret", "loop", "loope", "loopne", "jrcxz":
				return true
			}
			return in.Form.Args == "J" || strings.HasPrefix(in.Form.Mnemonic, "j")
		}},
	{ID: "xop-8f", Why: "AMD sizes 8F whose next byte has its low 5 bits at 8 or more as a three-byte XOP " +
		"escape (no XOP on this processor: #UD, or #GP past 15 bytes); the decoder sizes 8F /1-/7 as a group " +
		"member with a ModRM",
		Applies: func(in *decoder.Inst) bool {
			return in.Form == nil && in.Map == decoder.MapOne && in.Opcode == 0x8f && in.ModRM&0x1f >= 8
		}},
	{ID: "alt-mov-cr8", Why: "AMD reads LOCK MOV CR0 as MOV CR8 (CPUID AltMovCr8), so at CPL 3 it is #GP; " +
		"the decoder rejects LOCK on MOV CR as #UD",
		Applies: func(in *decoder.Inst) bool {
			return in.Lock && in.Map == decoder.Map0F && (in.Opcode == 0x20 || in.Opcode == 0x22)
		}},
	{ID: "mxcsr-mm", Why: "AMD implements MXCSR.MM (bit 17, MXCSR_MASK 0x2ffff): LDMXCSR and FXRSTOR accept it " +
		"and it allows misaligned SSE operands; the emulator rejects the bit (#GP) and has no such mode",
		Applies: func(in *decoder.Inst) bool {
			return in.Form != nil && (in.Form.Mnemonic == "ldmxcsr" || in.Form.Mnemonic == "fxrstor")
		}},
	{ID: "fxsave-67-wrap", Why: "AMD wraps a 32-bit-addressed (67) FXSAVE area that crosses 4 GiB, and " +
		"faulting there reports the area's last byte (EA 0xfffffff0: #PF with CR2 0x1ef); the emulator " +
		"stores the area linearly past 4 GiB, as other 32-bit-addressed accesses are",
		Applies: func(in *decoder.Inst) bool {
			return in.Form != nil && in.Form.Mnemonic == "fxsave" && in.AddrSize == 4
		}},
	{ID: "rcp-table", Why: "RCPPS/RCPSS/RSQRTPS/RSQRTSS return AMD's own approximations (the SDM bounds only " +
		"the relative error, 1.5 * 2^-12); the emulator computes Intel's",
		Applies: func(in *decoder.Inst) bool {
			if in.Form == nil {
				return false
			}
			switch in.Form.Mnemonic {
			case "rcpps", "rcpss", "rsqrtps", "rsqrtss":
				return true
			}
			return false
		}},
}

// Profiles are the CPU profiles by name.
var Profiles = map[string]*Profile{
	"intel": {Name: "intel", Vendor: "GenuineIntel", MXCSRMask: 0xffff},
	"amd": {Name: "amd", Vendor: "AuthenticAMD",
		Measured:      "AMD EPYC, family 0x19 (Zen 4) model 0x11, 2026-12-03",
		MulKeepsFlags: true, DivSetsFlags: true, ShiftSetsAF: true, ShiftOFLastStep: true,
		DoubleShift16Rotates: true, CountKeepsOF: true, ScanZeroKeepsUpper: true, CallPushesFirst: true, MovsxdReads32: true,
		MXCSRMask: 0x2ffff, MaskmovZeroChecks: true, RepeCmpsbSourceFirst: true, StackFaultByBase: true,
		LoopccRepCondition: true, NullSegKeepsFSGS: true, ACVector: 16, ACFxsave: 4, ACMaskmov: 8,
		Gaps: amdGaps},
}

// DefaultProfile is what the emulator runs when nobody chooses.
var DefaultProfile = Profiles["intel"]

// Verified reports whether every rule was measured on the vendor's silicon.
func (p *Profile) Verified() bool { return p.Measured != "" }

// ProfileNames lists the profiles, sorted.
func ProfileNames() []string {
	var n []string
	for k := range Profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// ProfileByName returns the named profile or an error listing the choices.
func ProfileByName(name string) (*Profile, error) {
	if p, ok := Profiles[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown CPU profile %q (want %s)", name, strings.Join(ProfileNames(), " or "))
}

// ProfileForVendor returns the profile of a CPUID vendor string, or nil.
func ProfileForVendor(vendor string) *Profile {
	for _, n := range ProfileNames() {
		if Profiles[n].Vendor == vendor {
			return Profiles[n]
		}
	}
	return nil
}

// SetProfile chooses the rules the CPU follows; nil is DefaultProfile.
func (c *CPU) SetProfile(p *Profile) {
	if p == nil {
		p = DefaultProfile
	}
	c.prof = p
	c.FlushCaches() // decoded instructions carry profile choices
}

// Profile returns the rules the CPU follows.
func (c *CPU) Profile() *Profile { return c.prof }

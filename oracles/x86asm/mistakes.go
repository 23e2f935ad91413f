package x86asm

import (
	"errors"
	"strings"

	"github.com/twinstep/twinstep/emulator/decoder"
)

// Mistake is one way x86asm (v0.32.0, 64-bit mode) decodes an encoding
// differently from the Intel SDM. Every entry is proven by TestKnownMistakes
// on its Example: x86asm really answers TheirLen and our decoder OurLen.
type Mistake struct {
	Name     string
	Example  string // hex of one affected encoding
	TheirLen int    // x86asm's length for Example; 0 when it cannot decode it
	OurLen   int    // the right length; 0 when the right answer is an error
	OurErr   error  // the right error when OurLen is 0
	X86asm   string // what x86asm says
	Right    string // what is right
	Why      string // the SDM's word, and what the host's silicon did
	Match    func(*Case) bool
}

// "Executed on the host" below means run natively on this project's
// machines (AMD EPYC, 64-bit user mode), where SIGILL is #UD.

// KnownMistakes is every x86asm mistake the comparison forgives.
var KnownMistakes = []Mistake{
	{
		Name: "endbr", Example: "f30f1efa", TheirLen: 0, OurLen: 4,
		X86asm: `a 1-byte "rep" pseudo-instruction (Op 0): cannot decode`,
		Right:  "ENDBR64 (F3 0F 1E FA) and ENDBR32 (F3 0F 1E FB), 4 bytes",
		Why:    "SDM Vol. 2A, ENDBR64/ENDBR32: F3 0F 1E FA/FB; a NOP where CET is off. Executed on the host.",
		Match:  func(c *Case) bool { return !c.TheirOK && ours(c, "endbr64", "endbr32") },
	},
	{
		Name: "rex-not-last", Example: "40260100", TheirLen: 0, OurLen: 4,
		X86asm: "unrecognized instruction when a REX prefix is followed by another prefix",
		Right:  "the misplaced REX is ignored and the rest decodes (here es: add [rax], eax)",
		Why: "SDM Vol. 2A §2.2.1: the REX prefix must immediately precede the opcode or 0F; " +
			"other placements are ignored. 40 2E 90 executed on the host.",
		Match: func(c *Case) bool { return !c.TheirOK && c.Ours != nil && c.Enc.MisplacedREX },
	},
	{
		Name: "mov-cr-mod", Example: "0f200500000000", TheirLen: 7, OurLen: 3,
		X86asm: "MOV to/from CR and DR with ModRM.mod != 11 reads a SIB byte and a displacement",
		Right:  "the mod field is ignored: always a register, 3 bytes after the prefixes",
		Why: "SDM Vol. 2B MOV (Control Registers, Debug Registers): 'the 2 bits in the mod field are " +
			"ignored'. Found by the silicon length sweep (oracles/x86asm TestSweepSilicon) on the host.",
		Match: func(c *Case) bool {
			return c.Ours != nil && c.Ours.Form.Attr&decoder.AttrModReg != 0 && c.Enc.ModRM>>6 != 3 &&
				c.TheirOK && c.TheirLen > int(c.Ours.Len)
		},
	},
	{
		Name: "hint-nop", Example: "0f1900", TheirLen: 0, OurLen: 3,
		X86asm: "unrecognized: 0F 19-0F 1E, 0F 1F /1-/7, and 0F 18 outside the /0-/3 memory prefetches",
		Right:  "a NOP Ev: ModRM and displacement, nothing else",
		Why: "SDM Vol. 2B Table A-3 reserves 0F 18-0F 1F as the prefetch/hint-NOP block " +
			"(0F 1F /0 is NOP Ev); processors run them as NOPs. 0F 19 /0, 0F 1F /1, 0F 18 /4 (mod=11) executed on the host.",
		Match: func(c *Case) bool {
			return !c.TheirOK && c.Enc.Map == decoder.Map0F && c.Enc.Opcode >= 0x18 && c.Enc.Opcode <= 0x1f &&
				ours(c, "nop", "nophint")
		},
	},
	{
		Name: "fence-rm", Example: "0faee9", TheirLen: 0, OurLen: 3,
		X86asm: "unrecognized unless the ModRM rm field is 0 (E8, F0, F8)",
		Right:  "LFENCE/MFENCE/SFENCE for any rm",
		Why:    "SDM Vol. 2B Table A-6, Group 15 mod=11B: /5 /6 /7 are selected by reg alone. 0F AE E9, F1, FF executed on the host.",
		Match:  func(c *Case) bool { return !c.TheirOK && ours(c, "lfence", "mfence", "sfence") },
	},
	{
		Name: "prefetch-group", Example: "0f0d00", TheirLen: 0, OurLen: 3,
		X86asm: "unrecognized: 0F 0D with a memory operand and a reg field other than 1",
		Right:  "a prefetch hint (no architectural effect) for every reg field",
		Why: "SDM Vol. 2 names only 0F 0D /1 (PREFETCHW); AMD's APM documents /0 as PREFETCH and the other " +
			"reg fields as its aliases, and silicon runs all eight memory forms (0F 0D 00..38 executed on " +
			"the host; the register form raises #UD there and here). The emulator follows silicon.",
		Match: func(c *Case) bool { return !c.TheirOK && ours(c, "prefetchw") },
	},
	{
		Name: "shift-test-alias", Example: "d0f0", TheirLen: 0, OurLen: 2,
		X86asm: "unrecognized: Group 2 /6 (C0, C1, D0-D3) and Group 3 /1 (F6, F7)",
		Right:  "SAL (the same as SHL /4) and TEST Ib/Iz (the same as /0)",
		Why: "SDM Vol. 2B Table A-6 leaves these cells blank, but AMD's APM Vol. 3 documents them as SAL and TEST " +
			"and silicon runs them so (D0 F0, F6 C8 ib executed on the host); the emulator follows silicon.",
		Match: func(c *Case) bool {
			return !c.TheirOK && (ours(c, "sal") || ours(c, "test") && c.Enc.Map == decoder.MapOne &&
				(c.Enc.Opcode == 0xf6 || c.Enc.Opcode == 0xf7) && c.Enc.Reg() == 1)
		},
	},
	{
		Name: "missing", Example: "0f01ca", TheirLen: 0, OurLen: 3,
		X86asm: "unrecognized: its tables lack VMCALL, CLAC, STAC, GETSEC, RDSEED, RDPID, ADCX, ADOX and register PTWRITE",
		Right:  "the instruction, sized by its SDM encoding",
		Why: "SDM Vol. 2: VMCALL 0F 01 C1, CLAC 0F 01 CA, STAC 0F 01 CB, GETSEC 0F 37, RDSEED 0F C7 /7 (mod=11), " +
			"RDPID F3 0F C7 /7 (mod=11), ADCX 66 0F 38 F6 /r, ADOX F3 0F 38 F6 /r, PTWRITE F3 0F AE /4. " +
			"RDSEED, RDPID, ADCX, ADOX executed on the host.",
		Match: func(c *Case) bool {
			return !c.TheirOK && ours(c, "vmcall", "clac", "stac", "getsec", "rdseed", "rdpid", "adcx", "adox", "ptwrite")
		},
	},
	{
		Name: "ud-opsize", Example: "660fb900", TheirLen: 0, OurLen: 4,
		X86asm: "cannot decode UD0/UD1 under a 66 prefix",
		Right:  "UD1 r16, r/m16 (UD0 likewise): ModRM-sized, then #UD by definition",
		Why:    "SDM Vol. 2B UD: 0F FF /r UD0, 0F B9 /r UD1 take a ModRM; 66 is an ordinary operand-size prefix there.",
		Match:  func(c *Case) bool { return !c.TheirOK && ours(c, "ud0", "ud1") },
	},
	{
		Name: "mov-tr", Example: "0f24c0", TheirLen: 3, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "MOV to/from test registers (0F 24, 0F 26)",
		Right:  "#UD",
		Why:    "Test registers went away after the i486; SDM Vol. 2B Table A-3 leaves 0F 24 and 0F 26 blank. #UD on the host.",
		Match: func(c *Case) bool {
			return c.TheirOK && c.Ours == nil && (c.Enc.Is(decoder.Map0F, 0x24) || c.Enc.Is(decoder.Map0F, 0x26))
		},
	},
	{
		Name: "movlpd-reg", Example: "660f12c0", TheirLen: 4, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "MOVLPD/MOVHPD (66 0F 12, 13, 16, 17) with a register operand",
		Right:  "#UD: they take m64 only",
		Why:    "SDM Vol. 2B MOVLPD/MOVHPD: 66 0F 12/13/16/17 /r with m64; only the NP 0F 12/16 cells have mod=11 forms (MOVHLPS/MOVLHPS). #UD on the host.",
		Match: func(c *Case) bool {
			op := c.Enc.Opcode
			return c.TheirOK && c.Ours == nil && c.Enc.Map == decoder.Map0F && c.Enc.Has(0x66) && !c.Enc.Mem() &&
				(op == 0x12 || op == 0x13 || op == 0x16 || op == 0x17)
		},
	},
	{
		Name: "amd-movnts", Example: "f30f2b00", TheirLen: 4, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "MOVNTSS/MOVNTSD (F3/F2 0F 2B), AMD SSE4a",
		Right:  "#UD on Intel processors",
		Why: "SDM Vol. 2B Table A-3: 0F 2B is NP MOVNTPS and 66 MOVNTPD only. (AMD silicon, such as the host, runs " +
			"them; the decoder follows Intel.)",
		Match: func(c *Case) bool {
			return c.TheirOK && c.Ours == nil && c.Enc.Is(decoder.Map0F, 0x2b) && (c.Enc.Has(0xf2) || c.Enc.Has(0xf3))
		},
	},
	{
		Name: "rdrand-mem", Example: "480fc730", TheirLen: 4, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "RDRAND with a memory operand under REX.W (0F C7 /6, mod!=11)",
		Right:  "not RDRAND: memory /6 is VMPTRLD (VMX), which the emulator does not decode: #UD",
		Why:    "SDM Vol. 2B Table A-6 Group 9: /6 is RDRAND only with mod=11B; memory /6 is VMPTRLD. #UD on the host.",
		Match: func(c *Case) bool {
			return c.TheirOK && c.Ours == nil && c.Enc.Is(decoder.Map0F, 0xc7) && c.Enc.Reg() == 6 && c.Enc.Mem()
		},
	},
	{
		Name: "mov-cs", Example: "8ec8", TheirLen: 2, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "MOV CS, r/m16 (8E /1)",
		Right:  "#UD",
		Why:    "SDM Vol. 2B MOV: 'If an attempt is made to load the CS register, #UD'. #UD on the host.",
		Match: func(c *Case) bool {
			return c.TheirOK && c.Ours == nil && c.Enc.Is(decoder.MapOne, 0x8e) && c.Enc.Reg() == 1
		},
	},
	{
		Name: "vex-truncated", Example: "c5f858", TheirLen: 3, OurLen: 0, OurErr: decoder.ErrTruncated,
		X86asm: "a VEX/EVEX instruction cut off before its ModRM decodes, its length the bytes given",
		Right:  "truncated: the ModRM (and anything it implies) is still to come",
		Why:    "SDM Vol. 2A §2.3: every VEX-encoded instruction but VZEROUPPER/VZEROALL has a ModRM; EVEX (§2.7) always has one.",
		Match: func(c *Case) bool {
			op := c.Enc.Opcode
			return c.TheirOK && errors.Is(c.OurErr, decoder.ErrTruncated) && c.TheirLen == len(c.Bytes) &&
				c.Enc.Map == decoder.MapOne && (op == 0xc4 || op == 0xc5 || op == 0x62)
		},
	},
	{
		Name: "lock-cr", Example: "f00f20c0", TheirLen: 4, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "LOCK MOV to/from CRn as AMD's alias for CR(n+8) (here mov rax, cr8)",
		Right:  "#UD on Intel processors",
		Why:    "SDM Vol. 2B MOV—Move to/from Control Registers: #UD if the LOCK prefix is used. The CR8 alias is AMD-only.",
		Match: func(c *Case) bool {
			return c.TheirOK && c.Ours == nil && c.Enc.Has(0xf0) &&
				(c.Enc.Is(decoder.Map0F, 0x20) || c.Enc.Is(decoder.Map0F, 0x22))
		},
	},
	{
		Name: "evex-map-bits", Example: "62373030263000", TheirLen: 7, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "reads only EVEX P0's low two map bits, so map 7 decodes as 0F 3A (here vgetmantph)",
		Right:  "#UD: the map field names no defined map",
		Why:    "SDM Vol. 2A §2.7.1 (EVEX P0): the map-select bits beyond 0F/0F38/0F3A are reserved; a reserved map is #UD.",
		Match: func(c *Case) bool {
			return c.TheirOK && c.Ours == nil && c.Enc.Is(decoder.MapOne, 0x62) && c.Enc.HasModRM && c.Enc.ModRM&0x0c != 0
		},
	},
	{
		Name: "vzero-modrm", Example: "c5f87700", TheirLen: 4, OurLen: 3,
		X86asm: "VZEROUPPER/VZEROALL decode a ModRM (and its SIB/displacement) from the bytes that follow",
		Right:  "no ModRM: C5 F8 77 is 3 bytes",
		Why:    "SDM Vol. 2C VZEROUPPER/VZEROALL: VEX.128/256.0F.WIG 77, no ModRM (Op/En ZO).",
		Match: func(c *Case) bool {
			return c.TheirOK && ours(c, "vex") && c.TheirLen > int(c.Ours.Len) && strings.HasPrefix(c.TheirText, "vzero")
		},
	},
	{
		// Last: the specific entries above are also NP cases.
		Name: "np-prefix", Example: "660f77", TheirLen: 3, OurLen: 0, OurErr: decoder.ErrUndefined,
		X86asm: "decodes an NP instruction under 66/F2/F3 as if the prefix were not there (or were an ordinary prefix)",
		Right:  "#UD",
		Why: "SDM Vol. 2 opcode columns mark these NP (no 66/F2/F3 allowed): NP 0F 77 EMMS, NP 0F 52/53 RSQRTPS/RCPPS, " +
			"NP 0F 38 C8-CD and 0F 3A CC (SHA), NP 0F AE /0-/7 memory forms (FXSAVE ... CLFLUSH), the fences " +
			"(NP 0F AE E8/F0/F8), MOVNTI (NP 0F C3), and MOVBE under F3. " +
			"66 0F 77, 66 0F 52, F2 0F 53, 66 0F 38 C8, F3/66/F2 0F AE /0-/3, F3 0F AE F0, F3 0F C3 and " +
			"F3 0F 38 F0 raise #UD on the host.",
		Match: npStripped,
	},
}

// ours reports whether our decoder decoded c as one of the mnemonics.
func ours(c *Case, mnemonics ...string) bool {
	if c.Ours == nil {
		return false
	}
	for _, m := range mnemonics {
		if c.Ours.Form.Mnemonic == m {
			return true
		}
	}
	return false
}

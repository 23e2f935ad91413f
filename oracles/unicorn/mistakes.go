package unicorn

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
)

// KnownMistakes lists where Unicorn 2.0.1 is known to be wrong or unable,
// each entry proven by a test in mistakes_test.go. The comparison uses them
// to classify a disagreement, never to hide one: a case they explain is
// reported as "known oracle mistake" with the entry's name.
var KnownMistakes = []check.Mistake{
	{
		Name: "non-canonical address reported as unmapped",
		Why: "A data access to a non-canonical address is #GP(0) (#SS(0) through SS) in 64-bit mode " +
			"(SDM Vol. 3A 6.15 and 3.3.7.1); Unicorn 2.0.1 reports an unmapped access, which the oracle turns into #PF.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			return oracle.Outcome == engine.Exception && oracle.Vector == arch.VecPF &&
				emu.Outcome == engine.Exception && (emu.Vector == arch.VecGP || emu.Vector == arch.VecSS) &&
				!canonical(oracle.State.CR2)
		},
	},
	{
		Name: "branch to a non-canonical target completes",
		Why: "JMP, CALL, RET and Jcc to a non-canonical target raise #GP(0) at the branch in 64-bit mode " +
			"(SDM Vol. 2 JMP/RET: 'If target offset is not canonical'); Unicorn 2.0.1 takes the branch and " +
			"only faults when fetching there.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			return emu.Outcome == engine.Exception && emu.Vector == arch.VecGP &&
				oracle.Outcome == engine.Completed && !canonical(oracle.State.RIP)
		},
	},
	{
		Name: "call to a non-canonical target pushes first",
		Why: "CALL checks the target is canonical before pushing (SDM Vol. 2 CALL pseudocode: #GP(0) " +
			"precedes the stack check); Unicorn 2.0.1 pushes first and reports the stack fault.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			a := in.Args[0]
			if a.Kind == decoder.ArgReg && canonical(pre.GPR[a.Reg&15]) {
				return false
			}
			// A memory target's #GP can only come from the target value: a
			// non-canonical operand address is its own known mistake.
			return in.Form.Mnemonic == "call" && in.Form.Args == "Ev" &&
				emu.Outcome == engine.Exception && emu.Vector == arch.VecGP &&
				oracle.Outcome == engine.Exception && oracle.Vector == arch.VecPF
		},
	},
	{
		Name: "66 on a rel32 branch shortens the offset",
		Why: "In 64-bit mode Intel CPUs ignore the operand-size prefix on near JMP/CALL/Jcc rel32 (the " +
			"offset stays 4 bytes, RIP stays 64-bit; SDM Vol. 2 JMP: 'operand size fixed at 64 bits'); " +
			"Unicorn 2.0.1 (QEMU) follows AMD and truncates the target to 16 bits.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			return in.Form.Args == "Jz" && in.OpSize == 8 && hasPrefix66(in) &&
				emu.Outcome == engine.Completed && oracle.State.RIP != emu.State.RIP
		},
	},
	{
		Name: "popcnt is #UD",
		Why: "Unicorn 2.0.1 raises #UD (UC_ERR_INSN_INVALID) for POPCNT (F3 0F B8) although its CPU " +
			"model claims it; the emulator executes it as the SDM defines.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			return in.Form.Mnemonic == "popcnt" && oracle.Outcome == engine.Exception && oracle.Vector == arch.VecUD
		},
	},
}

func canonical(a uint64) bool { return uint64(int64(a<<16)>>16) == a }

// hasPrefix66 reports whether the instruction carried an operand-size
// prefix that its form ignores (J forms are always 64-bit).
func hasPrefix66(in *decoder.Inst) bool { return in.Prefix66 }

// A REP string instruction is one instruction: the SDM (Vol. 2 REP/REPE/REPNE)
// describes the whole loop, restartable after an interrupt or fault with
// RCX, RSI and RDI updated. Unicorn 2.0.1 (QEMU) counts each iteration as an
// executed instruction, so a one-instruction step stops after the first
// iteration with RIP still at the instruction (proven in
// mistakes_string_test.go).
func init() {
	KnownMistakes = append(KnownMistakes, check.Mistake{
		Name: "REP string instruction stops after one iteration",
		Why: "A REP/REPE/REPNE string instruction executes its whole loop as one instruction " +
			"(SDM Vol. 2 REP/REPE/REPZ/REPNE/REPNZ); Unicorn 2.0.1 counts each iteration as an " +
			"instruction, so a single step leaves RIP at the instruction after one iteration.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			switch in.Form.Mnemonic {
			case "movs", "movsb", "stos", "stosb", "lods", "lodsb", "scas", "scasb", "cmps", "cmpsb":
			default:
				return false
			}
			mask := ^uint64(0)
			if in.AddrSize == 4 {
				mask = 0xffffffff
			}
			n := pre.GPR[arch.RCX] & mask
			// Unicorn did exactly one iteration and stayed at the
			// instruction (even when that iteration ended the count); the
			// emulator did not stop there.
			oneIter := emu.Outcome == engine.Completed && emu.State.RIP == pre.RIP &&
				emu.State.GPR[arch.RCX]&mask == n-1
			return in.Rep != decoder.PrefixNone && n >= 1 && !oneIter &&
				oracle.Outcome == engine.Completed && oracle.State.RIP == pre.RIP &&
				oracle.State.GPR[arch.RCX]&mask == n-1
		},
	})
}

// SSE forms that require a 16-byte-aligned memory operand (the table's a16
// attribute) raise #GP(0) for a misaligned one before any access; Unicorn
// 2.0.1 does not check, so it completes (mapped page) or reports #PF.
func init() {
	KnownMistakes = append(KnownMistakes, check.Mistake{
		Name: "misaligned 16-byte SSE operand not checked",
		Why: "A legacy-SSE instruction whose memory operand must be 16-byte aligned (MOVDQA, MOVAPS, " +
			"PADDQ xmm, m128, ...) raises #GP(0) for a misaligned operand (SDM Vol. 2 MOVDQA, Protected " +
			"Mode Exceptions: '#GP(0) If a memory operand is not aligned on a 16-byte boundary'; Vol. 1 " +
			"11.4.1); Unicorn 2.0.1 performs the access regardless.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			if in.Form.Attr&decoder.AttrAlign16 == 0 || !in.HasMem() {
				return false
			}
			m := &in.Mem
			a := uint64(m.Disp)
			if m.RIPRel {
				a += pre.RIP + uint64(in.Len)
			} else {
				if m.Base >= 0 {
					a += pre.GPR[m.Base]
				}
				if m.Index >= 0 {
					a += pre.GPR[m.Index] * uint64(m.Scale)
				}
			}
			if in.AddrSize == 4 {
				a &= 0xffffffff
			}
			if m.Seg >= arch.FS {
				a += pre.Seg[m.Seg].Base
			}
			return a&15 != 0 && emu.Outcome == engine.Exception && emu.Vector == arch.VecGP &&
				(oracle.Outcome == engine.Completed || oracle.Outcome == engine.Exception && oracle.Vector == arch.VecPF)
		},
	})
}

// Unicorn hands INT n to its interrupt hook without any IDT: the flat user
// model's IDT gives CPL 3 no gate, so INT n is #GP(n*8+2) (SDM Vol. 2 INT n:
// "IF software interrupt and gate DPL < CPL THEN #GP(vector*8+2)"); Unicorn
// reports vector n itself (proven in mistakes_string_test.go).
func init() {
	KnownMistakes = append(KnownMistakes, check.Mistake{
		Name: "INT n delivers vector n without a gate check",
		Why: "INT n at CPL 3 through a gate of DPL 0 (this model has no user gate) is #GP(n*8+2) " +
			"(SDM Vol. 2 INT n/INTO/INT3/INT1); Unicorn 2.0.1 reports the interrupt as vector n.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			n := uint8(in.Imm)
			return in.Form.Mnemonic == "int" && emu.Outcome == engine.Exception && emu.Vector == arch.VecGP &&
				emu.ErrorCode == uint32(n)<<3|2 && oracle.Outcome == engine.Exception && oracle.Vector == n
		},
	})
}

// PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM with equal-ordered aggregation
// (imm8[3:2] = 11b) report a match of the needle (xmm1) that starts at
// haystack (xmm2) position j and runs off the end of a full-length haystack,
// comparing only the overlapping elements (SDM Vol. 2 4.1.4, "Equal
// ordered": for j = 0 to UpperBound, for i = 0 to UpperBound-j: IntRes1[j]
// AND= BoolRes[j+i, i]). Unicorn 2.0.1 (QEMU 5) only tries positions where
// the whole needle fits, so those tail bits are 0.
func init() {
	KnownMistakes = append(KnownMistakes, check.Mistake{
		Name: "pcmpxstrx equal ordered drops partial matches at the end",
		Why: "Equal-ordered PCMPxSTRx sets IntRes1[j] when the needle's elements that overlap a full-length " +
			"haystack from position j on all match (SDM Vol. 2 4.1.4 pseudo-code, inner loop to UpperBound-j); " +
			"Unicorn 2.0.1 tests only positions where the whole needle fits.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			switch in.Form.Mnemonic {
			case "pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm":
			default:
				return false
			}
			if in.Imm&0x0c != 0x0c || in.Args[1].Kind != decoder.ArgXmm ||
				emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
				return false
			}
			w := 1 + int(in.Imm&1)
			n := 16 / w
			a, b := pre.XMM[in.Args[0].Reg], pre.XMM[in.Args[1].Reg]
			el := func(v arch.Vec128, i int) uint64 {
				return v[i*w/8] >> (i * w * 8 % 64) & (1<<(w*8) - 1)
			}
			var la, lb int
			if in.Form.Mnemonic[4] == 'e' {
				l := func(r uint64) int {
					v := int64(int32(r))
					if in.REX&8 != 0 {
						v = int64(r)
					}
					if v < 0 {
						v = -v
					}
					if v < 0 || v > int64(n) {
						return n
					}
					return int(v)
				}
				la, lb = l(pre.GPR[arch.RAX]), l(pre.GPR[arch.RDX])
			} else {
				l := func(v arch.Vec128) int {
					for i := range n {
						if el(v, i) == 0 {
							return i
						}
					}
					return n
				}
				la, lb = l(a), l(b)
			}
			if lb != n || la == 0 {
				return false
			}
			for j := n - la + 1; j < n; j++ {
				match := true
				for i := 0; j+i < n; i++ {
					match = match && el(a, i) == el(b, j+i)
				}
				if match {
					return true
				}
			}
			return false
		},
	})
}

// PCMPESTRI/PCMPESTRM with REX.W take the explicit lengths as the absolute
// values of RAX and RDX saturated to 16 (8 for words) (SDM Vol. 2 4.1.3,
// "64-bit mode with REX.W: the absolute value of RAX/RDX"); Unicorn 2.0.1
// (QEMU 5, pcmp_elen) truncates the 64-bit absolute value to a 32-bit int,
// so a large value can read as a short or negative (empty) length.
func init() {
	KnownMistakes = append(KnownMistakes, check.Mistake{
		Name: "pcmpestrx REX.W length truncated to 32 bits",
		Why: "With REX.W, PCMPESTRI/PCMPESTRM use |RAX| and |RDX| saturated to the element count " +
			"(SDM Vol. 2 4.1.3); Unicorn 2.0.1 truncates the 64-bit absolute value to 32 bits before " +
			"saturating, so 0x1_0000_0005 reads as 5 and 0x8000_0000 as a negative (empty) length.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			if (in.Form.Mnemonic != "pcmpestri" && in.Form.Mnemonic != "pcmpestrm") || in.REX&8 == 0 ||
				emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
				return false
			}
			n := int64(16)
			if in.Imm&1 != 0 {
				n = 8
			}
			for _, r := range []uint64{pre.GPR[arch.RAX], pre.GPR[arch.RDX]} {
				v := int64(r)
				if v < 0 {
					v = -v
				}
				if t := int64(int32(v)); (v < 0 || v > n) && t <= n {
					return true
				}
			}
			return false
		},
	})
}

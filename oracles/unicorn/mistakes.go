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
		Name: "call to a non-canonical register target pushes first",
		Why: "CALL checks the target is canonical before pushing (SDM Vol. 2 CALL pseudocode: #GP(0) " +
			"precedes the stack check); Unicorn 2.0.1 pushes first and reports the stack fault.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result) bool {
			a := in.Args[0]
			return in.Form.Mnemonic == "call" && a.Kind == decoder.ArgReg && !canonical(pre.GPR[a.Reg&15]) &&
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

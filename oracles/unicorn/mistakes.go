package unicorn

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
)

// KnownMistakes lists where Unicorn 2.0.1 is known to be wrong or unable:
// the one table of them. Each entry is proven by at least one regression case
// in corpus/regressions that expects it (TestEveryKnownMistakeIsProven
// enforces that), most also by a test in mistakes_*_test.go. The comparison
// uses them to classify a disagreement, never to hide one: a case they
// explain is reported as "known oracle mistake" with the entry's name.
var KnownMistakes = []check.Mistake{
	{
		Name: "RF survives an instruction inside a translated block",
		Why: "The processor clears RF once an instruction completes; IRETQ and SYSRET set it only for the " +
			"instruction they return to (SDM Vol. 3A 18.3.1.1). QEMU clears RF where a translated block ends, " +
			"so Unicorn 2.0.1 leaves it set after an instruction in the middle of a block. Found by lockstep " +
			"replay of the cmd.exe boot, after page-fault handlers returned with RF set.",
		Corrects: func(pre *arch.State, right, oracle *engine.Result) (engine.Result, bool) {
			if pre.RFLAGS&arch.RF == 0 || right.State.RFLAGS&arch.RF != 0 || oracle.State.RFLAGS&arch.RF == 0 {
				return *oracle, false
			}
			o := *oracle
			o.State.RFLAGS &^= arch.RF
			return o, true
		},
	},
	{
		Name: "non-canonical address reported as unmapped",
		Why: "A data access to a non-canonical address is #GP(0) (#SS(0) through SS) in 64-bit mode " +
			"(SDM Vol. 3A 6.15 and 3.3.7.1); Unicorn 2.0.1 reports an unmapped access, which the oracle turns into #PF.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return oracle.Raised(arch.VecPF) &&
				emu.Outcome == engine.Exception && (emu.Vector == arch.VecGP || emu.Vector == arch.VecSS) &&
				!canonical(oracle.State.CR2)
		},
	},
	{
		Name: "REX.R applied to an opcode-extension field",
		Why: "REX.R extends ModRM.reg only where it names a register; where reg is an opcode extension " +
			"(C7 /0, 81 /7, F7 /2, ...) REX.R is ignored (SDM Vol. 2 2.2.1.2, Table 2-4); Unicorn 2.0.1 " +
			"folds it in and raises #UD for C6/C7, whose only member is /0.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.REX&4 != 0 && in.Form.OpcodeExtension() && oracle.Outcome == engine.Exception &&
				oracle.Vector == arch.VecUD && !(emu.Raised(arch.VecUD))
		},
	},
	{
		Name: "branch to a non-canonical target completes",
		Why: "JMP, CALL, RET and Jcc to a non-canonical target raise #GP(0) at the branch in 64-bit mode " +
			"(SDM Vol. 2 JMP/RET: 'If target offset is not canonical'); Unicorn 2.0.1 takes the branch and " +
			"only faults when fetching there.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return emu.Raised(arch.VecGP) &&
				oracle.Outcome == engine.Completed && !canonical(oracle.State.RIP)
		},
	},
	{
		Name: "call to a non-canonical target pushes first",
		Why: "CALL checks the target is canonical before pushing (SDM Vol. 2 CALL pseudocode: #GP(0) " +
			"precedes the stack check); Unicorn 2.0.1 pushes first and reports the stack fault.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			a := in.Args[0]
			if a.Kind == decoder.ArgReg && canonical(pre.GPR[a.Reg&15]) {
				return false
			}
			// A memory target's #GP can only come from the target value: a
			// non-canonical operand address is its own known mistake.
			return in.Form.Mnemonic == "call" && in.Form.Args == "Ev" &&
				emu.Raised(arch.VecGP) &&
				oracle.Raised(arch.VecPF)
		},
	},
	{
		Name: "66 on a near branch truncates the target",
		Why: "In 64-bit mode Intel CPUs ignore the operand-size prefix on near JMP/CALL/Jcc/LOOP/RET (a " +
			"rel32 offset stays 4 bytes, RIP and the return address stay 64-bit; SDM Vol. 2 Table A-1, " +
			"superscript f64); Unicorn 2.0.1 (QEMU) follows AMD: a 16-bit target, push or pop.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Attr&decoder.AttrF64 != 0 && hasPrefix66(in)
		},
	},
	{
		Name: "cache-line flush does not check its address",
		Why: "CLFLUSH, CLFLUSHOPT and CLWB are subject to the permission checks and faults of a byte load " +
			"(SDM Vol. 2 CLFLUSH, CLWB), so an unmapped address is #PF; Unicorn 2.0.1 completes CLFLUSH " +
			"and raises #UD for CLFLUSHOPT and CLWB, which its CPU model lacks. Found against silicon.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "clflush", "clflushopt", "clwb":
				return right.Outcome == engine.Exception && right.Vector != arch.VecUD &&
					(oracle.Outcome == engine.Completed || oracle.Raised(arch.VecUD))
			}
			return false
		},
	},
	{
		Name: "enter does not check the final stack pointer",
		Why: "ENTER checks that the stack it allocates (the final RSP) is writable, #PF or #SS before it " +
			"completes (SDM Vol. 2 ENTER); Unicorn 2.0.1 writes only the pushes and completes. Found against silicon.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "enter" && oracle.Outcome == engine.Completed &&
				(right.Raised(arch.VecPF) || right.Raised(arch.VecSS) || right.Raised(arch.VecGP))
		},
	},
	{
		Name: "16-bit enter writes all of RBP",
		Why: "With a 66 prefix ENTER's frame pointer is BP: the upper 48 bits of RBP are kept (SDM Vol. 2 " +
			"ENTER, operand size 16); Unicorn 2.0.1 writes the 16-bit frame pointer zero-extended into RBP. " +
			"Found against silicon.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			if in.Form.Mnemonic != "enter" || in.OpSize != 2 || right.Outcome != engine.Completed {
				return false
			}
			d := engine.Compare(right, oracle, cpu.Undefined(in, pre))
			return len(d) == 1 && d[0].What == "rbp" &&
				right.State.GPR[arch.RBP]&^0xffff == pre.GPR[arch.RBP]&^0xffff &&
				right.State.GPR[arch.RBP]&0xffff == oracle.State.GPR[arch.RBP]&0xffff
		},
	},
	{
		Name: "privilege checked before a nonexistent CR or DR",
		Why: "MOV to or from a control or debug register that does not exist (CR1, CR5-CR7, CR9-CR15, DR8-DR15) " +
			"is #UD at any CPL, before the CPL 0 check's #GP(0) (silicon, AMD); Unicorn 2.0.1 raises #GP " +
			"first. Found by FuzzSemantics against silicon.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Args {
			case "Rq,Cq", "Cq,Rq", "Rq,Dq", "Dq,Rq":
				return right.Raised(arch.VecUD) && oracle.Raised(arch.VecGP)
			}
			return false
		},
	},
	{
		Name: "loopcc ignores a rep prefix",
		Why: "On AMD an F3 or F2 prefix picks LOOPE/LOOPNE's condition (F3: loop while ZF = 1, F2: while " +
			"ZF = 0; measured on an AMD EPYC, the amd profile's loopcc-rep rule); Unicorn 2.0.1 ignores the " +
			"prefix. Not wrong for every processor: wrong for the one the case is judged against.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return (in.Form.Mnemonic == "loope" || in.Form.Mnemonic == "loopne") && in.Rep != decoder.PrefixNone &&
				right.Outcome == engine.Completed && oracle.Outcome == engine.Completed &&
				len(engine.Compare(right, oracle, engine.Mask{Result: []string{"rip"}})) == 0
		},
	},
	{
		Name: "a null segment prefix replaces FS or GS",
		Why: "On AMD an ES, CS, SS or DS prefix is ignored in 64-bit mode even after an FS or GS prefix, which " +
			"stays the segment (measured on an AMD EPYC: 64 26 8B 00 reads FS:[RAX]; the amd profile's " +
			"null-seg-prefix rule); Unicorn 2.0.1 lets the last prefix count, as Intel does. Not wrong for " +
			"every processor: wrong for the one the case is judged against. Found by FuzzSemantics.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return in.SegFSGS != 0 && in.SegOverride && in.Mem.Seg < arch.FS
		},
	},
	{
		Name: "alignment checked before a non-canonical stack address",
		Why: "A 16-byte-aligned operand at a non-canonical stack address is #SS(0): the address faults before " +
			"the alignment check's #GP(0) (silicon, AMD); Unicorn 2.0.1 raises #GP. Found by FuzzSemantics.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Attr&decoder.AttrAlign16 != 0 && right.Raised(arch.VecSS) && oracle.Raised(arch.VecGP)
		},
	},
	{
		Name: "popcnt is #UD",
		Why: "Unicorn 2.0.1 raises #UD (UC_ERR_INSN_INVALID) for POPCNT (F3 0F B8) although its CPU " +
			"model claims it; the emulator executes it as the SDM defines.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "popcnt" && oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "movbe is #UD",
		Why: "Unicorn 2.0.1's default CPU model lacks MOVBE, so it raises #UD for 0F 38 F0/F1; the " +
			"emulator's CPUID claims MOVBE and executes it as the SDM defines.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "movbe" && oracle.Raised(arch.VecUD) &&
				!(emu.Raised(arch.VecUD))
		},
	},
	{
		Name: "rdtsc/rdtscp read the host's time stamp counter",
		Why: "The time stamp counter's value is the machine's own (SDM Vol. 2 RDTSC); the emulator's counts " +
			"retired instructions so runs are deterministic, Unicorn 2.0.1 returns the host's. Only the " +
			"registers the instruction writes (RDX:RAX, and ECX for RDTSCP) may differ.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return (in.Form.Mnemonic == "rdtsc" || in.Form.Mnemonic == "rdtscp") &&
				onlyDiffer(in, pre, emu, oracle, "rax", "rdx", "rcx")
		},
	},
	{
		Name: "port I/O at CPL 3 skips the I/O permission check",
		Why: "IN, OUT, INS and OUTS at CPL > IOPL consult the TSS I/O permission bitmap, and with no usable " +
			"TSS they raise #GP(0) (SDM Vol. 1 19.5.2); Unicorn 2.0.1 performs the access without the check " +
			"(and INS may then fault on its memory operand instead).",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "in", "out", "insb", "ins", "outsb", "outs":
			default:
				return false
			}
			return uint64(pre.CPL) > pre.RFLAGS&arch.IOPL>>12 && emu.Outcome == engine.Exception &&
				emu.Vector == arch.VecGP && !(oracle.Raised(arch.VecGP))
		},
	},
	{
		Name: "SYSCALL and SYSRET are #UD: EFER.SCE cannot be set",
		Why: "With EFER.SCE set, SYSCALL enters the kernel and SYSRET at CPL 3 is #GP(0) (SDM SYSCALL, " +
			"SYSRET); Unicorn 2.0.1 starts with SCE clear and ignores writes of it (a WRMSR of EFER | 1 " +
			"reads back 0x500), so both are #UD there.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return (in.Form.Mnemonic == "syscall" || in.Form.Mnemonic == "sysret") && pre.EFER&arch.EFERSCE != 0 &&
				oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "no alignment checking",
		Why: "With CR0.AM and RFLAGS.AC set at CPL 3 a misaligned data access is #AC(0) (SDM Vol. 3A 6.15, " +
			"Interrupt 17; the host CPU raises it); QEMU does not model alignment checking, so Unicorn 2.0.1 " +
			"completes the access (or faults on a page the emulator, stopped by #AC, never needed).",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return pre.CPL == 3 && pre.CR0&arch.CR0AM != 0 && pre.RFLAGS&arch.AC != 0 &&
				right.Raised(arch.VecAC) && !oracle.Raised(arch.VecAC)
		},
	},
	{
		Name: "rdpmc is #UD",
		Why: "RDPMC at CPL 3 with CR4.PCE clear is #GP(0), and so is a counter index the processor lacks (SDM " +
			"Vol. 2 RDPMC); Unicorn 2.0.1 (QEMU's helper_rdpmc, which has no counters) raises #UD.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "rdpmc" && right.Raised(arch.VecGP) && oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "int1 (ICEBP, F1) is #UD",
		Why: "F1 is INT1, a one-byte #DB trap with RIP after the instruction (SDM Vol. 2 INT n/INTO/INT3/" +
			"INT1; the host CPU traps too); Unicorn 2.0.1 raises #UD at it.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "int1" && emu.Raised(arch.VecDB) &&
				oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "rdpid is #UD: Unicorn's CPU model lacks it",
		Why: "RDPID reads IA32_TSC_AUX into a register when CPUID.7.0:ECX.RDPID is set (SDM Vol. 2 RDPID), " +
			"which the emulator's model reports; Unicorn 2.0.1's qemu64 model has no RDPID and raises #UD.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "rdpid" && !emu.Raised(arch.VecUD) && oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "cpuid describes Unicorn's CPU model",
		Why: "CPUID reports the processor's own identification and features (SDM Vol. 2 CPUID); the " +
			"emulator's leaves describe what it implements, Unicorn 2.0.1's describe its qemu64 model. " +
			"Only EAX, EBX, ECX and EDX may differ.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "cpuid" && onlyDiffer(in, pre, emu, oracle, "rax", "rbx", "rcx", "rdx")
		},
	},

	{
		Name: "REX before a legacy prefix still applied",
		Why: "A REX prefix has effect only immediately before the opcode (or escape) byte; one followed by " +
			"a legacy prefix is ignored (SDM Vol. 2 2.2.1); Unicorn 2.0.1 still applies it (41 26 90 runs " +
			"as xchg r8, rax instead of nop).",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.IgnoredREX != 0
		},
	},
	{
		Name: "sahf/lahf with REX use SPL instead of AH",
		Why: "SAHF and LAHF name AH implicitly, and a REX prefix does not change an implicit operand " +
			"(SDM Vol. 2 SAHF/LAHF: 'AH'); Unicorn 2.0.1 decodes the implicit register as byte " +
			"register 4, which under REX is SPL.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return (in.Form.Mnemonic == "sahf" || in.Form.Mnemonic == "lahf") && in.REX != 0
		},
	},
	{
		Name: "test alias F6/F7 /1 is #UD",
		Why: "F6 /1 and F7 /1 run as TEST Ib/Iz on silicon (AMD APM Vol. 3 documents them; executed on " +
			"this project's host CPU; the SDM's map leaves the cell blank), and the emulator follows " +
			"silicon; Unicorn 2.0.1 raises #UD.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "test" && in.Form.Map == decoder.MapOne &&
				(in.Form.Opcode == 0xf6 || in.Form.Opcode == 0xf7) && (in.ModRM>>3)&7 == 1 &&
				oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "LOCK accepted on an instruction that cannot be locked",
		Why: "LOCK is allowed only on the read-modify-write instructions listed in the SDM, with a memory " +
			"destination; anywhere else it is #UD, which comes before any other fault (SDM Vol. 2 LOCK); " +
			"Unicorn 2.0.1 ignores it on many instructions (Jcc, MOV, HLT, ...).",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Lock && in.Form != nil && emu.Raised(arch.VecUD) &&
				!(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "C6/C7 with a reg field other than 0 run as MOV",
		Why: "C6 and C7 define only /0 (MOV r/m, imm) and the XABORT/XBEGIN encodings C6 F8/C7 F8; every " +
			"other reg field is #UD (SDM Vol. 2 Table A-6, Group 11); Unicorn 2.0.1 ignores the reg field " +
			"and moves the immediate.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form == nil && in.Map == decoder.MapOne && (in.Opcode == 0xc6 || in.Opcode == 0xc7) &&
				(in.ModRM>>3)&7 != 0 && emu.Raised(arch.VecUD) &&
				oracle.Outcome != engine.Exception
		},
	},
	{
		Name: "reserved x87 encoding run as an alias",
		Why: "The register forms the SDM's x87 maps leave reserved (DF D8-DF, D9 D8-DF, ...) are #UD in the " +
			"emulator, which implements no x87 at all (its CPUID clears FPU); Unicorn 2.0.1 runs them as the " +
			"aliases older silicon has (FSTP1, FXCH4, ...). A difference of CPU model, not of semantics " +
			"the emulator claims.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form == nil && in.Map == decoder.MapOne && in.Opcode >= 0xd8 && in.Opcode <= 0xdf &&
				emu.Raised(arch.VecUD) && oracle.Outcome != engine.Exception
		},
	},
	{
		Name: "AMD-only instruction runs although the CPU model has none",
		Why: "0F 0F (3DNow!), 0F 0E (FEMMS), 66/F2 0F 78/79 (SSE4a EXTRQ/INSERTQ), F2/F3 0F 2B (SSE4a " +
			"MOVNTSD/MOVNTSS) and 0F 01 D8-DF (SVM: VMRUN, STGI, ...) are AMD's, absent from " +
			"Intel's maps and from the emulator's CPUID, so they are #UD here (SDM Vol. 2 Table A-3 leaves " +
			"those cells blank or to VMX); Unicorn 2.0.1 runs them.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form == nil && in.Map == decoder.Map0F &&
				(in.Opcode == 0x0f || in.Opcode == 0x0e || in.Opcode == 0x78 || in.Opcode == 0x79 ||
					in.Opcode == 0x2b && in.Rep != decoder.PrefixNone || in.Opcode == 0x01 && in.ModRM&0xf8 == 0xd8) &&
				emu.Raised(arch.VecUD) &&
				!(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "store into the page being executed is not completed",
		Why: "A store may modify code on the page being executed; the instruction still completes and later " +
			"fetches see the new bytes (SDM Vol. 3A 11.6, self-modifying code). With a one-instruction count, " +
			"Unicorn 2.0.1 abandons the instruction when the store hits its own translation block: RIP does " +
			"not move, and the flags (sometimes the store too) are lost.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed || oracle.State.RIP != pre.RIP ||
				!in.HasMem() {
				return false
			}
			// The memory operand (written, or written back unchanged) lies on
			// the instruction's page or the next, which Unicorn has translated
			// ahead into.
			a := in.Offset(&pre.GPR, pre.RIP) + segBase(in, pre)
			first, last := a>>12, (a+uint64(max(in.MemSize(), 1))-1)>>12
			code := pre.RIP >> 12
			return first == code || first == code+1 || last == code || last == code+1
		},
	},
	{
		Name: "register-only instruction accepted with a memory operand",
		Why: "MOVMSKPS/PD, PMOVMSKB, MASKMOVDQU, the shift-by-immediate groups and the like exist only with " +
			"ModRM.mod = 11B; a memory form is #UD (SDM Vol. 2 encodings 'mod=11'); Unicorn 2.0.1 ignores mod " +
			"and uses the rm register.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form == nil && in.ModRM>>6 != 3 && decoder.RegisterOnly(in.Map, in.Opcode) &&
				emu.Raised(arch.VecUD) &&
				!(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "hint NOP (0F 18-1F) is #UD",
		Why: "0F 18 through 0F 1F are the hint-NOP space: prefetch hints with a memory operand and NOPs " +
			"otherwise, any ModRM (SDM Vol. 2 NOP and PREFETCHh; 0F 18 C1 and 0F 18 F9 executed on the " +
			"host CPU); Unicorn 2.0.1 raises #UD for some of them.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Map == decoder.Map0F && in.Form.Opcode >= 0x18 && in.Form.Opcode <= 0x1f &&
				emu.Outcome == engine.Completed && oracle.Raised(arch.VecUD)
		},
	},
	{
		Name: "VEX/EVEX not rejected without AVX",
		Why: "With neither AVX nor AVX-512 in CPUID (the emulator's model), C4, C5 and 62 are invalid opcodes " +
			"in 64-bit mode, #UD before any operand is accessed (SDM Vol. 2 2.3.12 and Table A-2); Unicorn " +
			"2.0.1 decodes the VEX/EVEX instruction anyway and runs or faults on its operand.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return decoder.IsVEX(in.Form) && emu.Raised(arch.VecUD) &&
				!(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "RIP-relative address ignores a trailing immediate",
		Why: "A RIP-relative address is relative to the end of the whole instruction, immediate included " +
			"(SDM Vol. 2 2.2.1.6); for SHLD/SHRD with an imm8 Unicorn 2.0.1 (QEMU's missing rip_offset) " +
			"uses the address one byte lower.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			// Unicorn works on the wrong address, so everything that follows
			// from it (the bytes written, the flags) may differ.
			return in.HasMem() && in.Mem.RIPRel && (in.Form.Mnemonic == "shld" || in.Form.Mnemonic == "shrd") &&
				in.Args[in.NArgs-1].Kind == decoder.ArgImm
		},
	},
	{
		Name: "cmpxchg r32 zero-extends the register it does not write",
		Why: "A 32-bit CMPXCHG with a register destination writes the destination on success and only EAX " +
			"on failure; the register not written keeps its upper half (executed on this project's host " +
			"CPU; the SDM pseudocode's write-back is the memory operand's locked cycle). Unicorn 2.0.1 " +
			"writes both, zeroing the other's upper half.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			d := in.Args[0]
			if in.Form.Mnemonic != "cmpxchg" || d.Kind != decoder.ArgReg || d.Size != 4 {
				return false
			}
			o := *oracle
			if uint32(pre.GPR[arch.RAX]) == uint32(pre.GPR[d.Reg&15]) {
				o.State.GPR[arch.RAX] = pre.GPR[arch.RAX]
			} else {
				o.State.GPR[d.Reg&15] = pre.GPR[d.Reg&15]
			}
			return len(engine.Compare(emu, &o, cpu.Undefined(in, pre))) == 0
		},
	},
	{
		Name: "66/F2/F3 ignored on the NP 0F AE group",
		Why: "FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, XSAVE... (0F AE /0-/7 with a memory operand) are NP: a " +
			"66, F2 or F3 prefix makes them #UD (SDM Vol. 2 'NP'; executed on the host CPU: SIGILL); " +
			"Unicorn 2.0.1 ignores the prefix and runs the instruction.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form == nil && in.Map == decoder.Map0F && in.Opcode == 0xae && in.ModRM>>6 != 3 &&
				(in.Prefix66 || in.Rep != decoder.PrefixNone) && emu.Outcome == engine.Exception &&
				emu.Vector == arch.VecUD && !(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "ret imm16 sign-extends the immediate",
		Why: "RET imm16 releases imm16 bytes, an unsigned count, after popping (SDM Vol. 2 RET: " +
			"'RSP <- RSP + SRC', SRC a 16-bit immediate); Unicorn 2.0.1 sign-extends it, so 0x9090 " +
			"releases -0x6f70 bytes.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if in.Form.Mnemonic != "ret" || in.NArgs != 1 || uint16(in.Imm) < 0x8000 ||
				emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
				return false
			}
			o := *oracle
			o.State.GPR[arch.RSP] = emu.State.GPR[arch.RSP]
			return oracle.State.GPR[arch.RSP] == pre.GPR[arch.RSP]+8+uint64(int64(int16(in.Imm))) &&
				len(engine.Compare(emu, &o, cpu.Undefined(in, pre))) == 0
		},
	},
	{
		Name: "F2 and F3 together: F3 wins instead of the last",
		Why: "With both F2 and F3 the last one given selects the instruction (executed on the host CPU: " +
			"F3 F2 0F 58 is ADDSD, F2 F3 0F 58 is ADDSS); Unicorn 2.0.1 (QEMU) always prefers F3.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.BothReps && in.Rep == decoder.PrefixF2
		},
	},
	{
		Name: "15-byte limit not checked before the operands",
		Why: "An instruction longer than 15 bytes is #GP(0), detected while decoding and so before any " +
			"operand is accessed (SDM Vol. 2 2.3.11, Vol. 3A Table 6-2); Unicorn 2.0.1 accesses the memory " +
			"operand first (or runs the instruction). The emulator's #GP from a failed decode can only be " +
			"the length limit.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return emu.Raised(arch.VecGP) &&
				!(oracle.Raised(arch.VecGP))
		},
	},
	{
		Name: "memory-only instruction accepted with a register operand",
		Why: "MOVHPD, MOVLPD, LDDQU, MOVNTDQ and the like exist only with a memory operand; ModRM.mod = 11B " +
			"is #UD (SDM Vol. 2, their 'm64'/'m128' encodings); Unicorn 2.0.1 runs a register form.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			p := in.Rep
			if p == decoder.PrefixNone && in.Prefix66 {
				p = decoder.Prefix66
			}
			return in.Form == nil && in.ModRM>>6 == 3 && decoder.MemoryOnly(in.Map, in.Opcode, p) &&
				emu.Raised(arch.VecUD) &&
				!(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "66 with F2/F3: 66 selects the form instead of F2/F3",
		Why: "When 66 and F2 or F3 are both given to a vector instruction, F2/F3 select the form (executed " +
			"on the host CPU: F2 66 0F 58 and 66 F2 0F 58 are both ADDSD); Unicorn 2.0.1 (QEMU) lets 66 " +
			"select it (ADDPD).",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Prefix66 && in.Rep != decoder.PrefixNone && in.Form.Attr&decoder.AttrSSE != 0 &&
				in.Form.Prefix == in.Rep
		},
	},
	{
		Name: "F2/F3 with no form of their own ignored on a vector instruction",
		Why: "On the SSE opcodes 66/F2/F3 are mandatory prefixes: an F2 or F3 that selects no form makes " +
			"the instruction #UD (executed on the host CPU: F3 0F 28, F2 0F 57, F2 66 0F 61 all SIGILL); " +
			"Unicorn 2.0.1 ignores it and runs the unprefixed or 66 form.",
		Undecodable: true,
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form == nil && in.Rep != decoder.PrefixNone && decoder.PrefixSelected(in.Map, in.Opcode) &&
				emu.Raised(arch.VecUD) &&
				!(oracle.Raised(arch.VecUD))
		},
	},
	{
		Name: "horizontal add/sub with one register for both operands reads its own result",
		Why: "PHADDW xmm, xmm (and the other PHADD/PHSUB forms) compute every result lane from the operands' " +
			"values before the instruction (SDM Vol. 2 PHADDW pseudocode: the upper half comes from SRC); with " +
			"the same register as both, Unicorn 2.0.1 writes the lower half first and reads it back for the upper.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "phaddw", "phaddd", "phaddsw", "phsubw", "phsubd", "phsubsw":
			default:
				return false
			}
			return in.Args[1].Kind == decoder.ArgXmm && in.Args[1].Reg == in.Args[0].Reg
		},
	},
	{
		Name: "lock neg sets the flags from the wrong value",
		Why: "LOCK NEG sets the flags exactly as NEG does (SDM Vol. 2 NEG, LOCK); Unicorn 2.0.1 (QEMU 5's " +
			"cmpxchg loop for locked NEG) computes them from another value. The stored result agrees: only " +
			"RFLAGS may differ.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if in.Form.Mnemonic != "neg" || !in.Lock || emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
				return false
			}
			o := *oracle
			o.State.RFLAGS = emu.State.RFLAGS
			return len(engine.Compare(emu, &o, cpu.Undefined(in, pre))) == 0
		},
	},
	{
		Name: "movsxd with 66 reads 32 bits",
		Why: "MOVSXD r16, r/m16 (66 63) reads a word (SDM Vol. 2 MOVSXD); Unicorn 2.0.1 reads a doubleword, " +
			"so an operand whose third byte is on an unmapped page faults there.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "movsxd" && in.OpSize == 2 && in.HasMem() &&
				emu.Outcome == engine.Completed && oracle.Raised(arch.VecPF)
		},
	},
	{
		Name: "REP string instruction stops after one iteration",
		Why: "A REP/REPE/REPNE string instruction executes its whole loop as one instruction " +
			"(SDM Vol. 2 REP/REPE/REPZ/REPNE/REPNZ); Unicorn 2.0.1 counts each iteration as an " +
			"instruction, so a single step leaves RIP at the instruction after one iteration.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
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
	},
	{
		Name: "misaligned 16-byte SSE operand not checked",
		Why: "A legacy-SSE instruction whose memory operand must be 16-byte aligned (MOVDQA, MOVAPS, " +
			"PADDQ xmm, m128, ...) raises #GP(0) for a misaligned operand (SDM Vol. 2 MOVDQA, Protected " +
			"Mode Exceptions: '#GP(0) If a memory operand is not aligned on a 16-byte boundary'; Vol. 1 " +
			"11.4.1); Unicorn 2.0.1 performs the access regardless.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if in.Form.Attr&decoder.AttrAlign16 == 0 || !in.HasMem() {
				return false
			}
			a := in.Offset(&pre.GPR, pre.RIP) + segBase(in, pre)
			return a&15 != 0 && emu.Raised(arch.VecGP) &&
				(oracle.Outcome == engine.Completed || oracle.Raised(arch.VecPF))
		},
	},
	{
		Name: "INT n delivers vector n without a gate check",
		Why: "INT n at CPL 3 through a gate of DPL 0 (this model has no user gate) is #GP(n*8+2) " +
			"(SDM Vol. 2 INT n/INTO/INT3/INT1); Unicorn 2.0.1 reports the interrupt as vector n.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			n := uint8(in.Imm)
			return in.Form.Mnemonic == "int" && emu.Raised(arch.VecGP) &&
				emu.ErrorCode == uint32(n)<<3|2 && oracle.Outcome == engine.Exception && oracle.Vector == n
		},
	},
	{
		Name: "pcmpxstrx equal ordered drops partial matches at the end",
		Why: "Equal-ordered PCMPxSTRx sets IntRes1[j] when the needle's elements that overlap a full-length " +
			"haystack from position j on all match (SDM Vol. 2 4.1.4 pseudo-code, inner loop to UpperBound-j); " +
			"Unicorn 2.0.1 tests only positions where the whole needle fits.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm":
			default:
				return false
			}
			b, ok := xmmSource(in, pre, mem)
			if in.Imm&0x0c != 0x0c || !ok || emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
				return false
			}
			w := 1 + int(in.Imm&1)
			n := 16 / w
			a := pre.XMM[in.Args[0].Reg]
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
	},
	{
		Name: "pcmpestrx length of INT_MIN read as empty",
		Why: "Without REX.W, PCMPESTRI/PCMPESTRM take |EAX| and |EDX| saturated to the element count " +
			"(SDM Vol. 2 4.1.3): |-2^31| is 2^31, so 16 (8 for words). Unicorn 2.0.1 computes abs(INT_MIN) " +
			"in a 32-bit int, which stays negative, and treats the string as empty (or crashes: see the " +
			"regression case pcmpestrm-edx-int-min).",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if (in.Form.Mnemonic != "pcmpestri" && in.Form.Mnemonic != "pcmpestrm") || in.REX&8 != 0 ||
				emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
				return false
			}
			return uint32(pre.GPR[arch.RAX]) == 0x80000000 || uint32(pre.GPR[arch.RDX]) == 0x80000000
		},
	},
	{
		Name: "pcmpestrx REX.W length truncated to 32 bits",
		Why: "With REX.W, PCMPESTRI/PCMPESTRM use |RAX| and |RDX| saturated to the element count " +
			"(SDM Vol. 2 4.1.3); Unicorn 2.0.1 truncates the 64-bit absolute value to 32 bits before " +
			"saturating, so 0x1_0000_0005 reads as 5 and 0x8000_0000 as a negative (empty) length.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
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
	},
	{
		Name: "SSE float exception flags not recorded in MXCSR",
		Why: "SSE floating-point instructions set MXCSR's sticky exception flags IE, DE, ZE, OE, UE, PE " +
			"(SDM Vol. 1 10.2.3.1 and 11.5.2) and with FTZ return a zero for a tiny result (10.2.3.3); " +
			"Unicorn 2.0.1 never copies its softfloat flags into MXCSR and applies FTZ to the x87 status only.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return floatLanes(in, pre, emu, oracle, ftzLane)
		},
	},
	{
		Name: "two NaN operands: x87 rule instead of the SSE first-operand rule",
		Why: "With two NaN operands an SSE instruction returns the first source operand's NaN, quieted " +
			"(SDM Vol. 1 Table 4-7, 'SSE/SSE2/SSE3: first source operand'); Unicorn 2.0.1 (QEMU 5.0 " +
			"softfloat's x87 rule) returns the one with the larger significand.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			w := sseFloatDest[in.Form.Mnemonic]
			var nans []uint64 // the quieted NaN lanes of the register operands
			for i := range 2 {
				if a := in.Args[i]; a.Kind == decoder.ArgXmm && w != 0 {
					for j := range 16 / w {
						if x := laneOf(pre.XMM[a.Reg], w, j); isNaNLane(x, w) {
							nans = append(nans, x|quietBit(w))
						}
					}
				}
			}
			return floatLanes(in, pre, emu, oracle, func(pre *arch.State, w int, e, r uint64) bool {
				if ftzLane(pre, w, e, r) {
					return true
				}
				if !isNaNLane(r, w) || r&quietBit(w) == 0 {
					return false
				}
				for _, n := range nans {
					if e == n {
						return true
					}
				}
				return false
			})
		},
	},
	{
		Name: "roundss/roundsd read 16 bytes from memory",
		Why: "ROUNDSS/ROUNDSD with a memory source read 4/8 bytes (SDM Vol. 2 ROUNDSS: 'xmm2/m32'); " +
			"Unicorn 2.0.1 loads 16, so it faults on the next page when the operand ends a page.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return (in.Form.Mnemonic == "roundss" || in.Form.Mnemonic == "roundsd") && in.HasMem() &&
				emu.Outcome == engine.Completed && oracle.Outcome == engine.Exception &&
				oracle.Vector == arch.VecPF && oracle.State.CR2&0xfff == 0
		},
	},
	{
		Name: "legacy CMPPS/CMPPD/CMPSS/CMPSD with imm8 > 7 is #UD",
		Why: "Legacy-SSE CMPPS/CMPPD/CMPSS/CMPSD use imm8[2:0]; bits 7:3 are reserved (SDM Vol. 2 CMPPS, " +
			"'bits 7:3 of the immediate are reserved'), and the CPU executes them (measured on the host); " +
			"Unicorn 2.0.1 raises #UD.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "cmpps", "cmppd", "cmpss", "cmpsd":
			default:
				return false
			}
			return uint8(in.Imm) > 7 && oracle.Raised(arch.VecUD) &&
				!(emu.Raised(arch.VecUD))
		},
	},
	{
		Name: "unmasked SSE float exception not raised",
		Why: "An unmasked SIMD floating-point exception raises #XM (#UD if CR4.OSXMMEXCPT is clear) and " +
			"leaves the destination unchanged (SDM Vol. 1 11.5.3); Unicorn 2.0.1 ignores MXCSR's masks.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			_, ok := sseFloatDest[in.Form.Mnemonic]
			vec := uint8(arch.VecXM)
			if pre.CR4&arch.CR4OSXMMEXCPT == 0 {
				vec = arch.VecUD
			}
			unmasked := emu.State.MXCSR & 0x3f &^ (pre.MXCSR >> 7)
			return ok && emu.Outcome == engine.Exception && emu.Vector == vec && unmasked != 0 &&
				oracle.Outcome == engine.Completed && oracle.State.MXCSR == pre.MXCSR
		},
	},
	{
		Name: "ldmxcsr loads reserved MXCSR bits",
		Why: "LDMXCSR raises #GP(0) for a value with bits outside MXCSR_MASK (0xFFFF) set (SDM Vol. 2 " +
			"LDMXCSR, Protected Mode Exceptions); Unicorn 2.0.1 loads them.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "ldmxcsr" && emu.Raised(arch.VecGP) &&
				oracle.Outcome == engine.Completed && oracle.State.MXCSR&^0xffff != 0
		},
	},
	{
		Name: "fxsave/fxrstor skip MXCSR and XMM (CR4.OSFXSR clear inside Unicorn)",
		Why: "With CR4.OSFXSR set FXSAVE stores and FXRSTOR loads MXCSR and XMM0-15 (SDM Vol. 2 FXSAVE, " +
			"Table 10-2); Unicorn 2.0.1's CPU keeps CR4.OSFXSR clear, so it skips them (and never checks " +
			"the loaded MXCSR's reserved bits); it does not store FOP, leaves the reserved bytes 10-15 of " +
			"each ST slot unwritten (silicon stores zeros), and its x87 control and tag words are " +
			"not the reset values the case starts from (the oracle cannot load x87 state).",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "fxrstor":
				if oracle.Outcome != engine.Completed || oracle.State.MXCSR != pre.MXCSR || oracle.State.XMM != pre.XMM {
					return false
				}
				if emu.Outcome == engine.Exception {
					return emu.Vector == arch.VecGP
				}
				o := *oracle
				o.State.MXCSR, o.State.XMM = emu.State.MXCSR, emu.State.XMM
				return emu.Outcome == engine.Completed && len(engine.Compare(emu, &o, engine.Mask{})) == 0
			case "fxsave":
				if emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed ||
					len(engine.Compare(emu, oracle, engine.Mask{Memory: true})) != 0 {
					return false
				}
				a, b := writtenBytes(emu.Writes), writtenBytes(oracle.Writes)
				base := ^uint64(0)
				for k := range a {
					base = min(base, k)
				}
				for k := range b {
					base = min(base, k)
				}
				base &^= 15
				skip := func(k uint64) bool {
					off := k - base
					return off < 8 || off >= 24 && off < 32 || off >= 160 && off < 416 ||
						off >= 32 && off < 160 && (off-32)%16 >= 10
				}
				for k, v := range a {
					if w, ok := b[k]; !skip(k) && (!ok || w != v) {
						return false
					}
				}
				for k := range b {
					if _, ok := a[k]; !skip(k) && !ok {
						return false
					}
				}
				return true
			}
			return false
		},
	},
	{
		Name: "dpps/dppd sum sequentially, not in pairs",
		Why: "DPPS adds its products in pairs, (p0+p1)+(p2+p3), and DPPD p0+p1, unselected products being " +
			"+0.0, each sum rounded per MXCSR (SDM Vol. 2 DPPS/DPPD, DP_primitive); which NaN reaches the " +
			"destination when several occur is implementation dependent (SDM Vol. 2 DPPS, 'Horizontal " +
			"propagation of NaNs'). Unicorn 2.0.1 (QEMU 5 helper_dpps/helper_dppd) adds the selected products " +
			"one by one to +0.0, so its result can differ by an ulp and in the sign of a zero. Each " +
			"differing lane must be that sequential sum (or a NaN where it is a NaN), and " +
			"MXCSR may differ only in its exception flags, as for every SSE float instruction.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if in.Form.Mnemonic != "dpps" && in.Form.Mnemonic != "dppd" {
				return false
			}
			src, ok := xmmSource(in, pre, mem)
			if !ok {
				return false
			}
			w := sseFloatDest[in.Form.Mnemonic]
			seq, _ := cpu.DotProduct(w, pre.XMM[in.Args[0].Reg], src, uint8(in.Imm), pre.MXCSR, false)
			return floatLanes(in, pre, emu, oracle, func(pre *arch.State, w int, e, r uint64) bool {
				for i := range 16 / w {
					if s := laneOf(seq, w, i); r == s || isNaNLane(r, w) && isNaNLane(s, w) && isNaNLane(e, w) ||
						ftzLane(pre, w, e, r) {
						return true
					}
				}
				return false
			})
		},
	},
	{
		Name: "page fault inside a helper instruction reported after it",
		Why: "A #PF is a fault: it is reported with RIP at the faulting instruction and no state changed " +
			"(SDM Vol. 3A 6.5 and 6.15, Interrupt 14); for instructions Unicorn 2.0.1 runs in C helpers " +
			"(FXSAVE, FXRSTOR, MASKMOVDQU, ...) a page fault inside the helper is reported with RIP past " +
			"the instruction.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			if emu.Outcome != engine.Exception || emu.Vector != arch.VecPF ||
				oracle.Outcome != engine.Exception || oracle.Vector != arch.VecPF ||
				emu.State.RIP != pre.RIP || oracle.State.RIP != pre.RIP+uint64(in.Len) {
				return false
			}
			o := *oracle
			o.State.RIP = emu.State.RIP
			return len(engine.Compare(emu, &o, cpu.Undefined(in, pre))) == 0
		},
	},
	{
		Name: "rcp/rsqrt approximation differs (implementation-specific)",
		Why: "RCPPS/RCPSS/RSQRTPS/RSQRTSS return an approximation with relative error at most 1.5*2^-12 " +
			"(SDM Vol. 2 RCPPS/RSQRTPS); each implementation has its own. The emulator rounds the exact " +
			"value to 12 bits and flushes RCP of |x| >= 1.11111111110100000000000B*2^125 to zero as the SDM " +
			"describes; Unicorn 2.0.1 divides exactly. Lanes must agree within the bound.",
		Applies: func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			switch in.Form.Mnemonic {
			case "rcpps", "rcpss", "rsqrtps", "rsqrtss":
			default:
				return false
			}
			return onlyDestLanes(in, pre, emu, oracle, 4, func(e, r uint64) bool {
				fe, fr := float64(math.Float32frombits(uint32(e))), float64(math.Float32frombits(uint32(r)))
				if e&^(1<<31) == 0 && math.Abs(fr) < 0x1p-125 {
					return true // the SDM's flush of a huge input's reciprocal
				}
				if math.IsInf(fe, 0) && (math.IsNaN(fr) && fe < 0 || math.Abs(fr) >= 0x1p63 && (fr < 0) == (fe < 0)) {
					return true // a denormal input counts as zero (measured on the host CPU)
				}
				return fr != 0 && !math.IsInf(fr, 0) && !math.IsNaN(fe) && math.Abs(fe-fr) <= 1.5*0x1p-12*math.Abs(fr)
			})
		},
	},
	{
		Name: "MMX register write keeps the x87 sign and exponent",
		Why: "An MMX instruction writing MMi sets bits 64-79 of the x87 register Ri, its sign and " +
			"exponent, to all ones (SDM Vol. 1 Table 9-3; silicon, AMD); Unicorn 2.0.1 (QEMU 5) writes " +
			"only the low 64 bits. Each differing register must differ only there, and keep its old bits.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			o := *oracle
			fixed := false
			for i := range o.State.X87.ST {
				e, r := right.State.X87.ST[i], &o.State.X87.ST[i]
				if e == *r || [8]byte(e[:8]) != [8]byte(r[:8]) || e[8] != 0xff || e[9] != 0xff {
					continue
				}
				old := mmxRegister(&pre.X87, i)
				if r[8] != old[8] || r[9] != old[9] {
					return false
				}
				r[8], r[9] = 0xff, 0xff
				fixed = true
			}
			return fixed && mmxForm(in) && len(engine.Compare(right, &o, cpu.Undefined(in, pre))) == 0
		},
	},
	{
		Name: "MMX instruction ignores a pending x87 exception",
		Why: "An MMX instruction (EMMS included) raises #MF while an unmasked x87 exception is pending " +
			"(FSW.ES), before anything else (SDM Vol. 1 9.6.5 and 9.7; silicon, AMD); Unicorn 2.0.1 " +
			"(QEMU 5) checks it only in FWAIT and the x87 instructions, and runs the instruction.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return mmxForm(in) && pre.X87.FSW&0x80 != 0 && right.Raised(arch.VecMF) && !oracle.Raised(arch.VecMF)
		},
	},
	{
		Name: "faulting MMX instruction enters MMX state",
		Why: "An MMX instruction whose operand read or store faults leaves the x87 state as it was (a " +
			"fault changes nothing: SDM Vol. 3A 6.5; silicon, AMD); Unicorn 2.0.1 (QEMU 5) makes the " +
			"transition to MMX state (TOP 0, every tag valid) when it translates the instruction, before " +
			"the access faults, and so for a VEX encoding of an MMX opcode before its #UD (found by " +
			"FuzzSemantics). A correction of the x87 state, so it combines with another mistake.",
		Corrects: func(pre *arch.State, right, oracle *engine.Result) (engine.Result, bool) {
			want := pre.X87
			cpu.EnterMMX(&want)
			if right.Outcome != engine.Exception || right.State.X87 != pre.X87 || oracle.Outcome != engine.Exception ||
				oracle.State.X87 != want || want == pre.X87 {
				return *oracle, false
			}
			o := *oracle
			o.State.X87 = pre.X87
			return o, true
		},
	},
	{
		Name: "SSSE3 MMX form does not enter MMX state",
		Why: "Every MMX-register instruction sets TOP to 0, tags every register valid and sets the " +
			"sign and exponent of the register it writes to all ones (SDM Vol. 1 Table 9-3; silicon, " +
			"AMD); Unicorn 2.0.1 runs the 0F 38 and 0F 3A MMX forms (PSHUFB, PHADDW, PALIGNR, ...) " +
			"without that transition, writing only the significand.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			if !mmxForm(in) || in.Map != decoder.Map0F38 && in.Map != decoder.Map0F3A {
				return false
			}
			want := pre.X87
			for i := range 8 {
				r := &want.ST[(i-int(want.FSW>>11&7))&7]
				copy(r[:8], right.State.X87.ST[i][:8]) // silicon's TOP is 0: slot i is Ri
			}
			if oracle.State.X87 != want {
				return false
			}
			return sameButX87(in, pre, right, oracle, right.State.X87)
		},
	},
	{
		Name: "REX.R or REX.B extends an MMX register of an 0F 38/0F 3A form",
		Why: "MMX registers are numbered 0-7: REX.R and REX.B do not extend them (SDM Vol. 2 2.2.1.2, " +
			"silicon, AMD); Unicorn 2.0.1 (QEMU 5) adds them to the register number of the 0F 38 and " +
			"0F 3A MMX forms and so reads and writes past MM7. Only the x87 registers may differ.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			if !mmxForm(in) || in.Map != decoder.Map0F38 && in.Map != decoder.Map0F3A || in.REX&5 == 0 {
				return false
			}
			return sameButX87(in, pre, right, oracle, right.State.X87)
		},
	},
	{
		Name: "cvtpi2ps/cvtpi2pd from memory enter MMX state",
		Why: "CVTPI2PS and CVTPI2PD with a memory source make no transition to MMX state and leave the " +
			"x87 state alone (SDM Vol. 2 CVTPI2PS, CVTPI2PD; silicon, AMD); Unicorn 2.0.1 (QEMU 5) makes " +
			"the transition (TOP 0, every tag valid) as for an MMX register source.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			if m := in.Form.Mnemonic; m != "cvtpi2ps" && m != "cvtpi2pd" || in.Args[1].Kind != decoder.ArgMem {
				return false
			}
			want := pre.X87
			cpu.EnterMMX(&want)
			if oracle.State.X87 != want || right.State.X87 != pre.X87 {
				return false
			}
			return sameButX87(in, pre, right, oracle, pre.X87)
		},
	},
	{
		Name: "emms leaves TOP",
		Why: "EMMS sets TOP to 0 as every MMX instruction does, and tags every register empty (SDM " +
			"Vol. 1 Table 9-3; silicon, AMD); Unicorn 2.0.1 (QEMU 5 helper_emms) only empties the tags.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			want := pre.X87
			want.FTW = 0
			if in.Form.Mnemonic != "emms" || oracle.State.X87 != want {
				return false
			}
			return sameButX87(in, pre, right, oracle, right.State.X87)
		},
	},
	// The generic entries last: the specific ones above name the cause.
	{
		Name: "reserved opcode reads its memory operand before #UD",
		Why: "An undefined or reserved encoding (FF /7, FE /2-/7, ...) is #UD, detected when it is decoded " +
			"and so before any memory operand is accessed (SDM Vol. 3A 6.15, #UD: 'raised when the " +
			"processor attempts to execute an invalid or reserved opcode'); Unicorn 2.0.1 loads the " +
			"operand first and reports the page fault.",
		Undecodable: true,
		Applies: func(_ *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem check.Memory) bool {
			return emu.Raised(arch.VecUD) &&
				oracle.Raised(arch.VecPF)
		},
	},
	{
		Name: "maskmovdqu with 67 does not wrap at 4 GiB",
		Why: "With a 32-bit address size MASKMOVDQU stores byte i at EDI+i modulo 2^32 (silicon: EDI = " +
			"0xfffffff8 stores bytes 8-15 at 0-7); Unicorn 2.0.1 stores them past 4 GiB. Found against silicon.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return in.Form.Mnemonic == "maskmovdqu" && in.AddrSize == 4 && uint32(pre.GPR[arch.RDI]) > 0xfffffff0
		},
	},
	{
		Name: "maskmovdqu checks only the selected bytes",
		Why: "MASKMOVDQU's destination is a 16-byte memory location checked whole, the bytes the mask " +
			"leaves out included (silicon faults on them; SDM Vol. 2 MASKMOVDQU), and MASKMOVQ's an " +
			"8-byte one; Unicorn 2.0.1 checks only the bytes it stores, so its fault differs or is " +
			"missing. Found against silicon.",
		Applies: func(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, mem check.Memory) bool {
			return (in.Form.Mnemonic == "maskmovdqu" || in.Form.Mnemonic == "maskmovq") && right.Outcome == engine.Exception &&
				(oracle.Outcome == engine.Completed || oracle.Raised(arch.VecPF) &&
					(right.Vector != arch.VecPF || right.State.CR2 != oracle.State.CR2))
		},
	}}

// mmxForm reports whether the instruction is EMMS or names an MMX register.
func mmxForm(in *decoder.Inst) bool {
	if in.Form.Mnemonic == "emms" {
		return true
	}
	for i := range in.NArgs {
		if in.Args[i].Kind == decoder.ArgMmx {
			return true
		}
	}
	return false
}

// mmxRegister is physical x87 register R(i) (MMi) in state x, whose ST
// slots are in FXSAVE order: slot k holds R((TOP+k) mod 8).
func mmxRegister(x *arch.X87, i int) [10]byte { return x.ST[(i-int(x.FSW>>11&7))&7] }

// sameButX87 reports whether the oracle's answer, with its x87 state
// replaced by x87, is the right one.
func sameButX87(in *decoder.Inst, pre *arch.State, right, oracle *engine.Result, x87 arch.X87) bool {
	o := *oracle
	o.State.X87 = x87
	return len(engine.Compare(right, &o, cpu.Undefined(in, pre))) == 0
}

// onlyDiffer reports whether both engines completed and differ in nothing
// but the named registers.
func onlyDiffer(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, regs ...string) bool {
	if emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
		return false
	}
	m := cpu.Undefined(in, pre)
	m.Result = append(m.Result, regs...)
	return len(engine.Compare(emu, oracle, m)) == 0
}

// xmmSource reads operand 1 as it was before the instruction: an XMM
// register, or 16 bytes of the case's memory.
func xmmSource(in *decoder.Inst, pre *arch.State, mem check.Memory) (arch.Vec128, bool) {
	switch in.Args[1].Kind {
	case decoder.ArgXmm:
		return pre.XMM[in.Args[1].Reg&15], true
	case decoder.ArgMem:
		var b [16]byte
		if mem(in.Offset(&pre.GPR, pre.RIP)+segBase(in, pre), b[:]) != 16 {
			return arch.Vec128{}, false
		}
		return arch.Vec128{binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])}, true
	}
	return arch.Vec128{}, false
}

// segBase is the base the memory operand's segment adds (FS and GS only,
// in 64-bit mode).
func segBase(in *decoder.Inst, pre *arch.State) uint64 {
	if in.Mem.Seg >= arch.FS {
		return pre.Seg[in.Mem.Seg&7].Base
	}
	return 0
}

func canonical(a uint64) bool { return uint64(int64(a<<16)>>16) == a }

// hasPrefix66 reports whether the instruction carried an operand-size
// prefix that its form ignores (J forms are always 64-bit).
func hasPrefix66(in *decoder.Inst) bool { return in.Prefix66 }

// sseFloatDest maps the SSE floating-point mnemonics to their destination
// lane width in bytes (0: an integer or flags destination).
var sseFloatDest = func() map[string]int {
	m := map[string]int{"comiss": 0, "comisd": 0, "ucomiss": 0, "ucomisd": 0,
		"cvtss2si": 0, "cvtsd2si": 0, "cvttss2si": 0, "cvttsd2si": 0, "cvtps2dq": 0, "cvttps2dq": 0,
		"cvtpd2dq": 0, "cvttpd2dq": 0, "cvtsi2ss": 4, "cvtsi2sd": 8, "cvtss2sd": 8, "cvtsd2ss": 4,
		"cvtps2pd": 8, "cvtpd2ps": 4, "cvtdq2ps": 4, "cvtdq2pd": 8, "cvtpi2ps": 4, "cvtpi2pd": 8,
		"cvtps2pi": 0, "cvttps2pi": 0, "cvtpd2pi": 0, "cvttpd2pi": 0,
		"addsubps": 4, "addsubpd": 8, "haddps": 4, "haddpd": 8, "hsubps": 4, "hsubpd": 8, "dpps": 4, "dppd": 8}
	for _, op := range []string{"add", "sub", "mul", "div", "sqrt", "min", "max", "cmp", "round"} {
		m[op+"ps"], m[op+"ss"], m[op+"pd"], m[op+"sd"] = 4, 4, 8, 8
	}
	return m
}()

// onlyDestLanes reports whether emu and oracle differ only in lanes of width
// w of the XMM destination (operand 0), each such lane passing ok.
func onlyDestLanes(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, w int, ok func(e, r uint64) bool) bool {
	if emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed {
		return false
	}
	diffs := engine.Compare(emu, oracle, cpu.Undefined(in, pre))
	if len(diffs) == 0 {
		return true
	}
	if w == 0 || in.Args[0].Kind != decoder.ArgXmm || len(diffs) != 1 ||
		diffs[0].What != fmt.Sprintf("xmm%d", in.Args[0].Reg) {
		return false
	}
	e, r := emu.State.XMM[in.Args[0].Reg], oracle.State.XMM[in.Args[0].Reg]
	for i := range 16 / w {
		bit := i * w * 8
		m := ^uint64(0) >> (64 - w*8)
		x, y := e[bit>>6]>>(bit&63)&m, r[bit>>6]>>(bit&63)&m
		if x != y && !ok(x, y) {
			return false
		}
	}
	return true
}

// writtenBytes flattens writes to address -> final byte.
func writtenBytes(ws []engine.Write) map[uint64]byte {
	m := map[uint64]byte{}
	for _, w := range ws {
		for i, b := range w.New {
			m[w.Addr+uint64(i)] = b
		}
	}
	return m
}

// floatLanes reports whether emu and oracle, both completed, differ only in
// MXCSR's exception flags (the oracle never sets them: its MXCSR is the
// pre-state's, the emulator's only adds flags) and in destination lanes
// that lane accepts.
func floatLanes(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, lane func(pre *arch.State, w int, e, r uint64) bool) bool {
	w, ok := sseFloatDest[in.Form.Mnemonic]
	if !ok || emu.Outcome != engine.Completed || oracle.Outcome != engine.Completed ||
		oracle.State.MXCSR != pre.MXCSR || emu.State.MXCSR&^0x3f != pre.MXCSR&^0x3f ||
		emu.State.MXCSR&pre.MXCSR != pre.MXCSR {
		return false
	}
	o := *oracle
	o.State.MXCSR = emu.State.MXCSR
	return onlyDestLanes(in, pre, emu, &o, w, func(e, r uint64) bool { return lane(pre, w, e, r) })
}

// ftzLane: with MXCSR.FTZ, the emulator's zero where Unicorn kept a
// denormal of the same sign.
func ftzLane(pre *arch.State, w int, e, r uint64) bool {
	sign := uint64(1) << (w*8 - 1)
	return pre.MXCSR&0x8000 != 0 && e&^sign == 0 && r&sign == e && r&expBits(w) == 0 && r&^sign != 0
}

func expBits(w int) uint64 {
	if w == 8 {
		return 0x7ff << 52
	}
	return 0xff << 23
}

func quietBit(w int) uint64 {
	if w == 8 {
		return 1 << 51
	}
	return 1 << 22
}

func isNaNLane(x uint64, w int) bool {
	sign := uint64(1) << (w*8 - 1)
	return x&expBits(w) == expBits(w) && x&^sign&^expBits(w) != 0
}

func laneOf(v arch.Vec128, w, i int) uint64 {
	bit := i * w * 8
	return v[bit>>6] >> (bit & 63) & (^uint64(0) >> (64 - w*8))
}

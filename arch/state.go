// Package arch holds the architectural state of an x86-64 CPU: the one state
// model that every engine (the emulator, Unicorn, KVM) reads and writes, and
// that every comparison works on.
package arch

import "fmt"

// General-purpose register numbers, in ModRM/REX order.
const (
	RAX = iota
	RCX
	RDX
	RBX
	RSP
	RBP
	RSI
	RDI
	R8
	R9
	R10
	R11
	R12
	R13
	R14
	R15
)

// Segment register numbers, in the order the Sreg ModRM field encodes them.
const (
	ES = iota
	CS
	SS
	DS
	FS
	GS
)

// RFLAGS bits.
const (
	CF   = 1 << 0
	PF   = 1 << 2
	AF   = 1 << 4
	ZF   = 1 << 6
	SF   = 1 << 7
	TF   = 1 << 8
	IF   = 1 << 9
	DF   = 1 << 10
	OF   = 1 << 11
	IOPL = 3 << 12
	NT   = 1 << 14
	RF   = 1 << 16
	VM   = 1 << 17
	AC   = 1 << 18
	VIF  = 1 << 19
	VIP  = 1 << 20
	ID   = 1 << 21

	// ArithFlags are the six status flags arithmetic instructions write.
	ArithFlags = CF | PF | AF | ZF | SF | OF
	// FlagsFixed is bit 1, which always reads as one.
	FlagsFixed = 1 << 1
)

// Exception vectors.
const (
	VecDE = 0  // divide error
	VecDB = 1  // debug
	VecBP = 3  // breakpoint
	VecOF = 4  // overflow
	VecBR = 5  // bound range
	VecUD = 6  // invalid opcode
	VecNM = 7  // device not available
	VecDF = 8  // double fault
	VecTS = 10 // invalid TSS
	VecNP = 11 // segment not present
	VecSS = 12 // stack-segment fault
	VecGP = 13 // general protection
	VecPF = 14 // page fault
	VecMF = 16 // x87 floating point
	VecAC = 17 // alignment check
	VecMC = 18 // machine check
	VecXM = 19 // SIMD floating point
)

// VectorName is the mnemonic of an exception vector ("#GP").
func VectorName(v uint8) string {
	names := map[uint8]string{VecDE: "#DE", VecDB: "#DB", 2: "NMI", VecBP: "#BP", VecOF: "#OF",
		VecBR: "#BR", VecUD: "#UD", VecNM: "#NM", VecDF: "#DF", VecTS: "#TS", VecNP: "#NP",
		VecSS: "#SS", VecGP: "#GP", VecPF: "#PF", VecMF: "#MF", VecAC: "#AC", VecMC: "#MC", VecXM: "#XM"}
	if n, ok := names[v]; ok {
		return n
	}
	return fmt.Sprintf("vector %d", v)
}

// Segment is a segment register: the visible selector and the hidden part.
type Segment struct {
	Selector uint16
	Base     uint64
	Limit    uint32
	// Attr holds the descriptor attribute bits as VMX and KVM lay them out:
	// type(0-3) S(4) DPL(5-6) P(7) AVL(8) L(9) D/B(10) G(11).
	Attr uint16
}

// DescriptorTable is GDTR or IDTR.
type DescriptorTable struct {
	Base  uint64
	Limit uint16
}

// Vec128 is one XMM register, low quadword first.
type Vec128 [2]uint64

// MSRs are the model-specific registers the machine models, by name so the
// serialized forms stay stable as the list grows.
type MSRs struct {
	STAR     uint64
	LSTAR    uint64
	CSTAR    uint64
	SFMASK   uint64
	TSCAux   uint64
	APICBase uint64
	PAT      uint64
	TSC      uint64
}

// X87 is the x87 and MMX state FXSAVE/FXRSTOR carry. The emulator does not
// execute x87 instructions; the state is kept so FXSAVE/FXRSTOR round-trip.
type X87 struct {
	FCW uint16
	FSW uint16
	FTW uint8 // abridged tag word, as FXSAVE stores it
	FOP uint16
	FIP uint64
	FDP uint64
	ST  [8][10]byte
}

// State is the architectural state of one CPU.
type State struct {
	GPR          [16]uint64
	RIP          uint64
	RFLAGS       uint64
	Seg          [6]Segment
	KernelGSBase uint64
	XMM          [16]Vec128
	MXCSR        uint32
	X87          X87
	CR0          uint64
	CR2          uint64
	CR3          uint64
	CR4          uint64
	CR8          uint64
	EFER         uint64
	MSR          MSRs
	GDTR         DescriptorTable
	IDTR         DescriptorTable
	LDTR         Segment
	TR           Segment
	CPL          uint8
}

// Control-register and EFER bits the machine uses.
const (
	CR0PE = 1 << 0
	CR0MP = 1 << 1
	CR0EM = 1 << 2
	CR0TS = 1 << 3
	CR0ET = 1 << 4
	CR0NE = 1 << 5
	CR0WP = 1 << 16
	CR0AM = 1 << 18
	CR0PG = 1 << 31

	CR4PAE        = 1 << 5
	CR4PGE        = 1 << 7
	CR4OSFXSR     = 1 << 9
	CR4OSXMMEXCPT = 1 << 10
	CR4FSGSBASE   = 1 << 16
	CR4SMEP       = 1 << 20
	CR4SMAP       = 1 << 21

	EFERSCE = 1 << 0
	EFERLME = 1 << 8
	EFERLMA = 1 << 10
	EFERNXE = 1 << 11
)

// Flat64 returns a state for 64-bit user code in a flat address space: long
// mode on, paging on, CPL 3, SSE enabled, MXCSR and x87 control at their reset
// values. Engines and tests start from it and then set what they need.
func Flat64() State {
	var s State
	s.RFLAGS = FlagsFixed | IF
	s.MXCSR = 0x1f80
	s.X87.FCW = 0x37f
	s.CR0 = CR0PE | CR0MP | CR0ET | CR0NE | CR0WP | CR0PG
	s.CR4 = CR4PAE | CR4OSFXSR | CR4OSXMMEXCPT
	s.EFER = EFERSCE | EFERLME | EFERLMA | EFERNXE
	s.MSR.PAT = 0x0007040600070406
	s.CPL = 3
	// As a 64-bit user process sees them: CS and SS loaded, the data
	// segments null (their bases are ignored in 64-bit mode, FS/GS's come
	// from the MSRs).
	for i := range s.Seg {
		s.Seg[i] = Segment{}
	}
	s.Seg[CS] = Segment{Selector: 0x33, Limit: 0xffffffff, Attr: 0x0afb} // P DPL3 code, L, G
	s.Seg[SS] = Segment{Selector: 0x2b, Limit: 0xffffffff, Attr: 0x0cf3} // P DPL3 data, D, G
	return s
}

// RegNames64 names the GPRs.
var RegNames64 = [16]string{"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"}

// SegNames names the segment registers.
var SegNames = [6]string{"es", "cs", "ss", "ds", "fs", "gs"}

package cpu

import (
	"encoding/binary"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Flags, frames, loops, FS/GS, software interrupts, CPUID, the time-stamp
// counter and the FS/GS base instructions (SDM Vol. 2, each by mnemonic).

func init() {
	on(pushf, "pushf")
	on(popf, "popf")
	on(lahf, "lahf")
	on(sahf, "sahf")
	on(enter, "enter")
	on(leave, "leave")
	on(loop, "loop", "loope", "loopne")
	on(jrcxz, "jrcxz")
	onForm(pushSeg, "push", "FS")
	onForm(pushSeg, "push", "GS")
	onForm(popSeg, "pop", "FS")
	onForm(popSeg, "pop", "GS")
	on(xlat, "xlat")
	on(int3, "int3")
	on(intN, "int")
	on(cpuid, "cpuid")
	on(rdtsc, "rdtsc")
	on(rdtscp, "rdtscp")
	on(fwait, "fwait")
	on(fsgsbase, "rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase")
}

const cr4TSD = 1 << 2 // CR4.TSD: RDTSC/RDTSCP are privileged

// pushf pushes RFLAGS with VM and RF cleared in the image (SDM PUSHF);
// with 66 it pushes the low 16 bits.
func pushf(c *CPU, in *decoder.Inst) {
	c.push(c.rflags()&^uint64(arch.VM|arch.RF), in.OpSize)
}

// popf at CPL > 0 leaves IOPL alone, and IF too unless CPL <= IOPL; VIF, VIP
// and VM are unaffected (VM is 0 in 64-bit mode) and RF is cleared. The 16-bit
// form (66) writes only the low 16 bits (RF stays) (SDM POPF, protected-mode branch).
func popf(c *CPU, in *decoder.Inst) {
	v := c.pop(in.OpSize)
	w := uint64(arch.ArithFlags | arch.TF | arch.DF | arch.NT | arch.AC | arch.ID)
	iopl := c.s.RFLAGS & arch.IOPL >> 12
	if c.s.CPL == 0 {
		w |= arch.IOPL
	}
	if uint64(c.s.CPL) <= iopl {
		w |= arch.IF
	}
	c.flush()
	old := c.s.RFLAGS
	if in.OpSize == 2 {
		w &= 0xffff
		c.s.RFLAGS = c.s.RFLAGS&^w | v&w
	} else {
		c.s.RFLAGS = (c.s.RFLAGS&^w | v&w) &^ uint64(arch.RF)
	}
	c.flagsChanged(old)
}

// flagsChanged follows a write of RFLAGS's system bits: AC changes what
// SMAP lets the fast caches hold, and IF coming on may let an interrupt in.
func (c *CPU) flagsChanged(old uint64) {
	diff := old ^ c.s.RFLAGS
	if diff&arch.AC != 0 {
		c.dropFastPaths()
	}
	if diff&arch.IF != 0 && c.platform != nil {
		c.yield()
	}
	if diff&arch.TF != 0 {
		c.debugChanged()
	}
}

// lahf and sahf: in 64-bit mode they need CPUID.80000001H:ECX.LAHF-SAHF,
// which cpuid reports.
func lahf(c *CPU, in *decoder.Inst) {
	f := c.rflags() & (arch.SF | arch.ZF | arch.AF | arch.PF | arch.CF)
	c.setReg(decoder.RegAH, 1, f|arch.FlagsFixed)
}

func sahf(c *CPU, in *decoder.Inst) {
	ah := c.reg(decoder.RegAH, 1)
	c.setStatus(arch.SF|arch.ZF|arch.AF|arch.PF|arch.CF, ah)
}

// enter follows the SDM pseudocode for 64-bit mode (StackSize = 64): push
// rBP; FrameTemp is the new RSP; for nesting level L > 1 the L-1 frame
// pointers at RBP-size, RBP-2*size... are pushed (the whole RBP addresses
// them, whatever the operand size); for L >= 1 FrameTemp is pushed. The
// level is imm8 mod 32. The final stack pointer, RSP - imm16, is then
// checked as a store of the operand size would be (#AC when misaligned; "#PF if a write using
// the final value of the stack pointer would cause a page fault"; #SS(0)
// if it is non-canonical). The pushes are stored before that check, so a
// fault there leaves them in memory, as silicon does, but RSP and RBP as
// they were. Last, rBP = FrameTemp: with 66 the elements are 16-bit and
// only BP is written (the pseudocode's BP := FrameTemp[15:0]; RBP's upper
// 48 bits stay, as on silicon), while RSP stays a 64-bit stack pointer.
func enter(c *CPU, in *decoder.Inst) {
	size := in.OpSize
	alloc := uint64(uint16(in.Imm))
	level := uint64(uint8(in.Imm2)) % 32
	sz := uint64(size)
	rbp := c.s.GPR[arch.RBP]
	sp := c.s.GPR[arch.RSP] - sz
	c.write(sp, int(size), rbp, arch.SS)
	frame := sp
	if level > 0 {
		for i := uint64(1); i < level; i++ {
			v := c.read(rbp-i*sz, int(size), arch.SS)
			sp -= sz
			c.write(sp, int(size), v, arch.SS)
		}
		sp -= sz
		c.write(sp, int(size), frame, arch.SS)
	}
	c.acWidth(sp-alloc, int(size), arch.SS) // a store's #AC too (silicon, AMD)
	c.probeWrite(sp-alloc, int(size), arch.SS)
	c.setReg(arch.RBP, size, frame)
	c.s.GPR[arch.RSP] = sp - alloc
}

// leave: RSP = rBP, then pop rBP. The read comes first, so a fault changes
// nothing.
func leave(c *CPU, in *decoder.Inst) {
	size := in.OpSize
	fp := c.s.GPR[arch.RBP]
	v := c.read(fp, int(size), arch.SS)
	c.s.GPR[arch.RSP] = fp + uint64(size)
	c.setReg(arch.RBP, size, v)
}

// count is the address-size counter: RCX, or ECX with 67.
func (c *CPU) count(in *decoder.Inst) uint64 {
	if in.AddrSize == 4 {
		return c.s.GPR[arch.RCX] & 0xffffffff
	}
	return c.s.GPR[arch.RCX]
}

// loop, loope, loopne: decrement the counter (a 32-bit one with 67, written
// zero-extended) and branch if it is not zero (and ZF is 1 / 0). A
// non-canonical target faults before the counter is written.
func loop(c *CPU, in *decoder.Inst) {
	n := c.count(in) - 1
	if in.AddrSize == 4 {
		n &= 0xffffffff
	}
	take := n != 0
	mn := in.Form.Mnemonic
	if mn != "loop" && c.prof.LoopccRepCondition {
		// The profile's loopcc-rep rule: F3 makes either LOOPcc loop
		// while equal, F2 while not equal.
		switch in.Rep {
		case decoder.PrefixF3:
			mn = "loope"
		case decoder.PrefixF2:
			mn = "loopne"
		}
	}
	switch mn {
	case "loope":
		take = take && c.zf()
	case "loopne":
		take = take && !c.zf()
	}
	if take {
		c.branch(c.next + uint64(in.Imm))
	}
	c.s.GPR[arch.RCX] = n
}

// jrcxz (jecxz with 67) branches if the counter is zero.
func jrcxz(c *CPU, in *decoder.Inst) {
	if c.count(in) == 0 {
		c.branch(c.next + uint64(in.Imm))
	}
}

// push fs/gs pushes the selector zero-extended to the operand size (Intel
// cores may instead store only 16 bits; the SDM allows both for 32-bit
// pushes, and Unicorn, like this model, zero-extends).
func pushSeg(c *CPU, in *decoder.Inst) {
	c.push(uint64(c.s.Seg[in.Args[0].Reg].Selector), in.OpSize)
}

// pop fs/gs loads the selector with the checks MOV makes; RSP moves only
// if the load succeeds.
func popSeg(c *CPU, in *decoder.Inst) {
	size := in.OpSize
	sel := uint16(c.read(c.s.GPR[arch.RSP], int(size), arch.SS))
	c.loadSegment(in, in.Args[0].Reg, sel)
	c.s.GPR[arch.RSP] += uint64(size)
}

// xlat: AL = [seg:rBX + AL] (DS unless overridden; EBX with 67).
func xlat(c *CPU, in *decoder.Inst) {
	seg := uint8(arch.DS)
	if in.SegOverride {
		seg = in.Mem.Seg
	}
	a := c.s.GPR[arch.RBX] + c.s.GPR[arch.RAX]&0xff
	if in.AddrSize == 4 {
		a &= 0xffffffff
	}
	if seg >= arch.FS {
		a += c.s.Seg[seg].Base
	}
	c.setReg(arch.RAX, 1, c.read(a, 1, seg))
}

// trap reports a trap-class exception: the instruction completes, and the
// saved RIP points after it.
func (c *CPU) trap(vector uint8) {
	c.s.RIP = c.next
	c.s.RFLAGS &^= arch.RF // the instruction completed (SDM Vol. 3B 18.3.1.1)
	c.Retired++
	panic(&Exception{Vector: vector})
}

// int3 is #BP, a trap (SDM Vol. 3A 6.15, Interrupt 3); in system mode a
// software interrupt through the IDT.
func int3(c *CPU, in *decoder.Inst) {
	if c.platform != nil {
		c.softInt(arch.VecBP, eventSoftware)
	}
	c.trap(arch.VecBP)
}

// int n at CPL 3: the flat user model's IDT grants user access to no gate
// (as an OS whose gates are all DPL 0 for these vectors), so INT n is
// #GP(n*8+2) — the selector error code with IDT = 1 (SDM Vol. 2 INT n:
// "IF software interrupt and gate DPL < CPL THEN #GP(vector*8 + 2)").
// In system mode INT n goes through the guest's IDT.
func intN(c *CPU, in *decoder.Inst) {
	if c.platform != nil {
		c.softInt(uint8(in.Imm), eventSoftware)
	}
	c.raiseCode(arch.VecGP, uint32(uint8(in.Imm))<<3|2)
}

// CPUID reports what the emulator implements and nothing else:
//
//	leaf        EAX         EBX         ECX         EDX
//	0           7           "Twin"      "CPU!"      "Step"     vendor "TwinStepCPU!"
//	1           0x000806c1  0x800       SSE3 SSSE3 CX16 SSE4.1 SSE4.2 x2APIC MOVBE POPCNT
//	                        (CLFLUSH    (ECX)       PSE TSC MSR PAE CX8 APIC PGE CMOV PAT CLFSH
//	                        line 64,                MMX FXSR SSE SSE2 (EDX)
//	                        APIC ID 0)              no FPU, AVX, XSAVE or OSXSAVE
//	2-6         0           0           0           0
//	7 (sub 0)   0           FSGSBASE    RDPID       0
//	                        SMEP SMAP
//	                        CLFLUSHOPT
//	                        CLWB
//	0x80000000  0x80000008  0           0           0
//	0x80000001  0           0           LAHF-SAHF LZCNT   SYSCALL NX Page1GB RDTSCP LM
//	0x80000002-4 brand string "TwinStep x86-64 emulator" padded with NULs
//	0x80000005-7 0          0           0           0
//	0x80000008  0x3028      0           0           0          40-bit physical, 48-bit linear
//	other       0           0           0           0
//
// Intel returns the highest basic leaf's data for a leaf above the maximum;
// this model returns zeros, which is simpler and as valid for software that
// checks the maximum leaf first.
func cpuid(c *CPU, in *decoder.Inst) {
	leaf := uint32(c.s.GPR[arch.RAX])
	a, b, cx, d := cpuidLeaf(leaf, uint32(c.s.GPR[arch.RCX]))
	c.setReg(arch.RAX, 4, uint64(a))
	c.setReg(arch.RBX, 4, uint64(b))
	c.setReg(arch.RCX, 4, uint64(cx))
	c.setReg(arch.RDX, 4, uint64(d))
}

var brand = [48]byte([]byte("TwinStep x86-64 emulator\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))

func le32(s string) uint32 { return binary.LittleEndian.Uint32([]byte(s)) }

// CPUID feature bits.
const (
	cpuidEcxSSE3   = 1 << 0
	cpuidEcxSSSE3  = 1 << 9
	cpuidEcxCX16   = 1 << 13
	cpuidEcxSSE41  = 1 << 19
	cpuidEcxSSE42  = 1 << 20
	cpuidEcxMOVBE  = 1 << 22
	cpuidEcxPOPCNT = 1 << 23
	cpuidEcxX2APIC = 1 << 21
	cpuidEdxPSE    = 1 << 3
	cpuidEdxTSC    = 1 << 4
	cpuidEdxMSR    = 1 << 5
	cpuidEdxPAE    = 1 << 6
	cpuidEdxCX8    = 1 << 8
	cpuidEdxAPIC   = 1 << 9
	cpuidEdxPGE    = 1 << 13
	cpuidEdxCMOV   = 1 << 15
	cpuidEdxPAT    = 1 << 16
	cpuidEdxCLFSH  = 1 << 19
	cpuidEdxMMX    = 1 << 23
	cpuidEdxFXSR   = 1 << 24
	cpuidEdxSSE    = 1 << 25
	cpuidEdxSSE2   = 1 << 26

	cpuidExtEcxLAHF    = 1 << 0
	cpuidExtEcxABM     = 1 << 5 // LZCNT
	cpuidExtEdxSYSCALL = 1 << 11
	cpuidExtEdxNX      = 1 << 20
	cpuidExtEdxPage1GB = 1 << 26
	cpuidExtEdxRDTSCP  = 1 << 27
	cpuidExtEdxLM      = 1 << 29

	cpuid7EbxFSGSBASE = 1 << 0
	cpuid7EbxSMEP     = 1 << 7
	cpuid7EbxSMAP     = 1 << 20
	cpuid7EbxCLFLUSHO = 1 << 23 // CLFLUSHOPT
	cpuid7EbxCLWB     = 1 << 24
	cpuid7EcxRDPID    = 1 << 22
)

func cpuidLeaf(leaf, sub uint32) (a, b, c, d uint32) {
	switch leaf {
	case 0:
		return 7, le32("Twin"), le32("CPU!"), le32("Step")
	case 1:
		return 0x000806c1, 0x800,
			cpuidEcxSSE3 | cpuidEcxSSSE3 | cpuidEcxCX16 | cpuidEcxSSE41 | cpuidEcxSSE42 | cpuidEcxX2APIC |
				cpuidEcxMOVBE | cpuidEcxPOPCNT,
			cpuidEdxPSE | cpuidEdxTSC | cpuidEdxMSR | cpuidEdxPAE | cpuidEdxCX8 | cpuidEdxAPIC | cpuidEdxPGE |
				cpuidEdxCMOV | cpuidEdxPAT | cpuidEdxCLFSH | cpuidEdxMMX | cpuidEdxFXSR | cpuidEdxSSE | cpuidEdxSSE2
	case 7:
		if sub == 0 {
			return 0, cpuid7EbxFSGSBASE | cpuid7EbxSMEP | cpuid7EbxSMAP | cpuid7EbxCLFLUSHO | cpuid7EbxCLWB,
				cpuid7EcxRDPID, 0
		}
	case 0x80000000:
		return 0x80000008, 0, 0, 0
	case 0x80000001:
		return 0, 0, cpuidExtEcxLAHF | cpuidExtEcxABM,
			cpuidExtEdxSYSCALL | cpuidExtEdxNX | cpuidExtEdxPage1GB | cpuidExtEdxRDTSCP | cpuidExtEdxLM
	case 0x80000002, 0x80000003, 0x80000004:
		s := brand[(leaf-0x80000002)*16:]
		return binary.LittleEndian.Uint32(s), binary.LittleEndian.Uint32(s[4:]),
			binary.LittleEndian.Uint32(s[8:]), binary.LittleEndian.Uint32(s[12:])
	case 0x80000008:
		return 0x3000 | PhysAddrBits, 0, 0, 0
	}
	return 0, 0, 0, 0
}

// The time-stamp counter is deterministic: it reads as the number of
// instructions retired before the reading one (c.Retired), so a run is
// reproducible. Unicorn's TSC is the host's, so RDTSC and RDTSCP are not
// compared with it (they are tested for exact values instead).
func (c *CPU) tsc() uint64 {
	if c.s.CR4&cr4TSD != 0 && c.s.CPL != 0 {
		c.raiseCode(arch.VecGP, 0)
	}
	return c.Retired + c.tscOffset
}

func rdtsc(c *CPU, in *decoder.Inst) {
	t := c.tsc()
	c.setReg(arch.RAX, 4, t&0xffffffff)
	c.setReg(arch.RDX, 4, t>>32)
}

// rdtscp also loads ECX with IA32_TSC_AUX.
func rdtscp(c *CPU, in *decoder.Inst) {
	t := c.tsc()
	c.setReg(arch.RAX, 4, t&0xffffffff)
	c.setReg(arch.RDX, 4, t>>32)
	c.setReg(arch.RCX, 4, c.s.MSR.TSCAux&0xffffffff)
}

// fwait: #NM when CR0.MP and CR0.TS are both set, #MF when an unmasked x87
// exception is pending (FSW.ES); otherwise nothing (SDM WAIT/FWAIT).
func fwait(c *CPU, in *decoder.Inst) {
	if c.s.CR0&(arch.CR0MP|arch.CR0TS) == arch.CR0MP|arch.CR0TS {
		c.raise(arch.VecNM)
	}
	if c.s.X87.FSW&0x80 != 0 {
		c.raise(arch.VecMF)
	}
}

// rdfsbase, rdgsbase, wrfsbase, wrgsbase: #UD unless CR4.FSGSBASE (Flat64
// leaves it clear); the 32-bit forms read the low half zero-extended and
// write the base zero-extended; a non-canonical 64-bit base is #GP(0).
func fsgsbase(c *CPU, in *decoder.Inst) {
	if c.s.CR4&arch.CR4FSGSBASE == 0 {
		c.raise(arch.VecUD)
	}
	seg := uint8(arch.FS)
	m := in.Form.Mnemonic
	if m[2] == 'g' {
		seg = arch.GS
	}
	a := &in.Args[0]
	if m[0] == 'r' {
		c.setReg(a.Reg, a.Size, c.s.Seg[seg].Base)
		return
	}
	v := c.reg(a.Reg, a.Size)
	if !canonical(v) {
		c.raiseCode(arch.VecGP, 0)
	}
	c.s.Seg[seg].Base = v
}

// CPUID is what the emulator's CPUID instruction returns for leaf and
// subleaf: its CPU model, which other packages compare hosts against.
func CPUID(leaf, sub uint32) (a, b, c, d uint32) { return cpuidLeaf(leaf, sub) }

package check_test

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
	. "github.com/twinstep/twinstep/oracles/check"
)

// The string instructions, with and without REP/REPE/REPNE, 66, REX.W, 67,
// segment overrides.
func TestControlString(t *testing.T) {
	sweep(t, 300,
		"a4", "a5", "66a5", "48a5", "67a4", "64a4", "65a5", "2ea4", // movs
		"f3a4", "f3a5", "f366a5", "f348a5", "67f3a4", "f2a4", "64f3a4",
		"aa", "ab", "66ab", "48ab", "67ab", "f3aa", "f3ab", "f348ab", "67f3ab", // stos
		"ac", "ad", "66ad", "48ad", "64ac", "f3ac", "f348ad", "67f3ad", // lods
		"ae", "af", "66af", "48af", "f3ae", "f2ae", "f348af", "f2af", "67f2ae", "67f3af", // scas
		"a6", "a7", "66a7", "48a7", "65a6", "f3a6", "f2a6", "f348a7", "f2a7", "67f3a6", "64f2a7", // cmps
	)
}

// pushf/popf, lahf/sahf, enter/leave, loops, push fs/gs, xlat, int3, int n,
// fwait and the FS/GS base instructions (#UD: Flat64 leaves CR4.FSGSBASE
// clear). CPUID, RDTSC and RDTSCP are not swept: their values are this
// model's (a documented CPUID, a TSC counting instructions) where Unicorn
// reports the host's, so they are tested for exact values below.
func TestControlMisc(t *testing.T) {
	sweep(t, 300,
		"9c", "669c", "9d", "669d", "9e", "9f",
		"c8100000", "c8080001", "c8000002", "c8100003", "66c8080002", "66c8100000", "c8000001", "c8000021", "c8ffff05",
		"c9", "66c9",
		"e2fe", "67e2fe", "e1fe", "e0fe", "67e0fe", "e3fe", "67e3fe", "e210",
		"0fa0", "660fa0", "0fa8", "660fa8",
		"d7", "67d7", "64d7",
		"cc", "cd80", "cd03", "cd00",
		"9b",
		"f30faec0", "f3480faec0", "f30faec8", "f30faed0", "f3480faed8",
	)
}

// pop fs/gs of a null selector: the stack holds 0-3 (a non-null selector
// needs a GDT, which the model does not have).
func TestControlPopNullSeg(t *testing.T) {
	k := checker(t)
	for _, code := range [][]byte{{0x0f, 0xa1}, {0x66, 0x0f, 0xa1}, {0x0f, 0xa9}, {0x66, 0x0f, 0xa9}} {
		h := hex.EncodeToString(code)
		for i := range 100 {
			r := rand.New(rand.NewPCG(uint64(i), 9))
			st := RandomState(r)
			st.Seg[arch.FS].Base = r.Uint64() >> 17
			st.Seg[arch.GS].Base = r.Uint64() >> 17
			st.GPR[arch.RSP] = 0x7f0000 + uint64(r.IntN(4000))
			stack := make([]byte, 4096)
			binary.LittleEndian.PutUint64(stack[st.GPR[arch.RSP]&0xfff:], uint64(r.IntN(4)))
			c, err := Build(k.Emu, code, st, uint64(i), engine.Region{Addr: 0x7f0000, Data: stack})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := k.Check(c)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict == Divergence || rep.Verdict == Missing {
				t.Fatalf("%s case %d: %s (%s); %s %v", h, i, rep.Verdict, rep.Agreement(), rep.Outcomes(), rep.Diffs)
			}
		}
	}
}

const ctlCode = 0x400000

// runEmu runs n instructions of code at ctlCode on the emulator from s, with
// a data page at 0x600000 filled with data.
func runEmu(t *testing.T, code []byte, s arch.State, n uint64, data []byte) engine.Result {
	t.Helper()
	page := make([]byte, 4096)
	for i := range page {
		page[i] = 0x90
	}
	copy(page, code)
	d := make([]byte, 4096)
	copy(d, data)
	s.RIP = ctlCode
	r, err := engine.Run(emulator.NewEngine(), &s, []engine.Region{{Addr: ctlCode, Data: page}, {Addr: 0x600000, Data: d}}, n)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestControlCPUID(t *testing.T) {
	for _, tc := range []struct {
		leaf, sub, a, b, c, d uint32
	}{
		{0, 0, 7, 0x6e697754, 0x21555043, 0x70657453},
		{1, 0, 0x000806c1, 0x800, 0x00f82201, 0x0789_a378},
		{7, 0, 0, 0x0190_0081, 0x0040_0000, 0}, // FSGSBASE, SMEP, SMAP, CLFLUSHOPT, CLWB; RDPID
		{7, 1, 0, 0, 0, 0},
		{0x80000000, 0, 0x80000008, 0, 0, 0},
		{0x80000001, 0, 0, 0, 0x21, 0x2c10_0800},
		{0x80000002, 0, 0x6e697754, 0x70657453, 0x36387820, 0x2034362d},
		{0x80000008, 0, 0x3028, 0, 0, 0},
		{0x12345678, 0, 0, 0, 0, 0},
	} {
		s := arch.Flat64()
		s.GPR[arch.RAX] = 0xffffffff00000000 | uint64(tc.leaf)
		s.GPR[arch.RBX], s.GPR[arch.RDX] = ^uint64(0), ^uint64(0)
		s.GPR[arch.RCX] = 0xffffffff00000000 | uint64(tc.sub)
		r := runEmu(t, []byte{0x0f, 0xa2}, s, 1, nil)
		g := r.State.GPR
		if r.Outcome != engine.Completed || g[arch.RAX] != uint64(tc.a) || g[arch.RBX] != uint64(tc.b) ||
			g[arch.RCX] != uint64(tc.c) || g[arch.RDX] != uint64(tc.d) {
			t.Errorf("cpuid %#x: %s %#x %#x %#x %#x", tc.leaf, r.OutcomeString(), g[arch.RAX], g[arch.RBX], g[arch.RCX], g[arch.RDX])
		}
	}
	// The vendor string reads TwinStepCPU! in EBX, EDX, ECX order.
	var v [12]byte
	binary.LittleEndian.PutUint32(v[:], 0x6e697754)
	binary.LittleEndian.PutUint32(v[4:], 0x70657453)
	binary.LittleEndian.PutUint32(v[8:], 0x21555043)
	if string(v[:]) != "TwinStepCPU!" {
		t.Errorf("vendor %q", v)
	}
}

func TestControlRDTSC(t *testing.T) {
	s := arch.Flat64()
	s.GPR[arch.RAX], s.GPR[arch.RDX], s.GPR[arch.RCX] = ^uint64(0), ^uint64(0), ^uint64(0)
	s.MSR.TSCAux = 0x1234
	// nop; nop; rdtsc: three instructions, the TSC counts the two before.
	r := runEmu(t, []byte{0x90, 0x90, 0x0f, 0x31}, s, 3, nil)
	if g := r.State.GPR; g[arch.RAX] != 2 || g[arch.RDX] != 0 {
		t.Errorf("rdtsc: %s rax %#x rdx %#x", r.OutcomeString(), g[arch.RAX], g[arch.RDX])
	}
	r = runEmu(t, []byte{0x90, 0x0f, 0x01, 0xf9}, s, 2, nil) // nop; rdtscp
	if g := r.State.GPR; g[arch.RAX] != 1 || g[arch.RDX] != 0 || g[arch.RCX] != 0x1234 {
		t.Errorf("rdtscp: %s rax %#x rdx %#x rcx %#x", r.OutcomeString(), g[arch.RAX], g[arch.RDX], g[arch.RCX])
	}
	s.CR4 |= 1 << 2 // TSD
	r = runEmu(t, []byte{0x0f, 0x31}, s, 1, nil)
	if r.Outcome != engine.Exception || r.Vector != arch.VecGP {
		t.Errorf("rdtsc with CR4.TSD at CPL 3: %s", r.OutcomeString())
	}
}

func TestControlRepEdges(t *testing.T) {
	// rep movsb with RCX=0: nothing changes but RIP.
	s := arch.Flat64()
	s.GPR[arch.RSI], s.GPR[arch.RDI], s.GPR[arch.RCX] = 0x600000, 0x600100, 0
	r := runEmu(t, []byte{0xf3, 0xa4}, s, 1, []byte{1, 2, 3})
	if r.Outcome != engine.Completed || r.State.GPR != s.GPR || len(r.Writes) != 0 || r.State.RIP != ctlCode+2 {
		t.Errorf("rep movsb rcx=0: %s %v writes %v", r.OutcomeString(), r.State.GPR, r.Writes)
	}
	// 67 rep stosb with ECX=0 but RCX's upper half set: no iteration, no write.
	s.GPR[arch.RCX] = 0x100000000
	r = runEmu(t, []byte{0x67, 0xf3, 0xaa}, s, 1, nil)
	if r.Outcome != engine.Completed || r.State.GPR != s.GPR || len(r.Writes) != 0 {
		t.Errorf("67 rep stosb ecx=0: %s %v", r.OutcomeString(), r.State.GPR)
	}
	// rep movsq running off the data page: 0x600ff0 holds two quadwords, the
	// third iteration faults; RCX/RSI/RDI show two completed, RIP stays.
	s.GPR[arch.RSI], s.GPR[arch.RDI], s.GPR[arch.RCX] = 0x600ff0, 0x600000, 10
	r = runEmu(t, []byte{0xf3, 0x48, 0xa5}, s, 1, nil)
	g := r.State.GPR
	if r.Outcome != engine.Exception || r.Vector != arch.VecPF || r.State.CR2 != 0x601000 ||
		g[arch.RCX] != 8 || g[arch.RSI] != 0x601000 || g[arch.RDI] != 0x600010 || r.State.RIP != ctlCode {
		t.Errorf("rep movsq fault: %s cr2 %#x rcx %d rsi %#x rdi %#x rip %#x", r.OutcomeString(), r.State.CR2,
			g[arch.RCX], g[arch.RSI], g[arch.RDI], r.State.RIP)
	}
	// Restarting after mapping nothing more faults again at the same point:
	// the REP loop is restartable. Backwards (DF) with 67: ESI wraps.
	s.RFLAGS |= arch.DF
	s.GPR[arch.RSI], s.GPR[arch.RDI], s.GPR[arch.RCX] = 0xffffffff00600001, 0x600100, 0xdead00000002
	r = runEmu(t, []byte{0x67, 0xf3, 0xa4}, s, 1, []byte{7, 8})
	g = r.State.GPR
	if r.Outcome != engine.Completed || g[arch.RCX] != 0 || g[arch.RSI] != 0x5fffff || g[arch.RDI] != 0x6000fe {
		t.Errorf("67 std rep movsb: %s rcx %#x rsi %#x rdi %#x", r.OutcomeString(), g[arch.RCX], g[arch.RSI], g[arch.RDI])
	}
	// repne scasb stops at the match: "abc\0", AL=0, RCX=100.
	s = arch.Flat64()
	s.GPR[arch.RAX], s.GPR[arch.RDI], s.GPR[arch.RCX] = 0, 0x600000, 100
	r = runEmu(t, []byte{0xf2, 0xae}, s, 1, []byte("abc\x00xyz"))
	g = r.State.GPR
	if g[arch.RCX] != 96 || g[arch.RDI] != 0x600004 || r.State.RFLAGS&arch.ZF == 0 {
		t.Errorf("repne scasb: rcx %d rdi %#x flags %#x", g[arch.RCX], g[arch.RDI], r.State.RFLAGS)
	}
	// repe cmpsb stops at the first difference.
	s.GPR[arch.RSI], s.GPR[arch.RDI], s.GPR[arch.RCX] = 0x600000, 0x600008, 8
	r = runEmu(t, []byte{0xf3, 0xa6}, s, 1, []byte("abcdefghabcXefgh"))
	g = r.State.GPR
	if g[arch.RCX] != 4 || g[arch.RSI] != 0x600004 || r.State.RFLAGS&arch.ZF != 0 || r.State.RFLAGS&arch.CF != 0 {
		t.Errorf("repe cmpsb: rcx %d rsi %#x flags %#x", g[arch.RCX], g[arch.RSI], r.State.RFLAGS)
	}
}

func TestControlExact(t *testing.T) {
	// int3 is a trap: RIP after it. int 0x80 is #GP(0x80*8+2) at the instruction.
	s := arch.Flat64()
	r := runEmu(t, []byte{0xcc}, s, 1, nil)
	if r.Outcome != engine.Exception || r.Vector != arch.VecBP || r.State.RIP != ctlCode+1 {
		t.Errorf("int3: %s rip %#x", r.OutcomeString(), r.State.RIP)
	}
	r = runEmu(t, []byte{0xcd, 0x80}, s, 1, nil)
	if r.Outcome != engine.Exception || r.Vector != arch.VecGP || r.ErrorCode != 0x402 || r.State.RIP != ctlCode {
		t.Errorf("int 0x80: %s rip %#x", r.OutcomeString(), r.State.RIP)
	}
	// rdfsbase/wrfsbase with CR4.FSGSBASE: they work; non-canonical is #GP.
	s.CR4 |= arch.CR4FSGSBASE
	s.GPR[arch.RAX] = 0x123456789
	r = runEmu(t, []byte{0xf3, 0x48, 0x0f, 0xae, 0xd0, 0xf3, 0x0f, 0xae, 0xc1}, s, 2, nil) // wrfsbase rax; rdfsbase ecx
	if r.State.Seg[arch.FS].Base != 0x123456789 || r.State.GPR[arch.RCX] != 0x23456789 {
		t.Errorf("wrfsbase/rdfsbase: %s fs %#x rcx %#x", r.OutcomeString(), r.State.Seg[arch.FS].Base, r.State.GPR[arch.RCX])
	}
	s.GPR[arch.RAX] = 0x8000000000000000
	r = runEmu(t, []byte{0xf3, 0x48, 0x0f, 0xae, 0xd8}, s, 1, nil) // wrgsbase rax
	if r.Outcome != engine.Exception || r.Vector != arch.VecGP {
		t.Errorf("wrgsbase non-canonical: %s", r.OutcomeString())
	}
	// fwait with CR0.TS (and MP) is #NM.
	s = arch.Flat64()
	s.CR0 |= arch.CR0TS
	r = runEmu(t, []byte{0x9b}, s, 1, nil)
	if r.Outcome != engine.Exception || r.Vector != arch.VecNM {
		t.Errorf("fwait with TS: %s", r.OutcomeString())
	}
	// popf at CPL 3 keeps IF and IOPL, clears nothing else it may write.
	s = arch.Flat64()
	s.GPR[arch.RSP] = 0x600100
	r = runEmu(t, []byte{0x9d}, s, 1, []byte{})
	if r.State.RFLAGS != arch.FlagsFixed|arch.IF {
		t.Errorf("popf 0: rflags %#x", r.State.RFLAGS)
	}
	data := make([]byte, 0x108)
	binary.LittleEndian.PutUint64(data[0x100:], 0xffffffffffffffff)
	r = runEmu(t, []byte{0x9d}, s, 1, data)
	want := uint64(arch.FlagsFixed | arch.IF | arch.ArithFlags | arch.TF | arch.DF | arch.NT | arch.AC | arch.ID)
	if r.State.RFLAGS != want {
		t.Errorf("popf ~0: rflags %#x, want %#x", r.State.RFLAGS, want)
	}
	// enter 16, 3: pushes rbp, two frame pointers from the old frame, the
	// new frame pointer.
	s = arch.Flat64()
	s.GPR[arch.RSP], s.GPR[arch.RBP] = 0x600800, 0x600400
	data = make([]byte, 0x400)
	binary.LittleEndian.PutUint64(data[0x3f8:], 0x1111)
	binary.LittleEndian.PutUint64(data[0x3f0:], 0x2222)
	r = runEmu(t, []byte{0xc8, 0x10, 0x00, 0x03}, s, 1, data)
	g := r.State.GPR
	if g[arch.RBP] != 0x6007f8 || g[arch.RSP] != 0x6007e0-0x10 {
		t.Errorf("enter: rbp %#x rsp %#x", g[arch.RBP], g[arch.RSP])
	}
}

package unicorn

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

func newSession(t *testing.T) *Session {
	t.Helper()
	s, err := NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func kernelState(rip uint64) arch.State {
	st := arch.Flat64()
	st.CPL, st.RIP = 0, rip
	return st
}

func TestSessionRunsWithSuppliedMemory(t *testing.T) {
	tests := []struct {
		name   string
		cpl    uint8
		code   []byte
		setup  func(*arch.State)
		check  func(*engine.Result) bool
		writes string
	}{
		{"load at CPL 0", 0, []byte{0x48, 0x8b, 0x03}, func(s *arch.State) { s.GPR[arch.RBX] = 0xffff800000001000 },
			func(r *engine.Result) bool { return r.State.GPR[arch.RAX] == 0x8877665544332211 }, "none"},
		{"bswap at CPL 3", 3, []byte{0x0f, 0xc8}, func(s *arch.State) { s.GPR[arch.RAX] = 0x11223344 },
			func(r *engine.Result) bool { return r.State.GPR[arch.RAX] == 0x44332211 }, "none"},
		{"rep stosb runs every iteration and stops after", 0, []byte{0xf3, 0xaa, 0x90},
			func(s *arch.State) { s.GPR[arch.RCX], s.GPR[arch.RDI], s.GPR[arch.RAX] = 5, 0xffff800000001000, 0x7a },
			func(r *engine.Result) bool { return r.State.GPR[arch.RCX] == 0 && r.State.RIP == 0xffffffff80000002 },
			"0xffff800000001000:1122334455->7a7a7a7a7a"},
		{"rep stosb with rcx 0", 0, []byte{0xf3, 0xaa, 0x90}, nil,
			func(r *engine.Result) bool { return r.State.RIP == 0xffffffff80000002 }, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			st := kernelState(0xffffffff80000000)
			st.CPL = tc.cpl
			if tc.setup != nil {
				tc.setup(&st)
			}
			if err := s.Poke(st.RIP, tc.code); err != nil {
				t.Fatal(err)
			}
			if err := s.Poke(0xffff800000001000, []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}); err != nil {
				t.Fatal(err)
			}
			r, err := s.Exec(&st)
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != engine.Completed || !tc.check(&r) {
				t.Fatalf("outcome %s, rax %#x rcx %#x rip %#x", r.OutcomeString(), r.State.GPR[arch.RAX], r.State.GPR[arch.RCX], r.State.RIP)
			}
			if got := engine.FormatWrites(r.Writes); got != tc.writes {
				t.Fatalf("writes %s, want %s", got, tc.writes)
			}
		})
	}
}

// Rewriting code Unicorn has translated starts a fresh instance, which
// then runs the new bytes; rewriting other bytes of the page does not.
func TestSessionSeesChangedCode(t *testing.T) {
	s := newSession(t)
	st := kernelState(0x401000)
	s.Poke(st.RIP, []byte{0x48, 0xff, 0xc0}) // inc rax
	if r, _ := s.Exec(&st); r.State.GPR[arch.RAX] != 1 {
		t.Fatalf("inc: rax %#x", r.State.GPR[arch.RAX])
	}
	s.Poke(0x401800, []byte{1, 2, 3}) // data on the code page
	if s.stale {
		t.Fatal("a write beside the translated instruction made the session stale")
	}
	s.Poke(st.RIP, []byte{0x48, 0xff, 0xc8}) // dec rax
	r, err := s.Exec(&st)
	if err != nil {
		t.Fatal(err)
	}
	if r.State.GPR[arch.RAX] != ^uint64(0) || s.Restarts != 1 {
		t.Fatalf("after rewriting: rax %#x, %d restarts; want the new code run after one restart", r.State.GPR[arch.RAX], s.Restarts)
	}
	var b [3]byte
	s.Peek(0x401800, b[:])
	if b != [3]byte{1, 2, 3} {
		t.Fatalf("memory after the restart: % x", b)
	}
}

// A REPE/REPNE comparison is not run (Unicorn would run on past its end).
func TestSessionDeclinesConditionalRep(t *testing.T) {
	s := newSession(t)
	st := kernelState(0x401000)
	st.GPR[arch.RCX] = 8
	s.Poke(st.RIP, []byte{0xf3, 0xa6, 0x90})
	r, err := s.Exec(&st)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != engine.Unsupported || !strings.Contains(r.Detail, "REPE/REPNE") {
		t.Fatalf("outcome %s %s", r.OutcomeString(), r.Detail)
	}
}

// An instruction known to crash Unicorn is declined, not run: in process,
// the crash would end the replay.
func TestSessionDeclinesKnownCrash(t *testing.T) {
	s := newSession(t)
	st := kernelState(0x401000)
	st.GPR[arch.RAX], st.GPR[arch.RDX] = 1, 0x80000000
	s.Poke(st.RIP, []byte{0x66, 0x0f, 0x3a, 0x60, 0xc1, 0x00}) // pcmpestrm xmm0, xmm1, 0
	r, err := s.Exec(&st)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != engine.Unsupported || !strings.Contains(r.Detail, "crash") {
		t.Fatalf("outcome %s %s", r.OutcomeString(), r.Detail)
	}
	st.GPR[arch.RDX] = 3
	if r, err := s.Exec(&st); err != nil || r.Outcome != engine.Completed {
		t.Fatalf("an ordinary pcmpestrm: %s %v", r.OutcomeString(), err)
	}
}

func TestSessionReportsUnsuppliedMemory(t *testing.T) {
	s := newSession(t)
	st := kernelState(0x401000)
	st.GPR[arch.RBX] = 0x5000000
	s.Poke(st.RIP, []byte{0x48, 0x8b, 0x03})
	r, err := s.Exec(&st)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Raised(arch.VecPF) || r.State.CR2 != 0x5000000 {
		t.Fatalf("outcome %s cr2 %#x, want the unmapped access reported", r.OutcomeString(), r.State.CR2)
	}
	if err := s.Poke(ReservedBase, []byte{1}); err == nil {
		t.Fatal("a poke into the reserved range was accepted")
	}
}

// Memory at the very top of the address space is reserved without the
// page counter wrapping round to zero (a damaged trace can name it).
func TestSessionReservesTheTopPage(t *testing.T) {
	s := newSession(t)
	if err := s.Reserve(0xfffffffffffff800, 0x7ff); err != nil {
		t.Fatal(err)
	}
	if len(s.mem) != 1 || s.mem[0xfffffffffffff000] == nil {
		t.Fatalf("%d pages mapped", len(s.mem))
	}
}

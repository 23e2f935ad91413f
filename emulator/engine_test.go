package emulator

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// A replay rewrites code the replayer has already run at the same address
// (the recorded program loaded new code there): the next Exec runs the new
// bytes, and data written beside it through Poke reads back.
func TestReplayerSeesPokedCode(t *testing.T) {
	r := NewReplayer(nil)
	s := arch.Flat64()
	s.RIP = 0x401000
	s.GPR[arch.RAX] = 10
	for _, tc := range []struct {
		code []byte
		want uint64
	}{
		{[]byte{0x48, 0xff, 0xc0}, 11},                                         // inc rax
		{[]byte{0x48, 0xff, 0xc8}, 9},                                          // dec rax
		{[]byte{0x48, 0x8b, 0x05, 0xf9, 0x0f, 0x00, 0x00}, 0x8877665544332211}, // mov rax, [rip+0xff9]: 0x402000
	} {
		if err := r.Poke(s.RIP, tc.code); err != nil {
			t.Fatal(err)
		}
		if err := r.Poke(0x402000, []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}); err != nil {
			t.Fatal(err)
		}
		res, err := r.Exec(&s)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.State.GPR[arch.RAX]; got != tc.want {
			t.Errorf("% x: rax %#x, want %#x", tc.code, got, tc.want)
		}
	}
}

// A store that falls through to the next instruction, first writing data,
// then, on the second pass, writing over that next instruction: the second
// pass runs the new bytes (a decode cache that chained straight-line code
// without watching for stores would run the old ones).
func TestStoreOverTheNextInstruction(t *testing.T) {
	const at, data = 0x401000, 0x402000
	code := []byte{
		0xb9, 2, 0, 0, 0, // mov ecx, 2
		0xbf, 0x00, 0x20, 0x40, 0x00, // mov edi, data
		0x88, 0x0f, // L: mov [rdi], cl
		0xb8, 0, 0, 0, 0, // mov eax, 0: its immediate at 0x40100d
		0x01, 0xc3, // add ebx, eax
		0xbf, 0x0d, 0x10, 0x40, 0x00, // mov edi, 0x40100d
		0xff, 0xc9, // dec ecx
		0x75, 0xee, // jnz L
		0xf4, // hlt
	}
	page := make([]byte, 4096)
	copy(page, code)
	s := arch.Flat64()
	s.RIP, s.CPL = at, 0
	e := NewEngine()
	if err := e.Load(&s, []engine.Region{{Addr: at, Data: page}, {Addr: data, Data: make([]byte, 4096)}}); err != nil {
		t.Fatal(err)
	}
	r, err := e.Step(100)
	if err != nil || r.Outcome != engine.Halted {
		t.Fatalf("%s, %v", r.OutcomeString(), err)
	}
	if got := r.State.GPR[arch.RBX]; got != 1 {
		t.Errorf("rbx %d, want 1: the second pass adds the immediate the store wrote", got)
	}
}

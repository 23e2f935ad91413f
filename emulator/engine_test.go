package emulator

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
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

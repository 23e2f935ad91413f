package unicorn

import (
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

const codeAddr = 0x400000

func run(t testing.TB, e *Engine, code []byte, s arch.State) engine.Result {
	t.Helper()
	page := make([]byte, 4096)
	copy(page, code)
	s.RIP = codeAddr
	r, err := engine.Run(e, &s, []engine.Region{{Addr: codeAddr, Data: page}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBasics(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	s.GPR[arch.RAX] = 0x1122334455667788
	r := run(t, e, []byte{0x48, 0x0f, 0xc8}, s) // bswap rax
	if r.Outcome != engine.Completed || r.State.GPR[arch.RAX] != 0x8877665544332211 || r.State.RIP != codeAddr+3 {
		t.Fatalf("bswap: %s rax=%#x rip=%#x", r.OutcomeString(), r.State.GPR[arch.RAX], r.State.RIP)
	}
	r = run(t, e, []byte{0x0f, 0x0b}, s) // ud2
	if r.Outcome != engine.Exception || r.Vector != arch.VecUD {
		t.Fatalf("ud2: %s", r.OutcomeString())
	}
	r = run(t, e, []byte{0x8b, 0x00}, s) // mov eax,[rax]: unmapped
	if r.Outcome != engine.Exception || r.Vector != arch.VecPF {
		t.Fatalf("unmapped load: %s", r.OutcomeString())
	}
	r = run(t, e, []byte{0xf4}, s) // hlt at CPL 3
	if r.Outcome != engine.Exception || r.Vector != arch.VecGP {
		t.Fatalf("hlt at CPL 3: %s rip=%#x", r.OutcomeString(), r.State.RIP)
	}
	s.GPR[arch.RCX] = 0
	r = run(t, e, []byte{0xf7, 0xf1}, s) // div ecx by zero
	if r.Outcome != engine.Exception || r.Vector != arch.VecDE || r.State.RIP != codeAddr {
		t.Fatalf("div by zero: %s rip=%#x", r.OutcomeString(), r.State.RIP)
	}
	s.XMM[1] = arch.Vec128{1, 2}
	r = run(t, e, []byte{0x66, 0x0f, 0x6f, 0xc1}, s) // movdqa xmm0, xmm1
	if r.State.XMM[0] != (arch.Vec128{1, 2}) {
		t.Fatalf("movdqa: xmm0=%x", r.State.XMM[0])
	}
}

// The pitfall FIELD-NOTES describes: rewriting code at an address already
// run must not run the old translation.
func TestNoStaleTranslation(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	for i := range 200 {
		code, want := []byte{0x48, 0xff, 0xc0}, uint64(1) // inc rax
		if i%2 == 1 {
			code, want = []byte{0x48, 0xff, 0xc8}, ^uint64(0) // dec rax
		}
		r := run(t, e, code, s)
		if r.State.GPR[arch.RAX] != want {
			t.Fatalf("case %d: rax=%#x want %#x (stale translation)", i, r.State.GPR[arch.RAX], want)
		}
	}
}

func BenchmarkCase(b *testing.B) {
	e, err := New()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	for i := 0; i < b.N; i++ {
		run(b, e, []byte{0x48, 0x01, 0xd8}, s)
	}
}

package unicorn

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

func runOn(t testing.TB, e engine.Engine, code []byte, s arch.State) engine.Result {
	t.Helper()
	page := make([]byte, 4096)
	copy(page, code)
	s.RIP = codeAddr
	r, err := engine.Run(e, &s, []engine.Region{{Addr: codeAddr, Data: page}, {Addr: 0x600000, Data: make([]byte, 4096)}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// bothEngines starts Unicorn in a worker and in-process, closed when t ends.
func bothEngines(t *testing.T) (*Isolated, *Engine) {
	t.Helper()
	iso, err := NewIsolated()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { iso.Close() })
	direct, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	return iso, direct
}

// The worker gives what the in-process engine gives, and survives a case
// that crashes Unicorn.
func TestIsolated(t *testing.T) {
	iso, direct := bothEngines(t)
	s := arch.Flat64()
	s.GPR[arch.RAX], s.GPR[arch.RBX], s.GPR[arch.RDI] = 0x1122334455667788, 7, 0x600010
	for _, code := range [][]byte{{0x48, 0x0f, 0xc8}, {0x48, 0x89, 0x1f}, {0x0f, 0x0b}, {0xf7, 0xf1}} {
		a, b := runOn(t, iso, code, s), runOn(t, direct, code, s)
		if d := engine.Compare(&a, &b, engine.Mask{}); len(d) != 0 || a.Outcome != b.Outcome {
			t.Errorf("% x: isolated and direct differ: %v", code, d)
		}
	}
	// pcmpestrm xmm0, xmm1, 0 with EDX = 0x80000000: |INT_MIN| overflows in
	// QEMU's length code and Unicorn 2.0.1 segfaults.
	s.GPR[arch.RAX], s.GPR[arch.RDX] = 1, 0x80000000
	r := runOn(t, iso, []byte{0x66, 0x0f, 0x3a, 0x60, 0xc1, 0x00}, s)
	if r.Outcome != engine.Unsupported || !strings.Contains(r.Detail, "crashed") || iso.Crashes != 1 {
		t.Fatalf("crashing case: %s (crashes %d); want unsupported: Unicorn crashed", r.OutcomeString(), iso.Crashes)
	}
	if r := runOn(t, iso, []byte{0x48, 0x0f, 0xc8}, s); r.Outcome != engine.Completed {
		t.Fatalf("after the crash: %s", r.OutcomeString())
	}
}

// A batch that crashes the worker partway loses only the crashing case:
// the answers before it come back (each is flushed before the next case
// runs), and the cases after it run in a fresh worker.
func TestIsolatedBatchSurvivesACrash(t *testing.T) {
	iso, direct := bothEngines(t)
	mk := func(code []byte, s arch.State) engine.Case {
		page := make([]byte, 4096)
		copy(page, code)
		s.RIP = codeAddr
		return engine.Case{State: s, Mem: []engine.Region{{Addr: codeAddr, Data: page}}}
	}
	s := arch.Flat64()
	s.GPR[arch.RAX], s.GPR[arch.RBX] = 0x1122334455667788, 7
	crash := s
	crash.GPR[arch.RAX], crash.GPR[arch.RDX] = 1, 0x80000000 // pcmpestrm's |INT_MIN| (see TestIsolated)
	cases := []engine.Case{
		mk([]byte{0x48, 0x0f, 0xc8}, s), mk([]byte{0x48, 0x01, 0xd8}, s),
		mk([]byte{0x66, 0x0f, 0x3a, 0x60, 0xc1, 0x00}, crash),
		mk([]byte{0x48, 0x29, 0xd8}, s), mk([]byte{0x0f, 0x0b}, s),
	}
	rs, err := engine.RunAll(iso, cases, 1)
	if err != nil {
		t.Fatal(err)
	}
	if iso.Crashes != 1 || rs[2].Outcome != engine.Unsupported || !strings.Contains(rs[2].Detail, "crashed") {
		t.Fatalf("crashing case: %s, %d crashes; want it alone unsupported", rs[2].OutcomeString(), iso.Crashes)
	}
	for i, c := range cases {
		if i == 2 {
			continue
		}
		want, err := engine.Run(direct, &c.State, c.Mem, 1)
		if err != nil {
			t.Fatal(err)
		}
		if d := engine.Compare(&rs[i], &want, engine.Mask{}); len(d) != 0 || rs[i].Outcome != want.Outcome {
			t.Errorf("case %d: batch %s, direct %s: %v", i, rs[i].OutcomeString(), want.OutcomeString(), d)
		}
	}
}

func BenchmarkIsolatedCase(b *testing.B) {
	e, err := NewIsolated()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	s := arch.Flat64()
	for i := 0; i < b.N; i++ {
		runOn(b, e, []byte{0x48, 0x01, 0xd8}, s)
	}
}

package native_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
)

// nativeEngine is the shared engine (nativetest). On a host that is not
// x86-64 Linux the test skips; everywhere else the engine is required.
func nativeEngine(t testing.TB) *native.Engine {
	t.Helper()
	if err := native.Supported(); err != nil {
		t.Skip(err)
	}
	eng, err := nativetest.Native()
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

const codeAddr = 0x400000

// codeCase is code at codeAddr on a page of NOPs, plus the data pages given.
func codeCase(code string, s arch.State, data ...engine.Region) (arch.State, []engine.Region) {
	b, err := hex.DecodeString(strings.ReplaceAll(code, " ", ""))
	if err != nil {
		panic(err)
	}
	page := make([]byte, 4096)
	for i := range page {
		page[i] = 0x90
	}
	copy(page, b)
	s.RIP = codeAddr
	return s, append([]engine.Region{{Addr: codeAddr, Data: page}}, data...)
}

func TestEngineOutcomes(t *testing.T) {
	e := nativeEngine(t)
	base := arch.Flat64()
	dataPage := engine.Region{Addr: 0x10000000, Data: make([]byte, 4096)}
	tests := []struct {
		name  string
		code  string
		setup func(s *arch.State)
		data  []engine.Region
		check func(t *testing.T, r engine.Result)
	}{
		{"add", "4801d8", func(s *arch.State) { s.GPR[arch.RAX], s.GPR[arch.RBX] = 0x7fffffffffffffff, 1 }, nil,
			func(t *testing.T, r engine.Result) {
				want(t, r, engine.Completed, codeAddr+3)
				if r.State.GPR[arch.RAX] != 0x8000000000000000 || r.State.RFLAGS&(arch.OF|arch.SF) != arch.OF|arch.SF {
					t.Errorf("rax %#x rflags %#x", r.State.GPR[arch.RAX], r.State.RFLAGS)
				}
			}},
		{"jmp is single-stepped", "eb10", nil, nil, func(t *testing.T, r engine.Result) {
			want(t, r, engine.Completed, codeAddr+0x12)
		}},
		{"taken jcc", "7405", func(s *arch.State) { s.RFLAGS |= arch.ZF }, nil, func(t *testing.T, r engine.Result) {
			want(t, r, engine.Completed, codeAddr+7)
		}},
		{"store", "48891f", func(s *arch.State) { s.GPR[arch.RDI], s.GPR[arch.RBX] = 0x10000008, 0x1122334455667788 },
			[]engine.Region{dataPage}, func(t *testing.T, r engine.Result) {
				want(t, r, engine.Completed, codeAddr+3)
				if len(r.Writes) != 1 || r.Writes[0].Addr != 0x10000008 || hex.EncodeToString(r.Writes[0].New) != "8877665544332211" {
					t.Errorf("writes %s", engine.FormatWrites(r.Writes))
				}
			}},
		{"#PF on an unmapped load", "488b07", func(s *arch.State) { s.GPR[arch.RDI] = 0x20000010 }, nil,
			func(t *testing.T, r engine.Result) {
				want(t, r, engine.Exception, codeAddr)
				if r.Vector != arch.VecPF || !r.HasErrorCode || r.ErrorCode != 4 || r.State.CR2 != 0x20000010 {
					t.Errorf("%s cr2 %#x", r.OutcomeString(), r.State.CR2)
				}
			}},
		{"#PF on an unmapped store", "488907", func(s *arch.State) { s.GPR[arch.RDI] = 0x20000010 }, nil,
			func(t *testing.T, r engine.Result) {
				if !r.Raised(arch.VecPF) || r.ErrorCode != 6 {
					t.Errorf("%s", r.OutcomeString())
				}
			}},
		{"#GP on a non-canonical load", "488b07", func(s *arch.State) { s.GPR[arch.RDI] = 0x8000000000000000 }, nil,
			func(t *testing.T, r engine.Result) {
				if !r.Raised(arch.VecGP) || r.ErrorCode != 0 || r.State.RIP != codeAddr {
					t.Errorf("%s rip %#x", r.OutcomeString(), r.State.RIP)
				}
			}},
		{"#DE", "48f7f1", func(s *arch.State) { s.GPR[arch.RCX] = 0 }, nil, func(t *testing.T, r engine.Result) {
			want(t, r, engine.Exception, codeAddr)
			if r.Vector != arch.VecDE {
				t.Errorf("%s", r.OutcomeString())
			}
		}},
		{"#UD", "0f0b", nil, nil, func(t *testing.T, r engine.Result) {
			if !r.Raised(arch.VecUD) || r.State.RIP != codeAddr {
				t.Errorf("%s rip %#x", r.OutcomeString(), r.State.RIP)
			}
		}},
		{"#BP is a trap", "cc", nil, nil, func(t *testing.T, r engine.Result) {
			if !r.Raised(arch.VecBP) || r.State.RIP != codeAddr+1 {
				t.Errorf("%s rip %#x", r.OutcomeString(), r.State.RIP)
			}
		}},
		{"INT n through a kernel gate is #GP", "cd21", nil, nil, func(t *testing.T, r engine.Result) {
			if !r.Raised(arch.VecGP) || r.ErrorCode != 0x21<<3|2 {
				t.Errorf("%s", r.OutcomeString())
			}
		}},
		{"SSE", "f20f58c1", func(s *arch.State) { s.XMM[0][0], s.XMM[1][0] = 0x3ff0000000000000, 0x4000000000000000 }, nil,
			func(t *testing.T, r engine.Result) {
				want(t, r, engine.Completed, codeAddr+4)
				if r.State.XMM[0][0] != 0x4008000000000000 {
					t.Errorf("xmm0 %#x", r.State.XMM[0][0])
				}
			}},
		{"unmasked #XM", "f20f5ec1", func(s *arch.State) { s.MXCSR, s.XMM[0][0] = 0x1f80&^0x200, 0x3ff0000000000000 }, nil, func(t *testing.T, r engine.Result) {
			if !r.Raised(arch.VecXM) || r.State.MXCSR&4 == 0 {
				t.Errorf("%s mxcsr %#x", r.OutcomeString(), r.State.MXCSR)
			}
		}},
		{"syscall never runs", "0f05", func(s *arch.State) { s.GPR[arch.RAX] = 60 }, nil, func(t *testing.T, r engine.Result) {
			unsupported(t, r, "system call")
		}},
		{"int 0x80 never runs", "cd80", func(s *arch.State) { s.GPR[arch.RAX] = 1 }, nil, func(t *testing.T, r engine.Result) {
			unsupported(t, r, "user gate")
		}},
		{"cpuid is the host's", "0fa2", nil, nil, func(t *testing.T, r engine.Result) { unsupported(t, r, "CPUID") }},
		{"rdtsc is the host's", "0f31", nil, nil, func(t *testing.T, r engine.Result) { unsupported(t, r, "time-stamp") }},
		// A store over its own last byte and the bytes after it: the jump
		// MODE_FAST would write there must not be used (x86asm keeps disp32
		// zero-extended; found by FuzzSemantics).
		{"xor [rip-1] rewrites the bytes after it", "3125ffffffff", func(s *arch.State) { s.GPR[arch.RSP] = 0x1234 }, nil,
			func(t *testing.T, r engine.Result) { want(t, r, engine.Completed, codeAddr+6) }},
		// Every x86-64 host has an FPU; the emulator's model has none.
		{"x87 is a feature the model lacks", "d9e8", nil, nil, func(t *testing.T, r engine.Result) { unsupported(t, r, "x87 FPU") }},
		{"a pointer into the helper", "488b07", func(s *arch.State) { s.GPR[arch.RDI] = 0x6dc000001000 }, nil,
			func(t *testing.T, r engine.Result) { unsupported(t, r, "window") }},
		{"CPL 0", "90", func(s *arch.State) { s.CPL = 0 }, nil, func(t *testing.T, r engine.Result) { unsupported(t, r, "CPL 3") }},
		{"jump into the helper is seen, not run", "ffe0", func(s *arch.State) { s.GPR[arch.RAX] = 0x6dc000001000 }, nil,
			func(t *testing.T, r engine.Result) { unsupported(t, r, "window") }},
		{"popf setting TF and AC", "9d", func(s *arch.State) { s.GPR[arch.RSP] = 0x10000100 },
			[]engine.Region{{Addr: 0x10000000, Data: func() []byte {
				b := make([]byte, 4096)
				b[0x100], b[0x101], b[0x102] = 0x02, 0x41, 0x04 // TF, NT, AC
				return b
			}()}}, func(t *testing.T, r engine.Result) {
				want(t, r, engine.Completed, codeAddr+1)
				if r.State.RFLAGS != 0x44302 {
					t.Errorf("rflags %#x, want 0x44302", r.State.RFLAGS)
				}
			}},
		{"rep stosb runs whole", "f3aa", func(s *arch.State) { s.GPR[arch.RDI], s.GPR[arch.RCX], s.GPR[arch.RAX] = 0x10000000, 100, 0xab },
			[]engine.Region{dataPage}, func(t *testing.T, r engine.Result) {
				want(t, r, engine.Completed, codeAddr+2)
				if r.State.GPR[arch.RCX] != 0 || len(r.Writes) != 1 || len(r.Writes[0].New) != 100 {
					t.Errorf("rcx %d writes %s", r.State.GPR[arch.RCX], engine.FormatWrites(r.Writes))
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			if tc.setup != nil {
				tc.setup(&s)
			}
			var data []engine.Region
			for _, d := range tc.data {
				data = append(data, engine.Region{Addr: d.Addr, Data: append([]byte(nil), d.Data...)})
			}
			st, mem := codeCase(tc.code, s, data...)
			r, err := engine.Run(e, &st, mem, 1)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
}

func want(t *testing.T, r engine.Result, o engine.Outcome, rip uint64) {
	t.Helper()
	if r.Outcome != o || r.State.RIP != rip {
		t.Errorf("outcome %s rip %#x, want %s rip %#x", r.OutcomeString(), r.State.RIP, o, rip)
	}
}

func unsupported(t *testing.T, r engine.Result, why string) {
	t.Helper()
	if r.Outcome != engine.Unsupported || !strings.Contains(r.Detail, why) {
		t.Errorf("outcome %s, want unsupported with %q", r.OutcomeString(), why)
	}
}

package native_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/native"
)

// TestLengths asks silicon lengths the SDM fixes, with and without a guess
// (a wrong one included), and checks what it did with exactly those bytes.
func TestLengths(t *testing.T) {
	e := nativeEngine(t)
	amd := e.Host().Vendor == "AuthenticAMD"
	// AMD honours 66 on a near branch (a 16-bit displacement); Intel
	// ignores it in 64-bit mode.
	osizeJmp, osizeJcc := 6, 7
	if amd {
		osizeJmp, osizeJcc = 4, 5
	}
	tests := []struct {
		name    string
		code    string
		guesses []int
		want    int
		check   func(t *testing.T, r native.LengthResult)
	}{
		{"nop", "90", []int{0, 1, 2}, 1, completedAt(1)},
		{"mov rax, imm64", "48b8 0102030405060708 90", []int{0, 10, 2, 15}, 10, completedAt(10)},
		{"66 jmp rel", "66e9 00000000 9090", []int{0, 6, 4}, osizeJmp, func(t *testing.T, r native.LengthResult) {
			// AMD's 16-bit operand size also truncates the target to 16 bits.
			if amd && (r.Result.Outcome != engine.Completed || r.Result.State.RIP != (r.Start+4)&0xffff) {
				t.Errorf("outcome %s rip %#x, want completed at %#x", r.Result.OutcomeString(), r.Result.State.RIP,
					(r.Start+4)&0xffff)
			}
		}},
		{"66 jcc rel", "660f84 00000000 9090", []int{0, 7}, osizeJcc, nil},
		{"tzcnt", "f30fbcc0 90", []int{0, 4}, 4, completedAt(4)},
		{"15 bytes", "2e2e2e 48c78488 00000000 00000000", []int{0, 15}, 15, raised(arch.VecPF)},
		{"rip-relative load of the next page is not a fetch", "8b05 00000000", []int{0, 6}, 6, raised(arch.VecPF)},
		// SDM Vol. 2B MOV (control registers): the mod bits are ignored,
		// so a "memory" ModRM takes no SIB or displacement.
		{"mov from cr0 ignores mod", "0f2005 00000000", []int{0, 7}, 3, raised(arch.VecGP)},
		{"ud2", "0f0b 90", []int{0, 2}, 2, raised(arch.VecUD)},
		{"jmp to itself", "ebfe", []int{0, 2}, 2, completedAt(0)},
		{"syscall is trapped", "0f05", []int{0, 2}, 2, func(t *testing.T, r native.LengthResult) {
			if r.Result.Outcome != engine.Unsupported || !strings.Contains(r.Result.Detail, "system call") {
				t.Errorf("outcome %s", r.Result.OutcomeString())
			}
		}},
		{"cpuid", "0fa2 90", []int{0, 2}, 2, nil},
		{"rdtsc", "0f31", []int{0}, 2, nil},
		{"pushf", "9c", []int{0}, 1, nil},
		{"16 bytes of prefixes and a nop", strings.Repeat("66", 15) + "90", []int{0, 15}, 15,
			func(t *testing.T, r native.LengthResult) {
				if !r.Result.Raised(arch.VecGP) && !r.Result.Raised(arch.VecUD) {
					t.Errorf("outcome %s, want #GP or #UD", r.Result.OutcomeString())
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := mustHex(t, tc.code)
			var qs []native.LengthQuery
			for _, g := range tc.guesses {
				qs = append(qs, native.LengthQuery{Code: code, Guess: g})
			}
			rs, err := e.Lengths(qs)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rs {
				if r.Len != tc.want || r.More {
					t.Errorf("guess %d: length %d (more %v, %s), want %d", tc.guesses[i], r.Len, r.More, r.Detail, tc.want)
					continue
				}
				if tc.check != nil {
					tc.check(t, r)
				}
				t.Logf("guess %d: %d in %d probes: %s, rip start%+d", tc.guesses[i], r.Len, r.Probes,
					r.Result.OutcomeString(), int64(r.Result.State.RIP-r.Start))
			}
		})
	}
}

// TestLengthsUntold: answers that are not a length.
func TestLengthsUntold(t *testing.T) {
	e := nativeEngine(t)
	rs, err := e.Lengths([]native.LengthQuery{
		{Code: mustHex(t, "6666")},
		{Code: mustHex(t, "48b8 0102")},
		{Code: nil},
		{Code: mustHex(t, "48a3 001000c06d000000"), Guess: 10}, // mov [0x6dc000001000], rax
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"more", "more", "no bytes", "window"} {
		r := rs[i]
		switch {
		case want == "more" && (!r.More || r.Len != 0):
			t.Errorf("%d: length %d more %v (%s), want more", i, r.Len, r.More, r.Detail)
		case want != "more" && (r.More || r.Len != 0 || !strings.Contains(r.Detail, want)):
			t.Errorf("%d: length %d more %v (%s), want %q", i, r.Len, r.More, r.Detail, want)
		}
	}
}

func completedAt(n int) func(t *testing.T, r native.LengthResult) {
	return func(t *testing.T, r native.LengthResult) {
		t.Helper()
		if r.Result.Outcome != engine.Completed || r.Result.State.RIP != r.Start+uint64(n) {
			t.Errorf("outcome %s rip start%+d, want completed at start%+d", r.Result.OutcomeString(),
				int64(r.Result.State.RIP-r.Start), n)
		}
	}
}

func raised(v uint8) func(t *testing.T, r native.LengthResult) {
	return func(t *testing.T, r native.LengthResult) {
		t.Helper()
		if !r.Result.Raised(v) {
			t.Errorf("outcome %s, want %s", r.Result.OutcomeString(), arch.VectorName(v))
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkLengths: queries whose guess is right, two probes each, as the
// decode sweep asks them.
func BenchmarkLengths(b *testing.B) {
	e := nativeEngine(b)
	codes := []string{"90", "48b8 0102030405060708", "f30fbcc0", "0f0b", "488b8488 00000000", "ebfe", "0fa2", "c5f877"}
	var qs []native.LengthQuery
	for i := range 4096 {
		c, _ := hex.DecodeString(strings.ReplaceAll(codes[i%len(codes)], " ", ""))
		qs = append(qs, native.LengthQuery{Code: c, Guess: len(c)})
	}
	probes := 0
	for b.Loop() {
		rs, err := e.Lengths(qs)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rs {
			probes += r.Probes
		}
	}
	b.ReportMetric(float64(probes)/b.Elapsed().Seconds(), "probes/s")
}

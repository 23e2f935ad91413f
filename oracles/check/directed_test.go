package check

import (
	"encoding/hex"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

func nearBoundary(v uint64, w uint) bool {
	mask := ^uint64(0)
	if w < 64 {
		mask = 1<<w - 1
	}
	for _, b := range []uint64{0, 1<<(w-1) - 1, 1 << (w - 1), mask} {
		for _, d := range []uint64{^uint64(0), 0, 1} {
			if v&mask == (b+d)&mask {
				return true
			}
		}
	}
	return false
}

// Direct puts each family's result on a boundary of its width.
func TestDirect(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want func(s *arch.State) bool
	}{
		{"01d8", func(s *arch.State) bool { return nearBoundary(s.GPR[0]+s.GPR[3], 32) }},          // add eax, ebx
		{"4829d8", func(s *arch.State) bool { return nearBoundary(s.GPR[0]-s.GPR[3], 64) }},        // sub rax, rbx
		{"6639c8", func(s *arch.State) bool { return nearBoundary(s.GPR[0]-s.GPR[1], 16) }},        // cmp ax, cx
		{"00e0", func(s *arch.State) bool { return nearBoundary(s.GPR[0]+s.GPR[0]>>8, 8) }},        // add al, ah
		{"83c07f", func(s *arch.State) bool { return nearBoundary(s.GPR[0]+0x7f, 32) }},            // add eax, 0x7f
		{"83e880", func(s *arch.State) bool { return nearBoundary(s.GPR[0]+0x80, 32) }},            // sub eax, -0x80
		{"48f7d9", func(s *arch.State) bool { return nearBoundary(-s.GPR[1], 64) }},                // neg rcx
		{"fec4", func(s *arch.State) bool { return nearBoundary(s.GPR[0]>>8+1, 8) }},               // inc ah
		{"d3e0", func(s *arch.State) bool { return countOK(s.GPR[1]&0xff, 32) }},                   // shl eax, cl
		{"66d3f8", func(s *arch.State) bool { return countOK(s.GPR[1]&0xff, 16) }},                 // sar ax, cl
		{"d2c0", func(s *arch.State) bool { return countOK(s.GPR[1]&0xff, 8) }},                    // rol al, cl
		{"0fafc3", func(s *arch.State) bool { return productNear(s.GPR[0], s.GPR[3], 32, true) }},  // imul eax, ebx
		{"48f7e3", func(s *arch.State) bool { return productNear(s.GPR[0], s.GPR[3], 64, false) }}, // mul rbx
		{"f6eb", func(s *arch.State) bool { return productNear(s.GPR[0], s.GPR[3], 8, true) }},     // imul bl
		{"f7f3", func(s *arch.State) bool { return quotientNear(s, 32, false) }},                   // div ebx
		{"48f7fb", func(s *arch.State) bool { return quotientNear(s, 64, true) }},                  // idiv rbx
		{"f6f3", func(s *arch.State) bool { return quotientNear(s, 8, false) }},                    // div bl
	} {
		code, _ := hex.DecodeString(tc.hex)
		in, err := decoder.Decode(code)
		if err != nil {
			t.Fatal(err)
		}
		changed := 0
		for i := range 200 {
			r := rand.New(rand.NewPCG(uint64(i), 5))
			c, err := Build(emulator.NewEngine(), code, RandomState(r), uint64(i))
			if err != nil {
				t.Fatal(err)
			}
			if !Direct(r, &in, &c) {
				continue
			}
			changed++
			if !tc.want(&c.State) {
				t.Errorf("%s case %d: not on a boundary: rax %#x rbx %#x rcx %#x rdx %#x", tc.hex, i,
					c.State.GPR[0], c.State.GPR[3], c.State.GPR[1], c.State.GPR[2])
				break
			}
		}
		if changed < 150 {
			t.Errorf("%s: directed only %d of 200 states", tc.hex, changed)
		}
	}
}

func countOK(c uint64, w uint64) bool {
	for _, v := range []uint64{0, 1, w - 1, w, w + 1, 31, 32, 33, 63, 64, 65, 0x80 | (w - 1), 0xff} {
		if c == v {
			return true
		}
	}
	return false
}

func signedBig(v uint64, w uint, signed bool) *big.Int { return value(v, uint8(w/8), signed) }

// productNear: |a*b| within 2|b|+2 of 2^(w-1) or 2^w (the solved
// factor is t/b rounded either way, t a boundary or a neighbour).
func productNear(a, b uint64, w uint, signed bool) bool {
	p := new(big.Int).Mul(signedBig(a, w, signed), signedBig(b, w, signed))
	p.Abs(p)
	slack := new(big.Int).Abs(signedBig(b, w, signed))
	slack.Add(slack.Lsh(slack, 1), big.NewInt(2))
	for _, e := range []uint{w - 1, w} {
		d := new(big.Int).Sub(p, new(big.Int).Lsh(big.NewInt(1), e))
		if d.Abs(d).Cmp(slack) <= 0 {
			return true
		}
	}
	// The one-operand forms may have swapped which factor was solved.
	slack = new(big.Int).Abs(signedBig(a, w, signed))
	slack.Add(slack.Lsh(slack, 1), big.NewInt(2))
	for _, e := range []uint{w - 1, w} {
		d := new(big.Int).Sub(p, new(big.Int).Lsh(big.NewInt(1), e))
		if d.Abs(d).Cmp(slack) <= 0 {
			return true
		}
	}
	return false
}

// quotientNear runs the division: it faults with #DE or its quotient is
// within one of the width's limit.
func quotientNear(s *arch.State, w uint, signed bool) bool {
	var n, d *big.Int
	if w == 8 {
		n = signedBig(s.GPR[0]&0xffff, 16, signed)
		d = signedBig(s.GPR[3]&0xff, 8, signed)
	} else {
		mask := ^uint64(0)
		if w < 64 {
			mask = 1<<w - 1
		}
		n = new(big.Int).Lsh(new(big.Int).SetUint64(s.GPR[2]&mask), w)
		n.Or(n, new(big.Int).SetUint64(s.GPR[0]&mask))
		if signed && s.GPR[2]>>(w-1)&1 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 2*w))
		}
		d = signedBig(s.GPR[3], w, signed)
	}
	if d.Sign() == 0 {
		return true
	}
	q := new(big.Int).Quo(n, d)
	q.Abs(q)
	lim := new(big.Int).Lsh(big.NewInt(1), w)
	if signed {
		lim = new(big.Int).Lsh(big.NewInt(1), w-1)
	}
	diff := new(big.Int).Sub(q, lim)
	return diff.Abs(diff).Cmp(big.NewInt(2)) <= 0
}

// completes builds a case from st and reports whether the emulator runs
// its instruction to the end.
func completes(t *testing.T, code []byte, st arch.State, seed uint64) bool {
	t.Helper()
	c, err := Build(emulator.NewEngine(), code, st, seed)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(emulator.NewEngine(), &c.State, c.Mem, 1)
	if err != nil {
		t.Fatal(err)
	}
	return res.Outcome == engine.Completed
}

// AimMemory makes the address a mappable user address (or, with 67, one
// whose 32-bit sum wraps), so Build maps it and the instruction runs.
func TestAimMemory(t *testing.T) {
	for _, h := range []string{"0303", "03448b10", "030c8d00100000", "67034c8b7f", "4203048f", "640303", "660fd6048b"} {
		code, _ := hex.DecodeString(h)
		in, err := decoder.Decode(code)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		ran := 0
		for i := range 100 {
			r := rand.New(rand.NewPCG(uint64(i), 6))
			st := RandomState(r)
			AimMemory(r, &in, &st)
			a := EffectiveAddr(&in, &st)
			if a < 0x10000000 || a >= 0x20000010 {
				t.Fatalf("%s case %d: address %#x, want a user address in [0x10000000, 0x20000010)", h, i, a)
			}
			if completes(t, code, st, uint64(i)) {
				ran++
			}
		}
		if ran < 90 {
			t.Errorf("%s: only %d of 100 aimed cases completed", h, ran)
		}
	}
}

// A string instruction's RSI (through FS or GS when overridden) and RDI
// land on user addresses, a REP count is small, and the case completes.
func TestAimString(t *testing.T) {
	for _, h := range []string{"a4", "64a4", "65f3a5", "67f3ab", "6764a6", "f348ad", "f2ae"} {
		code, _ := hex.DecodeString(h)
		in, err := decoder.Decode(code)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		ran, based := 0, 0
		for i := range 100 {
			r := rand.New(rand.NewPCG(uint64(i), 6))
			st := RandomState(r)
			AimMemory(r, &in, &st)
			mask := ^uint64(0)
			if in.AddrSize == 4 {
				mask = 0xffffffff
			}
			src, dst := st.GPR[arch.RSI]&mask, st.GPR[arch.RDI]&mask
			if seg := in.Mem.Seg; in.SegOverride && (seg == arch.FS || seg == arch.GS) {
				src += st.Seg[seg].Base
				if st.Seg[seg].Base != 0 {
					based++
				}
			}
			if src < 0x10000000 || src >= MaxCaseAddr || dst < 0x10000000 || dst >= 0x20000000 {
				t.Fatalf("%s case %d: source %#x, destination %#x: want mappable user addresses", h, i, src, dst)
			}
			if in.Rep != decoder.PrefixNone && st.GPR[arch.RCX]&mask > 40 {
				t.Fatalf("%s case %d: count %#x, want at most 40", h, i, st.GPR[arch.RCX]&mask)
			}
			if completes(t, code, st, uint64(i)) {
				ran++
			}
		}
		if ran < 90 {
			t.Errorf("%s: only %d of 100 aimed cases completed", h, ran)
		}
		if in.SegOverride && based < 10 {
			t.Errorf("%s: only %d of 100 states had a non-zero base for the override", h, based)
		}
	}
}

package fuzz

import (
	"bytes"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
)

// Properties of the state generators and of the emulator's algebra, checked
// with gopter from a fixed seed so every run is the same.

func properties(t *testing.T) *gopter.Properties {
	p := gopter.DefaultTestParametersWithSeed(20261121)
	p.MinSuccessfulTests = 400
	return gopter.NewProperties(p)
}

var genState = gen.UInt64().Map(func(seed uint64) arch.State {
	return check.RandomState(rand.New(rand.NewPCG(seed, 1)))
})

var genSize = gen.OneConstOf(uint8(1), uint8(2), uint8(4), uint8(8))

func TestStateGeneratorProperties(t *testing.T) {
	ps := properties(t)
	ps.Property("generated states are architecturally valid", prop.ForAll(func(s arch.State) bool {
		return s.RFLAGS&arch.FlagsFixed != 0 && s.RFLAGS&0xffffffffffc08028 == 0 &&
			s.RIP < check.MaxCaseAddr && s.MXCSR&0xffff0000 == 0 && s.CPL == 3
	}, genState))
	ps.Property("JSON and binary forms round-trip", prop.ForAll(func(s arch.State) bool {
		j, err := json.Marshal(s)
		if err != nil {
			return false
		}
		var a, b arch.State
		bin, _ := s.MarshalBinary()
		return json.Unmarshal(j, &a) == nil && b.UnmarshalBinary(bin) == nil && a == s && b == s
	}, genState))
	ps.TestingRun(t)
}

// runCode runs code from st on the emulator until it stops (the code ends
// with HLT at CPL 0) and returns the result.
func runCode(t *testing.T, code []byte, st arch.State, data ...engine.Region) engine.Result {
	t.Helper()
	page := bytes.Repeat([]byte{0xf4}, 4096) // HLT
	copy(page, code)
	st.RIP, st.CPL = 0x400000, 0
	mem := append([]engine.Region{{Addr: 0x400000, Data: page}}, data...)
	r, err := engine.Run(emulator.NewEngine(), &st, mem, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The operand-size prefixes of "op rax, rbx" for each size.
func sized(size uint8, op8, op byte) []byte {
	switch size {
	case 1:
		return []byte{op8, 0xd8}
	case 2:
		return []byte{0x66, op, 0xd8}
	case 4:
		return []byte{op, 0xd8}
	}
	return []byte{0x48, op, 0xd8}
}

func TestFlagIdentities(t *testing.T) {
	ps := properties(t)
	ps.Property("cmp sets flags from the exact difference", prop.ForAll(func(x, y uint64, size uint8) bool {
		st := arch.Flat64()
		st.GPR[arch.RAX], st.GPR[arch.RBX] = x, y
		r := runCode(t, sized(size, 0x38, 0x39), st) // cmp rax, rbx
		bitsN := uint(size) * 8
		m := ^uint64(0) >> (64 - bitsN)
		a, b := x&m, y&m
		d := (a - b) & m
		// Signed overflow: the operands' signs differ and the result's sign
		// differs from the minuend's (the SDM's definition of OF for SUB).
		sign := func(v uint64) bool { return v>>(bitsN-1)&1 == 1 }
		overflow := sign(a) != sign(b) && sign(d) != sign(a)
		want := map[uint64]bool{
			arch.ZF: a == b, arch.CF: a < b, arch.SF: d>>(bitsN-1)&1 == 1,
			arch.PF: bits.OnesCount8(uint8(d))%2 == 0, arch.AF: (a^b^d)&0x10 != 0, arch.OF: overflow,
		}
		for f, v := range want {
			if (r.State.RFLAGS&f != 0) != v {
				t.Logf("cmp size %d %#x,%#x: flag %#x = %v, want %v", size, x, y, f, r.State.RFLAGS&f != 0, v)
				return false
			}
		}
		return r.State.GPR[arch.RAX] == x && r.State.GPR[arch.RBX] == y
	}, gen.UInt64(), gen.UInt64(), genSize))
	ps.Property("cmp and sub set the same flags", prop.ForAll(func(x, y uint64, size uint8) bool {
		st := arch.Flat64()
		st.GPR[arch.RAX], st.GPR[arch.RBX] = x, y
		c := runCode(t, sized(size, 0x38, 0x39), st)
		s := runCode(t, sized(size, 0x28, 0x29), st)
		return c.State.RFLAGS == s.State.RFLAGS
	}, gen.UInt64(), gen.UInt64(), genSize))
	ps.TestingRun(t)
}

func TestInverseOperations(t *testing.T) {
	ps := properties(t)
	identity := func(name string, code func(size uint8) []byte) {
		ps.Property(name, prop.ForAll(func(x, y uint64, size uint8) bool {
			st := arch.Flat64()
			st.GPR[arch.RAX], st.GPR[arch.RBX], st.GPR[arch.RCX] = x, y, y&0x3f
			r := runCode(t, code(size), st)
			// A 32-bit write zeroes the upper half; 8- and 16-bit writes
			// keep it.
			if size == 4 {
				x &= 0xffffffff
				if name == "xchg twice" {
					y &= 0xffffffff
				}
			}
			return r.Outcome == engine.Halted && r.State.GPR[arch.RAX] == x && r.State.GPR[arch.RBX] == y
		}, gen.UInt64(), gen.UInt64(), genSize))
	}
	identity("add then sub", func(s uint8) []byte { return append(sized(s, 0x00, 0x01), sized(s, 0x28, 0x29)...) })
	identity("xor twice", func(s uint8) []byte { return append(sized(s, 0x30, 0x31), sized(s, 0x30, 0x31)...) })
	identity("xchg twice", func(s uint8) []byte { return append(sized(s, 0x86, 0x87), sized(s, 0x86, 0x87)...) })
	identity("neg twice", func(s uint8) []byte {
		c := sized(s, 0xf6, 0xf7)
		c[len(c)-1] = 0xd8 // neg eax
		return append(c, c...)
	})
	identity("not twice", func(s uint8) []byte {
		c := sized(s, 0xf6, 0xf7)
		c[len(c)-1] = 0xd0 // not eax
		return append(c, c...)
	})
	identity("rol cl then ror cl", func(s uint8) []byte {
		rol := sized(s, 0xd2, 0xd3)
		rol[len(rol)-1] = 0xc0
		ror := sized(s, 0xd2, 0xd3)
		ror[len(ror)-1] = 0xc8
		return append(rol, ror...)
	})
	ps.Property("bswap twice", prop.ForAll(func(x uint64) bool {
		st := arch.Flat64()
		st.GPR[arch.RAX] = x
		r := runCode(t, []byte{0x48, 0x0f, 0xc8, 0x48, 0x0f, 0xc8}, st)
		return r.State.GPR[arch.RAX] == x
	}, gen.UInt64()))
	ps.TestingRun(t)
}

// The string instructions against a reference loop written from the SDM's
// per-iteration description.
func TestStringInstructionsAgainstReference(t *testing.T) {
	const base = 0x600000
	ps := properties(t)
	type args struct {
		Count, Src, Dst uint16
		Down            bool
		Seed            uint64
	}
	genArgs := gen.Struct(reflect.TypeFor[args](), map[string]gopter.Gen{
		"Count": gen.UInt16Range(0, 600),
		"Src":   gen.UInt16Range(700, 7400),
		"Dst":   gen.UInt16Range(700, 7400),
		"Down":  gen.Bool(),
		"Seed":  gen.UInt64(),
	})
	ps.Property("rep movsb copies one byte at a time in DF's direction", prop.ForAll(func(a args) bool {
		mem := randomBytes(8192, a.Seed)
		want := append([]byte(nil), mem...)
		si, di := int(a.Src), int(a.Dst)
		for range a.Count {
			want[di] = want[si]
			if a.Down {
				si, di = si-1, di-1
			} else {
				si, di = si+1, di+1
			}
		}
		st := arch.Flat64()
		st.GPR[arch.RSI], st.GPR[arch.RDI], st.GPR[arch.RCX] = base+uint64(a.Src), base+uint64(a.Dst), uint64(a.Count)
		if a.Down {
			st.RFLAGS |= arch.DF
		}
		r := runCode(t, []byte{0xf3, 0xa4}, st, engine.Region{Addr: base, Data: mem})
		got := applyWrites(mem, base, r.Writes)
		return bytes.Equal(got, want) && r.State.GPR[arch.RCX] == 0 &&
			r.State.GPR[arch.RSI] == base+uint64(si) && r.State.GPR[arch.RDI] == base+uint64(di)
	}, genArgs))
	ps.Property("repe cmpsb stops after the first difference", prop.ForAll(func(a args) bool {
		mem := randomBytes(8192, a.Seed^3)
		// Make the two strings mostly equal so the loop runs a while.
		for i := range 600 {
			if a.Src+uint16(i) < 8192 && a.Dst+uint16(i) < 8192 && i%97 != 0 {
				mem[int(a.Dst)+i] = mem[int(a.Src)+i]
			}
		}
		si, di, n := int(a.Src), int(a.Dst), int(a.Count)
		for n > 0 {
			eq := mem[si] == mem[di]
			si, di, n = si+1, di+1, n-1
			if !eq {
				break
			}
		}
		st := arch.Flat64()
		st.GPR[arch.RSI], st.GPR[arch.RDI], st.GPR[arch.RCX] = base+uint64(a.Src), base+uint64(a.Dst), uint64(a.Count)
		r := runCode(t, []byte{0xf3, 0xa6}, st, engine.Region{Addr: base, Data: mem})
		return r.State.GPR[arch.RCX] == uint64(n) && r.State.GPR[arch.RSI] == base+uint64(si) &&
			r.State.GPR[arch.RDI] == base+uint64(di) && len(r.Writes) == 0
	}, genArgs))
	ps.TestingRun(t)
}

func applyWrites(mem []byte, base uint64, ws []engine.Write) []byte {
	out := append([]byte(nil), mem...)
	for _, w := range ws {
		copy(out[w.Addr-base:], w.New)
	}
	return out
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

package check_test

import (
	"encoding/hex"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
)

func TestSSEMiscMovnti(t *testing.T) {
	sweep(t, 300,
		"0fc300", "480fc300", "0fc34c2408", "480fc34c2408", "440fc338", "4c0fc338",
		"410fc307", "490fc307", "670fc300", "67480fc300", "640fc300", "65480fc34c2408",
		"0fc30424", "480fc3442410", "0fc305f0ffffff", "0fc3c1",
	)
}

func TestSSEMiscMaskmovdqu(t *testing.T) {
	sweep(t, 300, cat(
		xreg("66", "0ff7"),
		[]string{"660ff7cf", "66440ff7c1", "66410ff7c1", "66450ff7ff",
			"67660ff7c1", "6766450ff7c7", "64660ff7c1", "65660ff7c1", "6567660ff7c1", "2e660ff7c1",
		},
	)...)
}

var dpImms = []string{"ff", "f1", "31", "00", "7f", "0f", "f0", "1f", "c3", "5a", "a5", "33", "23", "12"}

func TestSSEMiscDotProduct(t *testing.T) {
	// Register forms take every imm8; the "dpps/dppd sum sequentially" known
	// mistake explains Unicorn's order there. It cannot see a memory source,
	// so memory forms take the imm8 values whose sequential and pairwise sums
	// agree (at most two products for DPPS, at most one for DPPD).
	var enc []string
	for _, op := range []string{"0f3a40", "0f3a41"} {
		for _, imm := range dpImms {
			enc = append(enc, xreg("66", op, imm)...)
		}
	}
	for _, imm := range []string{"31", "00", "1f", "5a", "c3", "12", "f0", "0f", "23"} {
		enc = append(enc, xmem("66", "0f3a40")[:2]...)
		enc[len(enc)-1] += imm
		enc[len(enc)-2] += imm
	}
	for _, imm := range []string{"00", "13", "23", "1f", "2f", "0f", "f0"} {
		enc = append(enc, "660f3a4100"+imm, "660f3a414c2408"+imm)
	}
	sweep(t, 300, enc...)
}

// miscRun steps one instruction on the emulator from s with code at 0x400000
// and the given extra pages.
func miscRun(t *testing.T, s arch.State, code string, pages ...engine.Region) engine.Result {
	t.Helper()
	b, err := hex.DecodeString(code)
	if err != nil {
		t.Fatal(err)
	}
	page := make([]byte, 4096)
	copy(page, b)
	s.RIP = 0x400000
	r, err := engine.Run(emulator.NewEngine(), &s, append([]engine.Region{{Addr: 0x400000, Data: page}}, pages...), 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Exact DPPS/DPPD results: the SDM's pairwise sums, which differ from a
// sequential sum (Unicorn's) in rounding and in the sign of a zero.
func TestSSEMiscDotProductExact(t *testing.T) {
	for _, c := range []struct {
		name   string
		code   string
		mxcsr  uint32
		a, b   arch.Vec128
		want   arch.Vec128
		mx     uint32
		vector int
	}{
		// Products 1, 0, 2^-24, 2^-24: pairwise 1 + 2^-23, exact; sequential
		// ((0+1)+0)+2^-24 ties to even at each step and stays 1.
		{"dpps pairwise differs", "660f3a40c1f1", 0x1f80,
			arch.Vec128{0x3f800000 | 0x3f800000<<32, 0x33800000 | 0x33800000<<32},
			arch.Vec128{0x3f800000, 0x3f800000 | 0x3f800000<<32},
			arch.Vec128{0x3f800001, 0}, 0x1f80, -1},
		// All products -0: pairwise (-0 + -0) + (-0 + -0) = -0; sequential
		// from +0.0 gives +0.
		{"dpps negative zero", "660f3a40c1ff", 0x1f80,
			arch.Vec128{0x80000000_80000000, 0x80000000_80000000},
			arch.Vec128{0x3f800000_3f800000, 0x3f800000_3f800000},
			arch.Vec128{0x80000000_80000000, 0x80000000_80000000}, 0x1f80, -1},
		// One selected product -0 plus an unselected +0.0: +0 in RN, -0 in RD.
		{"dpps unselected +0 RN", "660f3a40c11f", 0x1f80,
			arch.Vec128{0x80000000, 0}, arch.Vec128{0x3f800000, 0}, arch.Vec128{0, 0}, 0x1f80, -1},
		{"dpps unselected +0 RD", "660f3a40c11f", 0x3f80,
			arch.Vec128{0x80000000, 0}, arch.Vec128{0x3f800000, 0},
			arch.Vec128{0x80000000_80000000, 0x80000000_80000000}, 0x3f80, -1},
		{"dpps broadcast mask", "660f3a40c135", 0x1f80,
			arch.Vec128{0x40000000_3f800000, 0x40400000_40800000},
			arch.Vec128{0x40800000_40400000, 0x40a00000_40c00000},
			arch.Vec128{0x41300000, 0x41300000}, 0x1f80, -1}, // 1*3 + 2*4 = 11 in lanes 0, 2
		// 1*1 + 2^-53*1 rounds up in RU.
		{"dppd RU", "660f3a41c133", 0x5f80,
			arch.Vec128{0x3ff0000000000000, 0x3ca0000000000000},
			arch.Vec128{0x3ff0000000000000, 0x3ff0000000000000},
			arch.Vec128{0x3ff0000000000001, 0x3ff0000000000001}, 0x5fa0, -1},
		{"dppd lane 1 only", "660f3a41c122", 0x1f80,
			arch.Vec128{0x3ff0000000000000, 0x4000000000000000},
			arch.Vec128{0x4000000000000000, 0x4008000000000000},
			arch.Vec128{0, 0x4018000000000000}, 0x1f80, -1},
		{"dppd unmasked PE", "660f3a41c133", 0x0f80,
			arch.Vec128{0x3ff0000000000000, 0x3ca0000000000000},
			arch.Vec128{0x3ff0000000000000, 0x3ff0000000000000},
			arch.Vec128{0x3ff0000000000000, 0x3ca0000000000000}, 0x0fa0, 19},
		{"dpps SNaN in unselected lane", "660f3a40c111", 0x1f80,
			arch.Vec128{0x7fa00000_3f800000, 0}, arch.Vec128{0x3f800000_3f800000, 0},
			arch.Vec128{0x3f800000, 0}, 0x1f80, -1},
	} {
		s := arch.Flat64()
		s.CR4 |= arch.CR4OSXMMEXCPT
		s.MXCSR = c.mxcsr
		s.XMM[0], s.XMM[1] = c.a, c.b
		r := miscRun(t, s, c.code)
		vec := -1
		if r.Outcome == engine.Exception {
			vec = int(r.Vector)
		}
		if r.State.XMM[0] != c.want || r.State.MXCSR != c.mx || vec != c.vector {
			t.Errorf("%s: got %#x mxcsr %#x %s; want %#x mxcsr %#x vector %d", c.name, r.State.XMM[0],
				r.State.MXCSR, r.OutcomeString(), c.want, c.mx, c.vector)
		}
	}
}

// MASKMOVDQU writes only the bytes whose mask byte has bit 7 set, and a
// masked byte on an unmapped page does not fault.
func TestSSEMiscMaskmovdquExact(t *testing.T) {
	const data = 0x600000
	for _, c := range []struct {
		name   string
		code   string
		rdi    uint64
		fsBase uint64
		mask   arch.Vec128
		want   map[uint64]byte // written address -> byte
		vector int
	}{
		{"alternate bytes", "660ff7c1", data + 0x10, 0, arch.Vec128{0x0080ff00_80007f80, 0},
			map[uint64]byte{data + 0x10: 0x00, data + 0x13: 0x03, data + 0x15: 0x05, data + 0x16: 0x06}, -1},
		{"high half only", "660ff7c1", data + 0x20, 0, arch.Vec128{0, 0x8000000000000080},
			map[uint64]byte{data + 0x28: 0x08, data + 0x2f: 0x0f}, -1},
		{"no bytes", "660ff7c1", 0xdead0000, 0, arch.Vec128{0x7f7f7f7f7f7f7f7f, 0x7f7f7f7f7f7f7f7f}, nil, -1},
		// The 16 bytes are checked whole, masked ones too (silicon).
		{"masked bytes on unmapped page", "660ff7c1", data + 0xff8, 0, arch.Vec128{0x8000000000000080, 0},
			nil, arch.VecPF},
		{"67 wraps at 4 GiB", "67660ff7c1", 0xfffffff8, 0, arch.Vec128{0x80, 0}, nil, arch.VecPF},
		{"written byte on unmapped page", "660ff7c1", data + 0xff8, 0, arch.Vec128{0x80, 0x80},
			nil, arch.VecPF},
		{"67 uses EDI", "67660ff7c1", 0xffffffff00000000 | (data + 0x40), 0, arch.Vec128{0x80, 0},
			map[uint64]byte{data + 0x40: 0x00}, -1},
		{"fs override", "64660ff7c1", 0x40, data, arch.Vec128{0x8000, 0},
			map[uint64]byte{data + 0x41: 0x01}, -1},
	} {
		s := arch.Flat64()
		s.XMM[0] = arch.Vec128{0x0706050403020100, 0x0f0e0d0c0b0a0908}
		s.XMM[1] = c.mask
		s.GPR[arch.RDI] = c.rdi
		s.Seg[arch.FS].Base = c.fsBase
		page := make([]byte, 4096)
		for i := range page {
			page[i] = 0xcc
		}
		r := miscRun(t, s, c.code, engine.Region{Addr: data, Data: page})
		vec := -1
		if r.Outcome == engine.Exception {
			vec = int(r.Vector)
		}
		got := map[uint64]byte{}
		for _, w := range r.Writes {
			for i, b := range w.New {
				got[w.Addr+uint64(i)] = b
			}
		}
		ok := vec == c.vector && len(got) == len(c.want)
		for a, b := range c.want {
			ok = ok && got[a] == b
		}
		if !ok {
			t.Errorf("%s: wrote %#x, %s; want %#x, vector %d", c.name, got, r.OutcomeString(), c.want, c.vector)
		}
	}
}

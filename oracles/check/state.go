package check

import (
	"encoding/binary"
	"math"
	"math/rand/v2"

	"github.com/twinstep/twinstep/arch"
)

// Edge values registers are drawn from half the time: the boundaries where
// carries, overflows, sign changes and masking go wrong.
var edges64 = []uint64{0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff, 0x8000000000000000,
	0xffffffffffffffff, 0xfffffffffffffffe, 0x8000000000000001, 0x0f0f0f0f0f0f0f0f,
	0x1f, 0x20, 0x3f, 0x40, 0x41}

// Float bit patterns for XMM lanes: zeros, infinities, NaNs (quiet,
// signalling, negative), denormals, extremes and ordinary values.
var edgesF32 = []uint32{0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000,
	0x00000001, 0x807fffff, 0x7f7fffff, 0x00800000, 0x3f800000, 0xbf800000, 0x4f000000, 0xcf000000,
	0x5f000000, 0x3fc00000, 0x3f000000}
var edgesF64 = []uint64{0, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
	0x7ff8000000000000, 0xfff8000000000000, 0x7ff4000000000000, 1, 0x800fffffffffffff,
	0x7fefffffffffffff, 0x0010000000000000, math.Float64bits(1), math.Float64bits(-1),
	math.Float64bits(2147483648), math.Float64bits(-2147483649), math.Float64bits(9.223372036854775807e18),
	math.Float64bits(0.5), math.Float64bits(1.5), math.Float64bits(2.5), math.Float64bits(-0.5)}

func randGPR(r *rand.Rand) uint64 {
	switch r.IntN(4) {
	case 0, 1:
		return edges64[r.IntN(len(edges64))]
	case 2:
		return r.Uint64() >> (r.IntN(64))
	}
	return r.Uint64()
}

func randLane64(r *rand.Rand) uint64 {
	switch r.IntN(4) {
	case 0:
		return edgesF64[r.IntN(len(edgesF64))]
	case 1:
		return uint64(edgesF32[r.IntN(len(edgesF32))]) | uint64(edgesF32[r.IntN(len(edgesF32))])<<32
	case 2:
		return math.Float64bits(float64(int32(r.Uint32())) / float64(1+r.IntN(1000)))
	}
	return r.Uint64()
}

// RandomState returns a user-mode state with registers across the whole
// 64-bit range and at edge values, random status flags (DF rarely set),
// random XMM lanes biased to float edge cases, and MXCSR with a random
// rounding mode, DAZ/FTZ sometimes, and exceptions masked (unmasked rarely).
// RIP is on a random user page. TF, RF and AC (with CR0.AM) are each set in
// one state in 16. The x87 state (the MMX registers) is random too, and
// one state in four has a non-zero FS base, one in four a GS base.
func RandomState(r *rand.Rand) arch.State {
	s := arch.Flat64()
	for i := range s.GPR {
		s.GPR[i] = randGPR(r)
	}
	s.RFLAGS = arch.FlagsFixed | arch.IF | r.Uint64()&arch.ArithFlags
	if r.IntN(8) == 0 {
		s.RFLAGS |= arch.DF
	}
	for i := range s.XMM {
		s.XMM[i] = arch.Vec128{randLane64(r), randLane64(r)}
	}
	s.MXCSR = 0x1f80 | uint32(r.IntN(4))<<13
	if r.IntN(8) == 0 {
		s.MXCSR |= 0x8040 // FTZ and DAZ
	}
	if r.IntN(16) == 0 {
		s.MXCSR &^= uint32(r.IntN(64)) << 7 // unmask some exceptions
	}
	s.MXCSR |= uint32(r.IntN(64)) & uint32(r.IntN(2)*0x3f) // sticky flags already set, sometimes
	s.RIP = (0x10000 + uint64(r.IntN(1<<20))<<12) | uint64(r.IntN(4096))
	// The rarely set system flags, drawn last so the fields above stay
	// as they were for a seed: TF (a single-step trap after the
	// instruction), RF, and AC with CR0.AM (alignment checks).
	if r.IntN(16) == 0 {
		s.RFLAGS |= arch.TF
	}
	if r.IntN(16) == 0 {
		s.RFLAGS |= arch.RF
	}
	if r.IntN(16) == 0 {
		s.RFLAGS |= arch.AC
		s.CR0 |= arch.CR0AM
	}
	randX87(r, &s.X87)
	// FS and GS bases, drawn after everything else, in one state in four
	// each: with both at zero a segment override that is ignored goes
	// unseen. Lower-half addresses of every magnitude, so a small offset
	// lands on a page Build can map.
	for _, seg := range []int{arch.FS, arch.GS} {
		if r.IntN(4) == 0 {
			s.Seg[seg].Base = r.Uint64() >> (17 + r.IntN(32))
		}
	}
	return s
}

// randX87 draws the x87 state the MMX registers live in, after everything
// else: random significands (the MMX registers) with random or all-ones
// (as MMX writes leave them) sign and exponent, random TOP, tags, condition
// codes and masked exception flags, and in one state in 16 a pending
// exception (an unmasked flag with ES and B), which MMX instructions fault
// on (#MF).
func randX87(r *rand.Rand, x *arch.X87) {
	for i := range x.ST {
		binary.LittleEndian.PutUint64(x.ST[i][:8], randGPR(r))
		e := uint16(0xffff)
		if r.IntN(2) == 0 {
			e = uint16(r.Uint32())
		}
		binary.LittleEndian.PutUint16(x.ST[i][8:], e)
	}
	x.FTW = uint8(r.Uint32())
	x.FSW = uint16(r.Uint32()) & 0x477f // C3, C2, C1, C0, SF and the exception flags
	x.FSW |= uint16(r.IntN(8)) << 11    // TOP
	if r.IntN(16) == 0 {
		bit := uint16(1) << r.IntN(6)
		x.FCW &^= bit
		x.FSW |= bit | 0x8080 // B and ES
	}
}

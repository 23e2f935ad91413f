package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Miscellaneous SSE2/SSE4.1 instructions: the non-temporal stores MOVNTI and
// MASKMOVDQU, and the dot products DPPS and DPPD.

func init() {
	on(movnti, "movnti")
	simd(maskmov, "maskmovdqu", "maskmovq")
	on(sse(dotProduct(f32)), "dpps")
	on(sse(dotProduct(f64)), "dppd")
}

// movnti stores a 32- or 64-bit general register (REX.W) to memory. The
// non-temporal hint has no architectural effect. It is a general-purpose
// instruction: no CR0.EM/TS or CR4.OSFXSR checks (SDM Vol. 2 MOVNTI,
// Protected Mode Exceptions list none of them).
func movnti(c *CPU, in *decoder.Inst) {
	c.setArg(in, 0, c.arg(in, 1))
}

// maskmov is MASKMOVDQU and MASKMOVQ: it stores the bytes of the first
// operand whose byte in the second (the mask) has bit 7 set to DS:rDI (a
// segment override replaces DS). The destination is a 128-bit (MASKMOVQ:
// 64-bit) memory location: all its bytes are checked as a
// store would check them, masked bytes too, before any byte is stored, so a
// fault writes nothing and reports the first unwritable byte (silicon, AMD:
// #PF at rDI or at the second page). With a 67 prefix the offsets are
// EDI+i, wrapping at 4 GiB. With an
// all-zero mask whether the address is still checked is implementation
// dependent (SDM Vol. 2 MASKMOVDQU): the profile's maskmov-zero rule.
func maskmov(c *CPU, in *decoder.Inst) {
	v, m := c.readXmmArg(in, 0), c.readXmmArg(in, 1)
	n := vecBytes(in.Args[0])
	seg := uint8(arch.DS)
	if in.SegOverride {
		seg = in.Mem.Seg
	}
	if (m[0]|m[1])&0x8080808080808080 == 0 && !c.prof.MaskmovZeroChecks {
		return
	}
	addr := func(i int) uint64 {
		o := c.s.GPR[arch.RDI] + uint64(i)
		if in.AddrSize == 4 {
			o &= 0xffffffff
		}
		if seg >= arch.FS {
			o += c.s.Seg[seg].Base
		}
		return o
	}
	// Silicon checks the 16 bytes from the start linearly, then stores at
	// the wrapped offsets, which are checked too before any byte is stored
	// (AMD: EDI = 0xfffffffe faults at 0x100000000; with that page mapped,
	// at 0). MASKMOVQ has entered MMX state when its store faults
	// (silicon, AMD).
	c.enterMMX(in)
	c.acWidth(addr(0), c.prof.ACMaskmov, seg)
	c.probeWrite(addr(0), n, seg)
	for i := 1; i < n; i++ {
		if addr(i)&0xfff == 0 {
			c.probeWrite(addr(i), 1, seg)
		}
	}
	for i := range n {
		if lane(m, 1, i)&0x80 != 0 {
			c.write(addr(i), 1, lane(v, 1, i), seg)
		}
	}
}

// dotProduct is DPPS (f32) and DPPD (f64): the SDM's DP_primitive.
func dotProduct(ft ffmt) handler {
	return func(c *CPU, in *decoder.Inst) {
		s := c.readXmmArg(in, 1)
		d := c.s.XMM[in.Args[0].Reg]
		e := newFPEnv(c.s.MXCSR)
		r := e.dot(ft, d, s, uint8(in.Imm), true)
		c.fpCommit(&e)
		c.s.XMM[in.Args[0].Reg] = r
	}
}

// dot computes the dot product of the lanes of d and s selected by
// imm8[7:4] (unselected products are +0.0, computed by no multiply),
// broadcast to the lanes selected by imm8[3:0] (others +0.0). Every product
// and sum is rounded per MXCSR through arith (DAZ, NaN rules and flags
// included; a denormal intermediate is an operand of the next addition).
// pairwise sums as the SDM does, (p0+p1)+(p2+p3) for DPPS and p0+p1 for
// DPPD; otherwise the products are added one by one to +0.0, skipping
// unselected lanes (QEMU 5's helper_dpps/helper_dppd). Pairwise, the
// products, the pair sums and the final sum are steps: an unmasked
// exception in one ends the instruction there (fpEnv.step).
func (e *fpEnv) dot(ft ffmt, d, s arch.Vec128, imm uint8, pairwise bool) arch.Vec128 {
	n := 16 / ft.w
	var p [4]uint64
	var r arch.Vec128
	sum := uint64(0)
	for i := range n {
		if imm>>(4+i)&1 != 0 {
			p[i] = e.arith(ft, opFMul, lane(d, ft.w, i), lane(s, ft.w, i))
			if !pairwise {
				sum = e.arith(ft, opFAdd, sum, p[i])
			}
		}
	}
	if pairwise {
		if e.step() {
			return r
		}
		sum = e.arith(ft, opFAdd, p[0], p[1])
		if n == 4 {
			hi := e.arith(ft, opFAdd, p[2], p[3])
			if e.step() {
				return r
			}
			sum = e.arith(ft, opFAdd, sum, hi)
		}
	}
	for i := range n {
		if imm>>i&1 != 0 {
			setLane(&r, ft.w, i, sum)
		}
	}
	return r
}

// DotProduct computes DPPS (w 4) or DPPD (w 8) of d and s under imm8 and
// mxcsr as dot does, returning the destination and the exception flags. The
// oracle's known mistakes use it (pairwise false) to recognise Unicorn's
// sequential sum.
func DotProduct(w int, d, s arch.Vec128, imm uint8, mxcsr uint32, pairwise bool) (arch.Vec128, uint32) {
	ft := f32
	if w == 8 {
		ft = f64
	}
	e := newFPEnv(mxcsr)
	r := e.dot(ft, d, s, imm, pairwise)
	return r, e.done | e.flags
}

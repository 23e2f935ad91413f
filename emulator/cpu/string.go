package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The string instructions: movs, cmps, stos, lods, scas, their byte forms,
// and the REP, REPE and REPNE prefixes (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ").
//
// A REP instruction runs its whole loop as one instruction (one Run step, one
// retired instruction). Every iteration does its memory accesses before it
// updates RSI, RDI and RCX, so a fault in iteration k leaves the registers as
// the k-1 completed iterations left them and RIP at the instruction: the
// state hardware reports, from which the instruction restarts.
//
// The address size (67) selects RSI/RDI/RCX or ESI/EDI/ECX: addresses wrap at
// 32 bits and the registers are written as 32-bit registers (zero-extended).
// A REP with a zero count does nothing and writes no register. The source is
// DS:rSI (a segment override applies, and only FS and GS have a base in
// 64-bit mode); the destination is ES:rDI, which cannot be overridden.
// F2 on movs, stos and lods repeats like F3.

func init() {
	on(strMovs, "movsb", "movs")
	on(strStos, "stosb", "stos")
	on(strLods, "lodsb", "lods")
	on(strScas, "scasb", "scas")
	on(strCmps, "cmpsb", "cmps")
}

// strSize is the element size: the byte forms' mnemonics end in b.
func strSize(in *decoder.Inst) uint8 {
	if m := in.Form.Mnemonic; m[len(m)-1] == 'b' {
		return 1
	}
	return in.OpSize
}

// strReg reads an address-size register (RSI, RDI or RCX).
func (c *CPU) strReg(in *decoder.Inst, r uint8) uint64 {
	if in.AddrSize == 4 {
		return c.s.GPR[r] & 0xffffffff
	}
	return c.s.GPR[r]
}

// setStrReg writes an address-size register.
func (c *CPU) setStrReg(in *decoder.Inst, r uint8, v uint64) {
	if in.AddrSize == 4 {
		v &= 0xffffffff
	}
	c.s.GPR[r] = v
}

// strSrc is the source segment and its linear address.
func (c *CPU) strSrc(in *decoder.Inst) (uint64, uint8) {
	seg := uint8(arch.DS)
	if in.SegOverride {
		seg = in.Mem.Seg
	}
	a := c.strReg(in, arch.RSI)
	if seg >= arch.FS {
		a += c.s.Seg[seg].Base
	}
	return a, seg
}

// strStep advances register r by one element in the direction DF gives.
func (c *CPU) strStep(in *decoder.Inst, r uint8, size uint8) {
	d := uint64(size)
	if c.s.RFLAGS&arch.DF != 0 {
		d = -d
	}
	c.setStrReg(in, r, c.strReg(in, r)+d)
}

// strLoop runs one iteration of body, or with a REP prefix the whole loop:
// body returns false to stop a REPE/REPNE loop.
func (c *CPU) strLoop(in *decoder.Inst, body func() bool) {
	if in.Rep == decoder.PrefixNone {
		body()
		return
	}
	for c.strReg(in, arch.RCX) != 0 {
		more := body()
		c.setStrReg(in, arch.RCX, c.strReg(in, arch.RCX)-1)
		if !more {
			return
		}
		if c.s.RFLAGS&arch.TF != 0 || c.dbg.data {
			// Debug traps come after each iteration (SDM 18.3.1.4):
			// one iteration is one step, and the instruction restarts
			// at itself while iterations remain.
			if c.strReg(in, arch.RCX) != 0 {
				c.next = c.s.RIP
			}
			return
		}
	}
}

// repCond is the REPE/REPNE termination test, made after an iteration of
// cmps or scas has set ZF: F3 repeats while ZF is 1, F2 while it is 0.
func (c *CPU) repCond(in *decoder.Inst) bool {
	if in.Rep == decoder.PrefixF3 {
		return c.zf()
	}
	return !c.zf()
}

func strMovs(c *CPU, in *decoder.Inst) {
	size := strSize(in)
	c.strLoop(in, func() bool {
		src, seg := c.strSrc(in)
		v := c.read(src, int(size), seg)
		c.write(c.strReg(in, arch.RDI), int(size), v, arch.ES)
		c.strStep(in, arch.RSI, size)
		c.strStep(in, arch.RDI, size)
		return true
	})
}

func strStos(c *CPU, in *decoder.Inst) {
	size := strSize(in)
	v := c.s.GPR[arch.RAX]
	c.strLoop(in, func() bool {
		c.write(c.strReg(in, arch.RDI), int(size), v, arch.ES)
		c.strStep(in, arch.RDI, size)
		return true
	})
}

func strLods(c *CPU, in *decoder.Inst) {
	size := strSize(in)
	c.strLoop(in, func() bool {
		src, seg := c.strSrc(in)
		v := c.read(src, int(size), seg)
		c.setReg(arch.RAX, size, v)
		c.strStep(in, arch.RSI, size)
		return true
	})
}

// scas compares rAX with ES:rDI (rAX - [rDI]).
func strScas(c *CPU, in *decoder.Inst) {
	size := strSize(in)
	x := c.s.GPR[arch.RAX] & masks[size]
	c.strLoop(in, func() bool {
		y := c.read(c.strReg(in, arch.RDI), int(size), arch.ES)
		c.setLazy(lazySub, size, x, y, x-y)
		c.strStep(in, arch.RDI, size)
		return c.repCond(in)
	})
}

// cmps compares DS:rSI with ES:rDI ([rSI] - [rDI]).
func strCmps(c *CPU, in *decoder.Inst) {
	size := strSize(in)
	c.strLoop(in, func() bool {
		// The SDM leaves the order of the two reads open. ES:rDI is read
		// first, as QEMU does and as AMD does for CMPS, REPNE CMPS and
		// REPE CMPSW/D/Q; AMD's REPE CMPSB alone reads DS:rSI first (the
		// profile's repe-cmpsb-order rule).
		src, seg := c.strSrc(in)
		var x, y uint64
		if size == 1 && in.Rep == decoder.PrefixF3 && c.prof.RepeCmpsbSourceFirst {
			x = c.read(src, 1, seg)
			y = c.read(c.strReg(in, arch.RDI), 1, arch.ES)
		} else {
			y = c.read(c.strReg(in, arch.RDI), int(size), arch.ES)
			x = c.read(src, int(size), seg)
		}
		c.setLazy(lazySub, size, x, y, x-y)
		c.strStep(in, arch.RSI, size)
		c.strStep(in, arch.RDI, size)
		return c.repCond(in)
	})
}

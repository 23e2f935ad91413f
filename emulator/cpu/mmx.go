package cpu

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// MMX: the registers MM0-MM7 are the significands (low 64 bits) of the x87
// physical registers R0-R7 (SDM Vol. 1 9.5), so they live in arch.X87, whose
// ST slots are in FXSAVE order: slot i holds ST(i) = R((TOP+i) mod 8). The
// MMX forms share their handlers with the XMM forms: readXmmArg and
// writeXmmArg reach an MMX register by the operand's kind.

// The x87 status word's fields an MMX instruction reads or sets.
const (
	fswES       = 1 << 7 // an unmasked x87 exception is pending
	fswTopShift = 11
	fswTop      = 7 << fswTopShift
)

func init() {
	on(mmx(emms), "emms")
}

// simd binds h to every form of each mnemonic, wrapped for the form's
// register file: sse for the XMM forms, mmx for the MMX forms, and both
// for a form naming registers of both (CVTPI2PS, MOVQ2DQ, ...), which make
// the SSE checks (CR4.OSFXSR included) and the MMX ones.
func simd(h handler, names ...string) {
	for _, name := range names {
		n := 0
		for _, f := range decoder.Forms {
			if f.Mnemonic != name {
				continue
			}
			switch mm, xmm := namesReg(f, "PNQ"), namesReg(f, "VWU"); {
			case mm && xmm:
				handlers[f.ID] = sse(mmx(h))
			case mm:
				handlers[f.ID] = mmx(h)
			default:
				handlers[f.ID] = sse(h)
			}
			n++
		}
		if n == 0 {
			panic(fmt.Sprintf("cpu: no decoder form has mnemonic %q", name))
		}
	}
}

// namesReg reports whether one of f's operands has an addressing letter in
// letters (the SDM's P, N, Q for MMX registers; V, W, U for XMM).
func namesReg(f *decoder.Form, letters string) bool {
	for _, a := range strings.Split(f.Args, ",") {
		if a != "" && strings.ContainsRune(letters, rune(a[0])) {
			return true
		}
	}
	return false
}

// mmx wraps a handler with the checks of an MMX instruction (SDM Vol. 1
// 9.6.5 and 9.7, Vol. 2 EMMS): #UD if CR0.EM is set (CR4.OSFXSR is not
// needed), #NM if CR0.TS is set, then #MF if an unmasked x87 exception is
// pending (FSW.ES), as for FWAIT. When the handler completes the x87 unit
// is in MMX state (enterMMX). A form whose MMX operand is in memory
// (CVTPI2PS xmm, m64) makes no transition and takes no x87 exception (SDM
// Vol. 2 CVTPI2PS).
func mmx(h handler) handler {
	return func(c *CPU, in *decoder.Inst) {
		if c.s.CR0&arch.CR0EM != 0 {
			c.raise(arch.VecUD)
		}
		if c.s.CR0&arch.CR0TS != 0 {
			c.raise(arch.VecNM)
		}
		if in.NArgs != 0 && !namesMMX(in) { // EMMS has no operands
			h(c, in)
			return
		}
		if c.s.X87.FSW&fswES != 0 {
			c.raise(arch.VecMF)
		}
		h(c, in)
		c.enterMMX(in)
	}
}

// namesMMX reports whether the instruction has an MMX register operand.
func namesMMX(in *decoder.Inst) bool {
	for i := range in.NArgs {
		if in.Args[i].Kind == decoder.ArgMmx {
			return true
		}
	}
	return false
}

// enterMMX makes the transition to MMX state for an instruction naming an
// MMX register. The mmx wrapper makes it when the handler completes, so a
// fault reading an operand leaves the x87 state as it was (silicon, AMD);
// a handler that can still fault once silicon has made it (the unmasked
// SIMD exception of CVTPS2PI, MASKMOVQ's store) makes it first.
func (c *CPU) enterMMX(in *decoder.Inst) {
	if namesMMX(in) {
		EnterMMX(&c.s.X87)
	}
}

// emms sets TOP to 0, like every MMX instruction, and empties every tag
// (the abridged tag word's 0 is empty) (SDM Vol. 1 Table 9-3; silicon,
// AMD).
func emms(c *CPU, in *decoder.Inst) {
	EnterMMX(&c.s.X87)
	c.s.X87.FTW = 0
}

// EnterMMX makes the x87 state's transition to MMX state (SDM Vol. 1
// Table 9-3): TOP becomes 0, the ST slots moving so each physical register
// keeps its contents, and every register is tagged valid. The oracle's
// known mistakes use it too.
func EnterMMX(x *arch.X87) {
	if top := int(x.FSW&fswTop) >> fswTopShift; top != 0 {
		var st [8][10]byte
		for i := range st {
			st[(top+i)&7] = x.ST[i]
		}
		x.ST = st
		x.FSW &^= fswTop
	}
	x.FTW = 0xff
}

// mmReg is physical x87 register R(i) as its FXSAVE slot.
func (c *CPU) mmReg(i uint8) *[10]byte {
	top := int(c.s.X87.FSW&fswTop) >> fswTopShift
	return &c.s.X87.ST[(int(i)-top)&7]
}

func (c *CPU) mm(i uint8) uint64 { return binary.LittleEndian.Uint64(c.mmReg(i)[:8]) }

// setMM writes MMi, setting the register's sign and exponent (bytes 8-9)
// to all ones, as every MMX write does (SDM Vol. 1 Table 9-3).
func (c *CPU) setMM(i uint8, v uint64) {
	r := c.mmReg(i)
	binary.LittleEndian.PutUint64(r[:8], v)
	r[8], r[9] = 0xff, 0xff
}

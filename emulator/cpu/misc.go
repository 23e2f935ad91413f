package cpu

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Instructions with no architectural effect at user level here, and the
// ones that only fault.

func init() {
	nothing := func(c *CPU, in *decoder.Inst) {}
	on(nothing, "nop", "pause", "endbr64", "endbr32", "lfence", "mfence", "sfence",
		"nophint", "prefetchw")
	on(cacheLine, "clflush", "clflushopt", "clwb")
	on(func(c *CPU, in *decoder.Inst) { c.raise(arch.VecUD) }, "ud2", "ud1", "ud0", "into")
	on(invalidVEX, "vex", "evex")
	on(func(c *CPU, in *decoder.Inst) {
		if c.s.CPL != 0 {
			c.raiseCode(arch.VecGP, 0)
		}
		panic(halt{})
	}, "hlt")
}

// invalidVEX: CPUID claims neither AVX nor AVX-512, and without them C4, C5
// and 62 are invalid opcodes in 64-bit mode (#UD at that byte, whatever
// follows). The decoder still sizes them, for the length oracle and the
// disassembler.
func invalidVEX(c *CPU, in *decoder.Inst) { c.raise(arch.VecUD) }

// cacheLine is CLFLUSH, CLFLUSHOPT and CLWB: writing a cache line back has
// no architectural effect here, but each "is subject to all permission
// checking and faults associated with a byte load" (SDM Vol. 2 CLFLUSH,
// CLFLUSHOPT, CLWB): #GP/#SS for a non-canonical address, #PF as a read.
func cacheLine(c *CPU, in *decoder.Inst) {
	c.pageR(c.ea(in), in.Mem.Seg)
}

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
		"nophint", "prefetchw", "clflush")
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

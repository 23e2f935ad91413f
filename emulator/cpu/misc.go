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
	on(func(c *CPU, in *decoder.Inst) {
		if c.s.CPL != 0 {
			c.raiseCode(arch.VecGP, 0)
		}
		panic(halt{})
	}, "hlt")
}

package lockstep

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// disassemble prints code at rip in Intel syntax (x86asm, an independent
// decoder), or says it cannot.
func disassemble(code []byte, rip uint64) string {
	in, err := x86asm.Decode(code, 64)
	if err != nil {
		return fmt.Sprintf("(x86asm: %v)", err)
	}
	return x86asm.IntelSyntax(in, rip, nil)
}

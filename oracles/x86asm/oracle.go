// Package x86asm is a decode-length oracle for the emulator's decoder, built on
// golang.org/x/arch/x86/x86asm in 64-bit mode. x86asm is an oracle, not the
// truth: its known mistakes are listed, each with a proof, in KnownMistakes.
package x86asm

import xa "golang.org/x/arch/x86/x86asm"

// Decode decodes one 64-bit-mode instruction from the start of b with x86asm.
// ok is false when x86asm cannot decode b: it returned an error, or (its way
// of failing without one on truncated, over-long or unknown-after-prefix
// input) a one-byte pseudo-instruction holding only the first prefix, or an
// instruction it marks invalid itself (LOCK where LOCK is #UD).
func Decode(b []byte) (length int, text string, ok bool) {
	inst, err := xa.Decode(b, 64)
	if err != nil || inst.Op == 0 || inst.Len == 1 && isPrefix(b[0]) || invalidPrefix(&inst) {
		return 0, "", false
	}
	return inst.Len, xa.IntelSyntax(inst, 0, nil), true
}

// isPrefix reports whether c is a legacy or REX prefix byte in 64-bit mode.
func isPrefix(c byte) bool {
	switch c {
	case 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3:
		return true
	}
	return c&0xf0 == 0x40
}

func invalidPrefix(inst *xa.Inst) bool {
	for _, p := range inst.Prefix {
		if p == 0 {
			break
		}
		if p&xa.PrefixInvalid != 0 {
			return true
		}
	}
	return false
}

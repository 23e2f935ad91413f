package cpu

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/emulator/decoder"
)

// Whatever the emulator does not implement, its CPUID does not claim: every
// form without a handler needs a feature the model does not report. (A
// program that checks CPUID never meets "unimplemented".)
func TestCPUIDClaimsOnlyWhatIsImplemented(t *testing.T) {
	for _, f := range decoder.Forms {
		if Implemented(f) {
			continue
		}
		needs := []Feature{}
		if feat, ok := featureOf[f.Mnemonic]; ok {
			needs = append(needs, feat)
		}
		if mmxOperand(f) {
			needs = append(needs, FeatMMX)
		}
		if decoder.IsVEX(f) {
			needs = append(needs, FeatAVX)
		}
		unclaimed := false
		for _, n := range needs {
			unclaimed = unclaimed || !Claims(n)
		}
		if !unclaimed {
			t.Errorf("%s is not implemented, but CPUID claims everything it needs (%v)", f.Key(), needs)
		}
	}
}

// mmxOperand reports whether the form names an MMX register (the SDM's P,
// N and Q operand codes).
func mmxOperand(f *decoder.Form) bool {
	for _, a := range strings.Split(f.Args, ",") {
		if a != "" && strings.ContainsRune("PNQ", rune(a[0])) {
			return true
		}
	}
	return false
}

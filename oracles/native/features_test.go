package native_test

import (
	"os"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/emulator/cpu"
)

// The feature table's CPUID positions (leaf, register, bit), checked
// against Linux's own reading of the host's CPUID (/proc/cpuinfo flags):
// wherever Linux reports a feature, the table's bit must be set on this
// host. A wrong position would make the model's CPUID claim a feature
// under another's bit, and the native engine judge the wrong instructions.
func TestFeatureBitsAgreeWithLinux(t *testing.T) {
	eng := nativeEngine(t)
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	flags := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			for _, f := range strings.Fields(v) {
				flags[f] = true
			}
			break
		}
	}
	if len(flags) == 0 {
		t.Skip("/proc/cpuinfo lists no flags")
	}
	// Linux's names for the features (arch/x86/include/asm/cpufeatures.h).
	linux := []struct {
		f    cpu.Feature
		flag string
	}{
		{cpu.FeatFPU, "fpu"}, {cpu.FeatSEP, "sep"}, {cpu.FeatMMX, "mmx"}, {cpu.FeatSSE3, "pni"},
		{cpu.FeatPCLMUL, "pclmulqdq"}, {cpu.FeatMONITOR, "monitor"}, {cpu.FeatVMX, "vmx"}, {cpu.FeatSMX, "smx"},
		{cpu.FeatSSSE3, "ssse3"}, {cpu.FeatSSE41, "sse4_1"}, {cpu.FeatSSE42, "sse4_2"}, {cpu.FeatMOVBE, "movbe"},
		{cpu.FeatPOPCNT, "popcnt"}, {cpu.FeatAES, "aes"}, {cpu.FeatXSAVE, "xsave"}, {cpu.FeatAVX, "avx"},
		{cpu.FeatRDRAND, "rdrand"}, {cpu.FeatBMI1, "bmi1"}, {cpu.FeatINVPCID, "invpcid"}, {cpu.FeatRTM, "rtm"},
		{cpu.FeatRDSEED, "rdseed"}, {cpu.FeatADX, "adx"}, {cpu.FeatCLFOPT, "clflushopt"}, {cpu.FeatCLWB, "clwb"},
		{cpu.FeatSHA, "sha_ni"}, {cpu.FeatGFNI, "gfni"}, {cpu.FeatLZCNT, "abm"}, {cpu.FeatSSE4A, "sse4a"},
	}
	checked := 0
	for _, l := range linux {
		if !flags[l.flag] {
			continue // absent, or hidden by the kernel or the hypervisor: nothing to compare
		}
		checked++
		if !eng.HostHas(l.f) {
			t.Errorf("%s: Linux reports %q, but CPUID leaf %#x.%d register %d bit %d is clear on this host",
				l.f.Name, l.flag, l.f.Leaf, l.f.Sub, l.f.Reg, l.f.Bit)
		}
	}
	if checked < 8 {
		t.Skipf("Linux reports only %d of the table's features here: too few to check the table", checked)
	}
	t.Logf("%d feature positions agree with Linux's reading of CPUID", checked)
}

package native

import (
	"fmt"
	"os"
	"strings"

	"github.com/twinstep/twinstep/emulator/cpu"
)

// cpuidWords is CPUID leaves 0, 1, 7.0 and 0x80000001, as the helper read
// them on the host.
type cpuidWords [4][4]uint32

func (w *cpuidWords) has(f cpu.Feature) bool {
	i, ok := map[uint32]int{0: 0, 1: 1, 7: 2, 0x80000001: 3}[f.Leaf]
	return ok && w[i][f.Reg]>>f.Bit&1 != 0
}

// Vendor is the host's CPUID vendor string.
func (w *cpuidWords) vendor() string {
	b := make([]byte, 0, 12)
	for _, r := range []uint32{w[0][1], w[0][3], w[0][2]} {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return string(b)
}

// Host is the processor the engine runs cases on.
type Host struct {
	Vendor                  string // CPUID's: "GenuineIntel", "AuthenticAMD"
	Family, Model, Stepping uint32 // CPUID leaf 1, with the extended fields folded in
	Name                    string // the brand string, from /proc/cpuinfo
}

// Profile is the emulator's CPU profile for this processor's vendor, nil
// when it has none.
func (h Host) Profile() *cpu.Profile { return cpu.ProfileForVendor(h.Vendor) }

func (h Host) String() string {
	return fmt.Sprintf("%s (%s family %d model %d stepping %d)", h.Name, h.Vendor, h.Family, h.Model, h.Stepping)
}

func hostOf(w *cpuidWords) Host {
	a := w[1][0]
	h := Host{Vendor: w.vendor(), Family: a >> 8 & 0xf, Model: a >> 4 & 0xf, Stepping: a & 0xf}
	if h.Family == 0xf {
		h.Family += a >> 20 & 0xff
	}
	if h.Family >= 6 {
		h.Model |= (a >> 16 & 0xf) << 4
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				h.Name = strings.TrimSpace(v)
				break
			}
		}
	}
	return h
}

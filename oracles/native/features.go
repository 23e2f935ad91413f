package native

import (
	"fmt"
	"os"
	"strings"

	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// A CPUID feature an instruction needs. Where the host and the emulator's
// CPU model (the architecture the comparison is about) disagree on it,
// silicon's answer is not the model's: the host runs what the model would
// refuse (#UD), or the other way round.
type feature struct {
	name      string
	leaf, sub uint32
	reg       int // 0-3: EAX-EDX
	bit       uint
}

var (
	fFPU    = feature{"x87 FPU", 1, 0, 3, 0}
	fSSE3   = feature{"SSE3", 1, 0, 2, 0}
	fSSSE3  = feature{"SSSE3", 1, 0, 2, 9}
	fSSE41  = feature{"SSE4.1", 1, 0, 2, 19}
	fSSE42  = feature{"SSE4.2", 1, 0, 2, 20}
	fMOVBE  = feature{"MOVBE", 1, 0, 2, 22}
	fPOPCNT = feature{"POPCNT", 1, 0, 2, 23}
	fAES    = feature{"AES", 1, 0, 2, 25}
	fPCLMUL = feature{"PCLMULQDQ", 1, 0, 2, 1}
	fAVX    = feature{"AVX", 1, 0, 2, 28}
	fBMI1   = feature{"BMI1", 7, 0, 1, 3}
	fADX    = feature{"ADX", 7, 0, 1, 19}
	fCLFOPT = feature{"CLFLUSHOPT", 7, 0, 1, 23}
	fCLWB   = feature{"CLWB", 7, 0, 1, 24}
	fSHA    = feature{"SHA", 7, 0, 1, 29}
	fLZCNT  = feature{"LZCNT", 0x80000001, 0, 2, 5}
	fSSE4A  = feature{"SSE4A", 0x80000001, 0, 2, 6}
	fGFNI   = feature{"GFNI", 7, 0, 2, 8}
)

// featureOf maps the decoder's mnemonics to the feature they need (the
// baseline of x86-64, SSE2 and below, needs none).
var featureOf = func() map[string]feature {
	m := map[string]feature{}
	add := func(f feature, mnemonics ...string) {
		for _, mn := range mnemonics {
			m[mn] = f
		}
	}
	add(fSSE3, "addsubpd", "addsubps", "haddpd", "haddps", "hsubpd", "hsubps", "lddqu", "movddup", "movshdup", "movsldup")
	add(fSSSE3, "pabsb", "pabsd", "pabsw", "palignr", "phaddd", "phaddsw", "phaddw", "phsubd", "phsubsw", "phsubw",
		"pmaddubsw", "pmulhrsw", "pshufb", "psignb", "psignd", "psignw")
	add(fSSE41, "blendpd", "blendps", "blendvpd", "blendvps", "dppd", "dpps", "extractps", "insertps", "movntdqa",
		"mpsadbw", "packusdw", "pblendvb", "pblendw", "pcmpeqq", "pextrb", "pextrd", "phminposuw", "pinsrb", "pinsrd",
		"pmaxsb", "pmaxsd", "pmaxud", "pmaxuw", "pminsb", "pminsd", "pminud", "pminuw", "pmovsxbd", "pmovsxbq",
		"pmovsxbw", "pmovsxdq", "pmovsxwd", "pmovsxwq", "pmovzxbd", "pmovzxbq", "pmovzxbw", "pmovzxdq", "pmovzxwd",
		"pmovzxwq", "pmuldq", "pmulld", "ptest", "roundpd", "roundps", "roundsd", "roundss")
	add(fSSE42, "crc32", "pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm", "pcmpgtq")
	add(fMOVBE, "movbe")
	add(fPOPCNT, "popcnt")
	add(fAES, "aesdec", "aesdeclast", "aesenc", "aesenclast", "aesimc", "aeskeygenassist")
	add(fPCLMUL, "pclmulqdq")
	add(fBMI1, "tzcnt")
	add(fADX, "adcx", "adox")
	add(fCLFOPT, "clflushopt")
	add(fCLWB, "clwb")
	add(fSHA, "sha1msg1", "sha1msg2", "sha1nexte", "sha1rnds4", "sha256msg1", "sha256msg2", "sha256rnds2")
	add(fLZCNT, "lzcnt")
	return m
}()

// cpuidWords is CPUID leaves 0, 1, 7.0 and 0x80000001, as the helper read
// them on the host.
type cpuidWords [4][4]uint32

func (w *cpuidWords) has(f feature) bool {
	i := map[uint32]int{0: 0, 1: 1, 7: 2, 0x80000001: 3}[f.leaf]
	return w[i][f.reg]>>f.bit&1 != 0
}

// Vendor is the host's CPUID vendor string.
func (w *cpuidWords) vendor() string {
	b := make([]byte, 0, 12)
	for _, r := range []uint32{w[0][1], w[0][3], w[0][2]} {
		b = append(b, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	return string(b)
}

func modelHas(f feature) bool {
	r := [4]uint32{}
	r[0], r[1], r[2], r[3] = cpu.CPUID(f.leaf, f.sub)
	return r[f.reg]>>f.bit&1 != 0
}

// neededFeature is the feature the instruction needs, if any. SSE4A's and
// GFNI's encodings are not in the decoder's table (the model has neither),
// so they are found by their bytes, and so are the x87 escapes D8-DF (the model
// has no FPU: the emulator raises #UD for all of them, the reserved
// aliases silicon runs included).
func neededFeature(in *decoder.Inst) (feature, bool) {
	if in.Map == decoder.MapOne && in.Opcode >= 0xd8 && in.Opcode <= 0xdf {
		return fFPU, true
	}
	if in.Form != nil {
		if decoder.IsVEX(in.Form) {
			return fAVX, true
		}
		f, ok := featureOf[in.Form.Mnemonic]
		return f, ok
	}
	if in.Map == decoder.Map0F {
		switch {
		case (in.Opcode == 0x78 || in.Opcode == 0x79) && (in.Prefix66 || in.Rep == decoder.PrefixF2),
			in.Opcode == 0x2b && in.Rep != decoder.PrefixNone:
			return fSSE4A, true
		}
	}
	// GFNI's legacy-SSE forms (66 0F 38 CF, 66 0F 3A CE/CF): not in the
	// table either (the model has no GFNI).
	if in.Prefix66 && (in.Map == decoder.Map0F38 && in.Opcode == 0xcf ||
		in.Map == decoder.Map0F3A && (in.Opcode == 0xce || in.Opcode == 0xcf)) {
		return fGFNI, true
	}
	return feature{}, false
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

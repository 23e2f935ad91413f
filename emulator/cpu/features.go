package cpu

import "github.com/twinstep/twinstep/emulator/decoder"

// A Feature is a CPUID bit an instruction needs. The model's CPUID claims a
// feature only where every instruction needing it is implemented
// (TestCPUIDClaimsOnlyWhatIsImplemented); the native oracle uses the same
// table to find where the host and the model disagree.
type Feature struct {
	Name      string
	Leaf, Sub uint32
	Reg       int // 0-3: EAX-EDX
	Bit       uint
}

// The features of the decoder's instructions beyond the x86-64 baseline.
var (
	FeatFPU     = Feature{"x87 FPU", 1, 0, 3, 0}
	FeatSEP     = Feature{"SYSENTER/SYSEXIT", 1, 0, 3, 11}
	FeatMMX     = Feature{"MMX", 1, 0, 3, 23}
	FeatSSE3    = Feature{"SSE3", 1, 0, 2, 0}
	FeatPCLMUL  = Feature{"PCLMULQDQ", 1, 0, 2, 1}
	FeatMONITOR = Feature{"MONITOR/MWAIT", 1, 0, 2, 3}
	FeatVMX     = Feature{"VMX", 1, 0, 2, 5}
	FeatSMX     = Feature{"SMX", 1, 0, 2, 6}
	FeatSSSE3   = Feature{"SSSE3", 1, 0, 2, 9}
	FeatSSE41   = Feature{"SSE4.1", 1, 0, 2, 19}
	FeatSSE42   = Feature{"SSE4.2", 1, 0, 2, 20}
	FeatMOVBE   = Feature{"MOVBE", 1, 0, 2, 22}
	FeatPOPCNT  = Feature{"POPCNT", 1, 0, 2, 23}
	FeatAES     = Feature{"AES", 1, 0, 2, 25}
	FeatXSAVE   = Feature{"XSAVE", 1, 0, 2, 26}
	FeatAVX     = Feature{"AVX", 1, 0, 2, 28}
	FeatRDRAND  = Feature{"RDRAND", 1, 0, 2, 30}
	FeatBMI1    = Feature{"BMI1", 7, 0, 1, 3}
	FeatINVPCID = Feature{"INVPCID", 7, 0, 1, 10}
	FeatRTM     = Feature{"RTM", 7, 0, 1, 11}
	FeatRDSEED  = Feature{"RDSEED", 7, 0, 1, 18}
	FeatADX     = Feature{"ADX", 7, 0, 1, 19}
	FeatCLFOPT  = Feature{"CLFLUSHOPT", 7, 0, 1, 23}
	FeatCLWB    = Feature{"CLWB", 7, 0, 1, 24}
	FeatSHA     = Feature{"SHA", 7, 0, 1, 29}
	FeatGFNI    = Feature{"GFNI", 7, 0, 2, 8}
	FeatPTWRITE = Feature{"PTWRITE", 0x14, 0, 1, 4}
	FeatLZCNT   = Feature{"LZCNT", 0x80000001, 0, 2, 5}
	FeatSSE4A   = Feature{"SSE4A", 0x80000001, 0, 2, 6}
)

// featureOf maps the decoder's mnemonics to the feature they need (the
// baseline of x86-64, SSE2 and below, needs none; MMX-register forms need
// MMX besides their own).
var featureOf = func() map[string]Feature {
	m := map[string]Feature{}
	add := func(f Feature, mnemonics ...string) {
		for _, mn := range mnemonics {
			m[mn] = f
		}
	}
	add(FeatFPU, "x87")
	add(FeatSEP, "sysenter", "sysexit")
	add(FeatMMX, "emms")
	add(FeatSSE3, "addsubpd", "addsubps", "haddpd", "haddps", "hsubpd", "hsubps", "lddqu", "movddup", "movshdup", "movsldup")
	add(FeatMONITOR, "monitor", "mwait")
	add(FeatVMX, "vmcall")
	add(FeatSMX, "getsec")
	add(FeatSSSE3, "pabsb", "pabsd", "pabsw", "palignr", "phaddd", "phaddsw", "phaddw", "phsubd", "phsubsw", "phsubw",
		"pmaddubsw", "pmulhrsw", "pshufb", "psignb", "psignd", "psignw")
	add(FeatSSE41, "blendpd", "blendps", "blendvpd", "blendvps", "dppd", "dpps", "extractps", "insertps", "movntdqa",
		"mpsadbw", "packusdw", "pblendvb", "pblendw", "pcmpeqq", "pextrb", "pextrd", "phminposuw", "pinsrb", "pinsrd",
		"pmaxsb", "pmaxsd", "pmaxud", "pmaxuw", "pminsb", "pminsd", "pminud", "pminuw", "pmovsxbd", "pmovsxbq",
		"pmovsxbw", "pmovsxdq", "pmovsxwd", "pmovsxwq", "pmovzxbd", "pmovzxbq", "pmovzxbw", "pmovzxdq", "pmovzxwd",
		"pmovzxwq", "pmuldq", "pmulld", "ptest", "roundpd", "roundps", "roundsd", "roundss")
	add(FeatSSE42, "crc32", "pcmpestri", "pcmpestrm", "pcmpistri", "pcmpistrm", "pcmpgtq")
	add(FeatMOVBE, "movbe")
	add(FeatPOPCNT, "popcnt")
	add(FeatAES, "aesdec", "aesdeclast", "aesenc", "aesenclast", "aesimc", "aeskeygenassist")
	add(FeatPCLMUL, "pclmulqdq")
	add(FeatXSAVE, "xgetbv", "xsetbv", "xsave", "xsavec", "xsaveopt", "xsaves", "xrstor", "xrstors")
	add(FeatRDRAND, "rdrand")
	add(FeatRDSEED, "rdseed")
	add(FeatBMI1, "tzcnt")
	add(FeatINVPCID, "invpcid")
	add(FeatRTM, "xabort", "xbegin", "xend", "xtest")
	add(FeatADX, "adcx", "adox")
	add(FeatCLFOPT, "clflushopt")
	add(FeatCLWB, "clwb")
	add(FeatSHA, "sha1msg1", "sha1msg2", "sha1nexte", "sha1rnds4", "sha256msg1", "sha256msg2", "sha256rnds2")
	add(FeatPTWRITE, "ptwrite")
	add(FeatLZCNT, "lzcnt")
	return m
}()

// FeatureOf is the feature the instruction needs, if any. SSE4A's and
// GFNI's encodings are not in the decoder's table (the model has neither),
// so they are found by their bytes, and so are the x87 escapes D8-DF, the
// reserved aliases included.
func FeatureOf(in *decoder.Inst) (Feature, bool) {
	if in.Map == decoder.MapOne && in.Opcode >= 0xd8 && in.Opcode <= 0xdf {
		return FeatFPU, true
	}
	if in.Form != nil {
		if decoder.IsVEX(in.Form) {
			return FeatAVX, true
		}
		f, ok := featureOf[in.Form.Mnemonic]
		return f, ok
	}
	if in.Map == decoder.Map0F {
		switch {
		case (in.Opcode == 0x78 || in.Opcode == 0x79) && (in.Prefix66 || in.Rep == decoder.PrefixF2),
			in.Opcode == 0x2b && in.Rep != decoder.PrefixNone:
			return FeatSSE4A, true
		}
	}
	// GFNI's legacy-SSE forms (66 0F 38 CF, 66 0F 3A CE/CF).
	if in.Prefix66 && (in.Map == decoder.Map0F38 && in.Opcode == 0xcf ||
		in.Map == decoder.Map0F3A && (in.Opcode == 0xce || in.Opcode == 0xcf)) {
		return FeatGFNI, true
	}
	return Feature{}, false
}

// Claims reports whether the model's CPUID reports feature f.
func Claims(f Feature) bool {
	var r [4]uint32
	r[0], r[1], r[2], r[3] = cpuidLeaf(f.Leaf, f.Sub)
	return r[f.Reg]>>f.Bit&1 != 0
}

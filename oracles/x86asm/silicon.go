package x86asm

import "github.com/twinstep/twinstep/emulator/decoder"

// The host CPU is the third decode-length oracle (oracles/native's
// Lengths, the page-boundary technique; TestSweepSilicon). Our decoder
// follows the Intel SDM, so a processor of another vendor may decode an
// encoding to another length; VendorLengths lists those, each with a stable
// ID and a proof on its example (TestVendorLengths, on that vendor's
// silicon).

// VendorLength is one way a vendor's processors size an encoding
// differently from the Intel SDM.
type VendorLength struct {
	Name       string
	Vendor     string // CPUID's vendor string: "AuthenticAMD", "GenuineIntel"
	Example    string // hex of one affected encoding
	OurLen     int    // the SDM's length, our decoder's
	SiliconLen int    // the vendor's silicon's
	Why        string // the vendor's manual, and what the host's silicon did
	Match      func(c *SiliconCase) bool
}

// SiliconCase is what a VendorLengths predicate sees: an encoding our
// decoder decoded and silicon sized otherwise.
type SiliconCase struct {
	Bytes      []byte
	Ours       *decoder.Inst
	SiliconLen int
	Vendor     string
	Enc        Encoding
}

// VendorLengths is every vendor difference the silicon comparison forgives.
var VendorLengths = []VendorLength{
	{
		Name: "amd-osize-near-branch", Vendor: "AuthenticAMD", Example: "66e900000000", OurLen: 6, SiliconLen: 4,
		Why: "AMD APM Vol. 3 (JMP, CALL near, Jcc) and Vol. 1 §2.5.3: in 64-bit mode a near branch's operand size " +
			"defaults to 64 bits and 66 overrides it to 16, so E8/E9/0F 80-8F take a 16-bit displacement (and the " +
			"target is truncated to 16 bits); REX.W keeps 64. The SDM marks the rel16 forms N.S. in 64-bit mode and " +
			"Intel processors ignore 66 there. On the host (AMD EPYC, family 0x19) 66 E9 is 4 bytes and jumps " +
			"below 64 KiB.",
		Match: func(c *SiliconCase) bool {
			e := &c.Enc
			branch := e.Is(decoder.MapOne, 0xe8) || e.Is(decoder.MapOne, 0xe9) ||
				e.Map == decoder.Map0F && e.Opcode&0xf0 == 0x80
			return c.Vendor == "AuthenticAMD" && branch && e.Has(0x66) && e.REX&0x08 == 0 &&
				c.SiliconLen == int(c.Ours.Len)-2
		},
	},
	{
		Name: "amd-ud01-no-modrm", Vendor: "AuthenticAMD", Example: "0fb90500000000", OurLen: 7, SiliconLen: 2,
		Why: "SDM Vol. 2B UD: UD0 (0F FF /r) and UD1 (0F B9 /r) take a ModRM, and it notes that processors that " +
			"decode UD0 without one raise #UD where a page boundary would otherwise fault the fetch. AMD silicon " +
			"does so for both: on the host (AMD EPYC, family 0x19) 0F B9 and 0F FF raise #UD after their two " +
			"opcode bytes, fetching no ModRM, SIB or displacement. Either way the instruction is #UD; only the " +
			"fault at a page boundary differs.",
		Match: func(c *SiliconCase) bool {
			e := &c.Enc
			return c.Vendor == "AuthenticAMD" && (e.Is(decoder.Map0F, 0xb9) || e.Is(decoder.Map0F, 0xff)) &&
				c.SiliconLen == prefixLen(c.Bytes)+2
		},
	},
}

// prefixLen is how many legacy and REX prefix bytes b starts with.
func prefixLen(b []byte) int {
	n := 0
	for n < len(b) && isPrefix(b[n]) {
		n++
	}
	return n
}

// explainSilicon names the VendorLengths entry that explains silicon's
// length differing from ours, or "".
func explainSilicon(c *SiliconCase) string {
	for i := range VendorLengths {
		if VendorLengths[i].Match(c) {
			return VendorLengths[i].Name
		}
	}
	return ""
}

package x86asm

import (
	"testing"

	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
)

// TestVendorLengths proves every entry on its example: our decoder gives
// the SDM's length, the entry explains the vendor's length by its own name,
// and, where the host is that vendor's, silicon really gives it.
func TestVendorLengths(t *testing.T) {
	e, err := nativetest.Native()
	if err != nil {
		t.Fatal(err)
	}
	vendor := ""
	if e != nil {
		vendor = e.Host().Vendor
	}
	seen := map[string]bool{}
	for _, v := range VendorLengths {
		t.Run(v.Name, func(t *testing.T) {
			if seen[v.Name] || v.Vendor == "" || v.Why == "" || v.Match == nil || v.OurLen == v.SiliconLen {
				t.Errorf("duplicate or incomplete entry")
			}
			seen[v.Name] = true
			b := mustHex(t, v.Example)
			in, err := decoder.Decode(b)
			if err != nil || int(in.Len) != v.OurLen {
				t.Fatalf("our decoder on %s: %v len %d, want %d", v.Example, err, in.Len, v.OurLen)
			}
			c := SiliconCase{Bytes: b, Ours: &in, SiliconLen: v.SiliconLen, Vendor: v.Vendor, Enc: scan(b)}
			if got := explainSilicon(&c); got != v.Name {
				t.Errorf("explained by %q", got)
			}
			c.SiliconLen = v.OurLen
			if got := explainSilicon(&c); got != "" {
				t.Errorf("silicon agreeing with our decoder is explained by %q", got)
			}
			if e == nil || vendor != v.Vendor {
				t.Skipf("silicon's side needs a %s host (this one: %q, %v)", v.Vendor, vendor, native.Supported())
			}
			rs, err := e.Lengths([]native.LengthQuery{{Code: b, Guess: v.OurLen}})
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Len != v.SiliconLen {
				t.Errorf("silicon on %s: length %d (%s), entry says %d", v.Example, rs[0].Len, rs[0].Detail, v.SiliconLen)
			}
		})
	}
}

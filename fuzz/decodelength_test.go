package fuzz

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/emulator/decoder"
	lengthoracle "github.com/twinstep/twinstep/oracles/x86asm"
)

// FuzzDecodeLength compares our decoder's instruction length with x86asm's.
// Any difference not explained by a KnownMistakes entry or by the decoder's
// documented length-only classes fails, and neither decoder may panic.
func FuzzDecodeLength(f *testing.F) {
	// The oracle must be alive before its silence means anything.
	if n, text, ok := lengthoracle.Decode([]byte{0x48, 0x01, 0xc3}); !ok || n != 3 || text != "add rbx, rax" {
		f.Fatalf("x86asm oracle broken: add rbx, rax decoded as %d %q ok=%v", n, text, ok)
	}
	for _, s := range []string{
		"4801c3", "8b0425 78563412", "4b8d44ac10", "66e9 00000000", "66c7f8 0000",
		"f30f1efa", "660f3a63c10c", "c4e27900c1", "62f17c4858c1", "d9c0", "f00fc70e",
		"40260100", "648b042528000000", "48b8 0102030405060708",
	} {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 2*decoder.MaxLen {
			b = b[:2*decoder.MaxLen]
		}
		if r := lengthoracle.Compare(b); r.Class == lengthoracle.Mismatch {
			t.Errorf("% x: ours %d (%v), x86asm %d %q", b, r.OurLen, r.OurErr, r.TheirLen, r.TheirText)
		}
		// The disassembler must not panic on anything the decoder accepts.
		if in, err := decoder.Decode(b); err == nil {
			_, _ = in.String(), in.Format(0xfffffffffffff000)
		}
	})
}

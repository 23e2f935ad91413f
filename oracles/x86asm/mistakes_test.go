package x86asm

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/emulator/decoder"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKnownMistakes proves every entry on its example: x86asm really gives
// the wrong answer the entry names, our decoder gives the right one, and the
// comparison explains the difference by this entry and no other.
func TestKnownMistakes(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range KnownMistakes {
		if seen[m.Name] || m.X86asm == "" || m.Right == "" || m.Why == "" || m.Match == nil {
			t.Errorf("%s: duplicate or incomplete entry", m.Name)
		}
		seen[m.Name] = true
		b := mustHex(t, m.Example)
		theirLen, text, ok := Decode(b)
		if !ok {
			theirLen = 0
		}
		if theirLen != m.TheirLen {
			t.Errorf("%s: x86asm on %s gives length %d %q, entry says %d", m.Name, m.Example, theirLen, text, m.TheirLen)
		}
		in, err := decoder.Decode(b)
		switch {
		case m.OurLen == 0 && (m.OurErr == nil || !errors.Is(err, m.OurErr)):
			t.Errorf("%s: our decoder on %s: %v len %d, want %v", m.Name, m.Example, err, in.Len, m.OurErr)
		case m.OurLen != 0 && (err != nil || int(in.Len) != m.OurLen):
			t.Errorf("%s: our decoder on %s: %v len %d, want %d", m.Name, m.Example, err, in.Len, m.OurLen)
		}
		r := Compare(b)
		if r.Class != Explained || r.Reason != "known x86asm mistake: "+m.Name {
			t.Errorf("%s: Compare(%s) = %v", m.Name, m.Example, r)
		}
	}
}

func TestCompareClasses(t *testing.T) {
	for _, tc := range []struct {
		hex    string
		class  Class
		reason string
	}{
		{"4801c3", Match, ""},
		{"66e9 00000000", Match, ""},    // both take the 4-byte offset: 66 is ignored
		{"66c7f8 0000", Match, ""},      // XBEGIN rel16
		{"0f04", BothUndecodable, ""},   // no such opcode
		{"b80102", BothUndecodable, ""}, // truncated
		{"f001c0", BothUndecodable, ""}, // LOCK on a register: x86asm flags it invalid
		{"66666666666666666666666666666690", BothUndecodable, ""},
		{"62010000 0000", Explained, "x86asm rejects, we size: evex"},
		{"ce", Explained, "we decode for #UD: into"},
		{"f30f1efa", Explained, "known x86asm mistake: endbr"},
		{"0f0e", BothUndecodable, ""}, // 3DNow! FEMMS: not Intel
	} {
		b := mustHex(t, strings.ReplaceAll(tc.hex, " ", ""))
		r := Compare(b)
		if r.Class != tc.class || r.Reason != tc.reason {
			t.Errorf("%s: %v; want %v %q", tc.hex, r, tc.class, tc.reason)
		}
	}
}

func TestDecodeCannotDecode(t *testing.T) {
	for _, h := range []string{"", "0f", "f30f1efa", "0f04", "660f04", "f000c5"} {
		if l, text, ok := Decode(mustHex(t, h)); ok {
			t.Errorf("%q: x86asm decoded %d %q; want cannot decode", h, l, text)
		}
	}
	if l, text, ok := Decode(mustHex(t, "4801c3")); !ok || l != 3 || text != "add rbx, rax" {
		t.Errorf("add rbx, rax: %d %q %v", l, text, ok)
	}
}

package corpus

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

func TestRoundTrip(t *testing.T) {
	c := Case{Name: "x", Why: "line one\nline two", Bytes: []byte{0x48, 0x0f, 0xc8}, Seed: 7,
		Oracle: "unicorn", Expect: "match", State: arch.Flat64()}
	c.State.GPR[arch.RAX] = 0x1122
	c.State.XMM[2] = arch.Vec128{1, 2}
	back, err := Parse("x", Format(c))
	if err != nil {
		t.Fatal(err)
	}
	if back.Why != c.Why || string(back.Bytes) != string(c.Bytes) || back.Seed != 7 || back.State != c.State {
		t.Fatalf("round trip:\n%s\n%+v", Format(c), back)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"bytes: zz\noracle: u\nexpect: match\nstate: {}", "bytes"},
		{"bytes: 90\noracle: u\nexpect: match", `missing "state"`},
		{"bytes: 90\nbytes: 90", "given twice"},
		{"nonsense", "key: value"},
		{"bytes: 90\ncolour: red", "unknown key"},
		{"bytes: 90\noracle: u\nexpect: match\nstate: {\"rax\":1}", "state"},
		{"bytes: 00000000000000000000000000000000\noracle: u\nexpect: match\nstate: {}", "1 to 15"},
	} {
		_, err := Parse("t", tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.text, err, tc.want)
		}
	}
}

package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

func TestRoundTrip(t *testing.T) {
	c := Case{Name: "x", Why: "line one\nline two", Bytes: []byte{0x48, 0x0f, 0xc8}, Seed: 7,
		Oracle: "native", CPU: "amd", Expect: "match", State: arch.Flat64()}
	c.State.GPR[arch.RAX] = 0x1122
	c.State.XMM[2] = arch.Vec128{1, 2}
	c.Memory = []Bytes{{0x7ffe0ffe, []byte{1, 2, 3, 4}}, {0x1000, []byte{9}}}
	back, err := Parse("x", Format(c))
	if err != nil {
		t.Fatal(err)
	}
	if back.Why != c.Why || string(back.Bytes) != string(c.Bytes) || back.Seed != 7 || back.State != c.State || back.Oracle != "native" || back.CPU != "amd" ||
		len(back.Memory) != 2 || back.Memory[0].Addr != 0x7ffe0ffe || string(back.Memory[0].Data) != "\x01\x02\x03\x04" {
		t.Fatalf("round trip:\n%s\n%+v", Format(c), back)
	}
	// The memory lines become whole pages, in address order, the bytes in
	// place across the page boundary.
	rs := back.Regions()
	if len(rs) != 3 || rs[0].Addr != 0x1000 || rs[0].Data[0] != 9 || rs[1].Addr != 0x7ffe0000 ||
		rs[1].Data[0xffe] != 1 || rs[1].Data[0xfff] != 2 || rs[2].Addr != 0x7ffe1000 || rs[2].Data[1] != 4 {
		t.Fatalf("regions %+v", rs)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"bytes: zz\noracle: unicorn\nexpect: match\nstate: {}", "bytes"},
		{"bytes: 90\noracle: unicorn\nexpect: match", `missing "state"`},
		{"bytes: 90\nbytes: 90", "given twice"},
		{"nonsense", "key: value"},
		{"bytes: 90\ncolour: red", "unknown key"},
		{"bytes: 90\noracle: qemu\nexpect: match\nstate: {}", "want unicorn or native"},
		{"bytes: 90\noracle: unicorn\nexpect: match\nstate: {\"rax\":1}", "state"},
		{"bytes: 00000000000000000000000000000000\noracle: unicorn\nexpect: match\nstate: {}", "1 to 15"},
	} {
		_, err := Parse("t", tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestLoadSeeds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.hex", "# comment\n48 01 d8\n\n90  # nop\n")
	write("b.hex", "0f0b\n")
	got, err := LoadSeeds(dir)
	if err != nil || len(got) != 3 || got[1][0] != 0x90 || got[2][1] != 0x0b {
		t.Fatalf("LoadSeeds = %x, %v", got, err)
	}
	write("c.hex", "zz\n")
	if _, err := LoadSeeds(dir); err == nil || !strings.Contains(err.Error(), "c.hex:1") {
		t.Fatalf("bad line: err %v", err)
	}
}

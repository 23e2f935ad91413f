package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
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
		{"bytes: 90\noracle: unicorn\nexpect: match\nstate: null", "null is not a state"},
		{minimal + "state: {\"rax\":\"0x-1\"}", "not a 0x-prefixed hex number"},
		{minimal + strings.Repeat("# padding\n", MaxSize/10), "a case is at most 1048576"},
		{minimal + scattered(MaxPages+1), "the memory lines fill more than 256 pages"},
	} {
		_, err := Parse("t", tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.80q: err %.200v, want %q", tc.text, err, tc.want)
		}
	}
}

// minimal is a case's required lines but the state.
const minimal = "bytes: 90\noracle: unicorn\nexpect: match\n"

// scattered is n memory lines of a byte each, each on a page of its own.
func scattered(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "memory: %#x 00\n", uint64(i)<<12)
	}
	return b.String()
}

// The work and memory a case takes are bounded by its size: the largest
// case files parse with allocations in proportion (a 4.4 MB file once took
// gigabytes, through comment lines appended one by one and memory lines
// each filling a page of its own).
func TestParseCost(t *testing.T) {
	for _, tc := range []struct {
		name, text string
	}{
		{"comments", minimal + "state: {}\n" + strings.Repeat("# a comment line, long enough to count\n", MaxSize/40-10)},
		{"memory lines", minimal + "state: {}\n" + scattered(MaxPages)},
	} {
		if len(tc.text) > MaxSize {
			t.Fatalf("%s: %d bytes, over MaxSize", tc.name, len(tc.text))
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := Parse("t", tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c.Regions()
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32*MaxSize {
			t.Errorf("%s: %d bytes of case text allocated %d bytes", tc.name, len(tc.text), alloc)
		}
	}
}

// FuzzCase: no text makes the case parser panic, and what it accepts
// formats to a text that parses to the same case (the comment's blank
// lines aside, which Format drops), and formats again to the same text.
func FuzzCase(f *testing.F) {
	c := Case{Why: "why\n\ntwo lines", Bytes: []byte{0x48, 0x0f, 0xc8}, Seed: 7, Oracle: "native", CPU: "amd",
		Expect: "known oracle mistake: x", State: arch.Flat64(), Memory: []Bytes{{0x7ffe0ffe, []byte{1, 2, 3, 4}}}}
	c.State.GPR[arch.RAX] = 0x1122
	for _, seed := range []string{Format(c), minimal + "state: {}", minimal + "seed: 0x10\nstate: {\"rip\":\"0x400000\"}\n",
		minimal + "state: {}\nmemory: 0xfff 0102", minimal + "state: {}\nmemory: 0xfffffffffffffffe 01020304", minimal + "state: null", "# only\n#\n", "bytes: 90\nbytes: 90"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse("f", text)
		if err != nil {
			return
		}
		c.Regions()
		once := Format(c)
		back, err := Parse("f", once)
		if err != nil {
			t.Fatalf("%q parsed, but its formatted form does not:\n%s\n%v", text, once, err)
		}
		if twice := Format(back); twice != once {
			t.Fatalf("formatting is not stable:\n%s\n%s", once, twice)
		}
		if back.State != c.State || string(back.Bytes) != string(c.Bytes) || back.Seed != c.Seed || back.Oracle != c.Oracle ||
			back.CPU != c.CPU || back.Expect != c.Expect || !reflect.DeepEqual(back.Memory, c.Memory) {
			t.Fatalf("%q: the round trip differs:\n%+v\n%+v", text, c, back)
		}
	})
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

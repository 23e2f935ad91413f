package arch

import (
	"encoding/json"
	"strings"
	"testing"
)

func sample() State {
	s := Flat64()
	for i := range s.GPR {
		s.GPR[i] = 0x0123456789abcdef * uint64(i+1)
	}
	s.RIP = 0xffffffff80100000
	s.RFLAGS = 0x246
	s.XMM[3] = Vec128{0x1111222233334444, 0x8000000000000001}
	s.X87.ST[7] = [10]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 0xff}
	s.Seg[FS].Base = 0x7fff00001000
	s.MSR.LSTAR = 0xffffffff81000000
	s.IDTR = DescriptorTable{Base: 0xffff800000001000, Limit: 0xfff}
	s.CPL = 0
	return s
}

func TestJSONRoundTrip(t *testing.T) {
	s := sample()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := Diff(&s, &back); len(d) != 0 {
		t.Fatalf("round trip differs: %v", d)
	}
	if !strings.Contains(string(b), `"xmm3":"0x80000000000000011111222233334444"`) {
		t.Errorf("xmm3 not written high-to-low:\n%s", b)
	}
}

func TestJSONPartialStartsFromFlat64(t *testing.T) {
	var s State
	if err := json.Unmarshal([]byte(`{"rax":"0x5","rip":"0x1000"}`), &s); err != nil {
		t.Fatal(err)
	}
	want := Flat64()
	want.GPR[RAX] = 5
	want.RIP = 0x1000
	if d := Diff(&s, &want); len(d) != 0 {
		t.Fatalf("partial decode: %v", d)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"rax":5}`, "hex strings"},
		{`{"rzx":"0x1"}`, `unknown field "rzx"`},
		{`{"al":"0x1"}`, `unknown field`},
		{`{"rax":"12"}`, "0x-prefixed"},
		{`{"rax":"0xzz"}`, "not a 0x-prefixed hex number"},
		{`{"rax":"0x-1"}`, "not a 0x-prefixed hex number"}, // big.Int would take the sign: 1
		{`{"rax":"0x+5"}`, "not a 0x-prefixed hex number"},
		{`{"rax":"0x 5"}`, "not a 0x-prefixed hex number"},
		{`{"rax":"0x_5"}`, "not a 0x-prefixed hex number"},
		{`{"rax":null}`, "0x-prefixed"},
		{`null`, "null is not a state"}, // not Flat64, nor a zero state
		{` null `, "null is not a state"},
		{`[]`, "state JSON"},
		{`{"cpl":"0x100"}`, "does not fit in 1 bytes"},
		{`{"rax":"0x10000000000000000"}`, "does not fit in 8 bytes"},
		{`"x"`, "state JSON"},
	} {
		var s State
		err := json.Unmarshal([]byte(tc.in), &s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.in, err, tc.want)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	s := sample()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != BinarySize() {
		t.Fatalf("len %d, BinarySize %d", len(b), BinarySize())
	}
	var back State
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if back != s {
		t.Fatalf("round trip differs: %v", Diff(&s, &back))
	}
}

func TestBinaryErrors(t *testing.T) {
	good, _ := sample().MarshalBinary()
	bad := func(f func([]byte) []byte) []byte { c := append([]byte(nil), good...); return f(c) }
	for name, in := range map[string][]byte{
		"empty":     nil,
		"magic":     bad(func(b []byte) []byte { b[0] = 'X'; return b }),
		"version":   bad(func(b []byte) []byte { b[4] = 99; return b }),
		"truncated": good[:len(good)-1],
		"long":      append(append([]byte(nil), good...), 0),
	} {
		var s State
		if err := s.UnmarshalBinary(in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDiffReportsEveryField(t *testing.T) {
	a, b := sample(), sample()
	b.GPR[RBX]++
	b.RFLAGS ^= CF
	b.XMM[15][1] = 7
	d := Diff(&a, &b)
	var names []string
	for _, x := range d {
		names = append(names, x.Name)
	}
	if got := strings.Join(names, ","); got != "rbx,rflags,xmm15" {
		t.Fatalf("diff names = %s", got)
	}
}

// FuzzStateJSON: no input makes the JSON parser panic, and what it accepts
// round-trips: parse, marshal, parse gives the same state, and marshalling
// that gives the same bytes.
func FuzzStateJSON(f *testing.F) {
	full, _ := json.Marshal(sample())
	for _, seed := range []string{string(full), `{}`, `{"rax":"0x5","rip":"0x1000"}`, `{"xmm0":"0x1"}`,
		`{"st7":"0xff090807060504030201"}`, `{"rax":"0x-1"}`, `null`, `{"cpl":"0x100"}`, `{"rax":5}`, `[1]`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var s State
		if err := json.Unmarshal(in, &s); err != nil {
			return
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back State
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s parsed, but its marshalled form %s does not: %v", in, b, err)
		}
		if back != s {
			t.Fatalf("%s: the round trip differs: %v", in, Diff(&s, &back))
		}
		if b2, _ := json.Marshal(back); string(b2) != string(b) {
			t.Fatalf("%s: marshalling is not stable:\n%s\n%s", in, b, b2)
		}
	})
}

package boot

import (
	"slices"
	"testing"
)

func TestSymbols(t *testing.T) {
	im, err := ParseKernel(goodKernel(), testRAM)
	if err != nil {
		t.Fatal(err)
	}
	want := []Symbol{
		{"alias", textVA, 2},
		{"_start", textVA, 0x10},
		{"inner", textVA + 2, 1},
		{"label", textVA + 0x10, 8},
		{"after", textVA + 0x18, 8},
		{"table", dataVA, 8},
		{"marker", dataVA + 0x100, 0x2f00},
		{"edge", dataVA + 0x4000, 0},
	}
	if !slices.Equal(im.Symbols, want) {
		t.Errorf("symbols\n%+v\nwant\n%+v", im.Symbols, want)
	}
	stripped, err := ParseKernel(testELF(entryVA, goodSegs(), nil), testRAM)
	if err != nil || len(stripped.Symbols) != 0 {
		t.Errorf("stripped kernel: %v, %d symbols", err, len(stripped.Symbols))
	}
	for _, tc := range []struct {
		addr uint64
		want string
	}{
		{textVA, "_start"},
		{textVA + 1, "_start+0x1"},
		{textVA + 2, "inner"},
		{textVA + 3, "_start+0x3"}, // past inner, still in _start
		{textVA + 0xf, "_start+0xf"},
		{textVA + 0x10, "label"},
		{textVA + 0x17, "label+0x7"},
		{textVA + 0x1f, "after+0x7"},
		{textVA + 0x20, ""},
		{textVA - 1, ""},
		{dataVA + 7, "table+0x7"},
		{dataVA + 0x100, "marker"},
		{dataVA + 0x2fff, "marker+0x2eff"},
		{dataVA + 0x3000, ""},
		{dataVA + 0x4000, "edge"},
		{dataVA + 0x4001, ""},
		{0, ""},
		{^uint64(0), ""},
	} {
		if got := im.Symbolize(tc.addr); got != tc.want {
			t.Errorf("Symbolize(%#x) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

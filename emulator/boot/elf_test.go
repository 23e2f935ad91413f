package boot

import (
	"strings"
	"testing"
)

// tseg is a program header for testELF; its data follows the headers.
type tseg struct {
	typ, flags          uint32
	vaddr, paddr, memsz uint64
	data                []byte
}

// tsym is a symbol for testELF's symbol table.
type tsym struct {
	name        string
	info        byte // type in the low nibble
	shndx       uint16
	value, size uint64
}

// testELF builds an ELF64 x86-64 executable: header, program headers,
// segment data, then (with symbols) a string table, a symbol table and the
// section headers: null, .symtab, .strtab, then one for each segment (3 for
// segs[0] and so on).
func testELF(entry uint64, segs []tseg, syms []tsym) []byte {
	b := make([]byte, ehdrSize+len(segs)*phdrSize)
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], etExec)
	le.PutUint16(b[18:], emX86_64)
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], entry)
	le.PutUint64(b[32:], ehdrSize)
	le.PutUint16(b[52:], ehdrSize)
	le.PutUint16(b[54:], phdrSize)
	le.PutUint16(b[56:], uint16(len(segs)))
	for i, s := range segs {
		p := b[ehdrSize+i*phdrSize:]
		le.PutUint32(p[0:], s.typ)
		le.PutUint32(p[4:], s.flags)
		le.PutUint64(p[8:], uint64(len(b)))
		le.PutUint64(p[16:], s.vaddr)
		le.PutUint64(p[24:], s.paddr)
		le.PutUint64(p[32:], uint64(len(s.data)))
		le.PutUint64(p[40:], s.memsz)
		le.PutUint64(p[48:], pageSize)
		b = append(b, s.data...)
	}
	if syms == nil {
		return b
	}
	strtab := []byte{0}
	symtab := make([]byte, symSize) // the null symbol
	for _, s := range syms {
		e := make([]byte, symSize)
		le.PutUint32(e[0:], uint32(len(strtab)))
		e[4] = s.info
		le.PutUint16(e[6:], s.shndx)
		le.PutUint64(e[8:], s.value)
		le.PutUint64(e[16:], s.size)
		symtab = append(symtab, e...)
		strtab = append(append(strtab, s.name...), 0)
	}
	strOff := uint64(len(b))
	b = append(b, strtab...)
	symOff := uint64(len(b))
	b = append(b, symtab...)
	le.PutUint64(b[40:], uint64(len(b)))
	le.PutUint16(b[58:], shdrSize)
	le.PutUint16(b[60:], uint16(3+len(segs)))
	sh := make([]byte, (3+len(segs))*shdrSize)
	le.PutUint32(sh[shdrSize+4:], shtSymtab)
	le.PutUint64(sh[shdrSize+24:], symOff)
	le.PutUint64(sh[shdrSize+32:], uint64(len(symtab)))
	le.PutUint32(sh[shdrSize+40:], 2)
	le.PutUint64(sh[shdrSize+56:], symSize)
	le.PutUint32(sh[2*shdrSize+4:], shtStrtab)
	le.PutUint64(sh[2*shdrSize+24:], strOff)
	le.PutUint64(sh[2*shdrSize+32:], uint64(len(strtab)))
	for i, seg := range segs {
		h := sh[(3+i)*shdrSize:]
		le.PutUint32(h[4:], 1) // SHT_PROGBITS
		le.PutUint64(h[16:], seg.vaddr)
		le.PutUint64(h[32:], seg.memsz)
	}
	return append(b, sh...)
}

// shdr returns section header i of an ELF testELF built, to edit.
func shdr(b []byte, i int) []byte { return b[le.Uint64(b[40:])+uint64(i)*shdrSize:] }

// The good test kernel: higher-half text and data (with bss) loaded at
// 1 MiB, and a symbol table.
const (
	textVA  = 0xffffffff80100000
	textPA  = 0x100000
	dataVA  = 0xffffffff80102000
	dataPA  = 0x102000
	entryVA = textVA + 4
	testRAM = 16 << 20
)

var (
	textBytes = []byte{0x90, 0x90, 0x90, 0x90, 0xf4, 0xeb, 0xfd} // nops, hlt, jmp
	dataBytes = []byte("DATADATA")
)

func goodSegs() []tseg {
	return []tseg{
		{typ: ptLoad, flags: FlagR | FlagX, vaddr: textVA, paddr: textPA, memsz: 0x20, data: textBytes},
		{typ: 4, flags: FlagR, vaddr: 0, paddr: 0, memsz: 0x10, data: []byte("a note, ignored")},
		{typ: ptLoad, flags: FlagR | FlagW, vaddr: dataVA, paddr: dataPA, memsz: 0x3000, data: dataBytes},
	}
}

func goodSyms() []tsym {
	const text, data = 3, 5 // their sections
	return []tsym{
		{name: "_start", info: sttFunc, shndx: text, value: textVA, size: 0x10},
		{name: "alias", shndx: text, value: textVA}, // a label: _start wins
		{name: "inner", info: sttFunc, shndx: text, value: textVA + 2, size: 1},
		{name: "label", shndx: text, value: textVA + 0x10}, // sized up to "after"
		{name: "after", shndx: text, value: textVA + 0x18}, // sized up to the section's end
		{name: "table", info: sttObject, shndx: data, value: dataVA, size: 8},
		{name: "marker", info: sttObject, shndx: data, value: dataVA + 0x100},
		{name: "edge", shndx: data, value: dataVA + 0x4000}, // outside its section: size 0
		{name: "undefined", info: sttFunc, shndx: shnUndef, value: 0x1234},
		{name: "absolute", shndx: 0xfff1, value: textVA + 0x1c},
		{name: "file.c", info: 4, shndx: 0xfff1}, // STT_FILE: not an address
	}
}

func goodKernel() []byte { return testELF(entryVA, goodSegs(), goodSyms()) }

// phdr returns program header i of an ELF testELF built, to edit.
func phdr(b []byte, i int) []byte { return b[ehdrSize+i*phdrSize:] }

// malformed is a kernel ParseKernel must reject, and its error.
type malformed struct {
	name string
	elf  []byte
	want string
}

// malformedKernels are the rejection tests, also the fuzzer's seeds.
func malformedKernels() []malformed {
	seg := func(edit func(s []tseg)) []byte {
		s := goodSegs()
		edit(s)
		return testELF(entryVA, s, nil)
	}
	edit := func(edit func(b []byte)) []byte {
		b := goodKernel()
		edit(b)
		return b
	}
	return []malformed{
		{"empty", nil, "empty file"},
		{"not ELF", []byte("MZ\x90\x00 a DOS executable, not a kernel at all, padded out to sixty-four+"), "not an ELF file"},
		{"truncated magic", []byte("\x7fEL"), "truncated ELF header: 3 bytes, want 64"},
		{"truncated header", goodKernel()[:40], "truncated ELF header: 40 bytes, want 64"},
		{"32-bit", edit(func(b []byte) { b[4] = 1 }), "ELF class 1, want 64-bit"},
		{"big-endian", edit(func(b []byte) { b[5] = 2 }), "ELF data encoding 2, want little-endian"},
		{"version", edit(func(b []byte) { le.PutUint32(b[20:], 0) }), "ELF version 1/0, want 1"},
		{"shared object", edit(func(b []byte) { le.PutUint16(b[16:], 3) }), "ELF type 3, want an executable"},
		{"i386", edit(func(b []byte) { le.PutUint16(b[18:], 3) }), "ELF machine 3, want x86-64 (62)"},
		{"aarch64", edit(func(b []byte) { le.PutUint16(b[18:], 183) }), "ELF machine 183"},
		{"program headers outside", edit(func(b []byte) { le.PutUint64(b[32:], uint64(len(b))-100) }), "program headers ["},
		{"program headers offset overflows", edit(func(b []byte) { le.PutUint64(b[32:], ^uint64(0)) }), "outside the file"},
		{"small phentsize", edit(func(b []byte) { le.PutUint16(b[54:], 32) }), "program header entry size 32, want at least 56"},
		{"no program headers", edit(func(b []byte) { le.PutUint16(b[56:], 0) }), "no PT_LOAD segment"},
		{"no PT_LOAD", edit(func(b []byte) { le.PutUint32(phdr(b, 0), 4); le.PutUint32(phdr(b, 2), 6) }), "no PT_LOAD segment"},
		{"file range outside", edit(func(b []byte) { le.PutUint64(phdr(b, 2)[8:], uint64(len(b))) }), "program header 2: file range ["},
		{"file range overflows", edit(func(b []byte) { le.PutUint64(phdr(b, 0)[8:], ^uint64(7)) }), "program header 0: file range [0xfffffffffffffff8, +0x7) outside the file"},
		{"filesz > memsz", seg(func(s []tseg) { s[2].memsz = 4 }), "program header 2: p_filesz 0x8 > p_memsz 0x4"},
		{"absurd memsz", seg(func(s []tseg) { s[2].memsz = ^uint64(0) }), "program header 2: p_memsz 0xffffffffffffffff is larger than RAM"},
		{"paddr overflows", seg(func(s []tseg) { s[2].paddr = ^uint64(0) - 0xfff }), "physical range 0xfffffffffffff000 + 0x3000 overflows"},
		{"vaddr overflows", seg(func(s []tseg) { s[2].vaddr = ^uint64(0) - 0xfff }), "virtual range 0xfffffffffffff000 + 0x3000 overflows"},
		{"below 1 MiB", seg(func(s []tseg) { s[2].paddr = 0x2000 }), "physical range [0x2000, 0x5000) is below 1 MiB"},
		{"in the hole", seg(func(s []tseg) { s[2].paddr = 0xb0000 }), "overlaps the hole [0xa0000, 0x100000)"},
		{"ending in the hole", seg(func(s []tseg) { s[2].paddr = 0x9e000 }), "overlaps the hole"},
		{"beyond RAM", seg(func(s []tseg) { s[2].paddr = testRAM - 0x1000 }), "physical range [0xfff000, 0x1002000) is beyond RAM (0x1000000 bytes)"},
		{"non-canonical", seg(func(s []tseg) { s[2].vaddr = 0x0000800000002000 }), "virtual range [0x800000002000, 0x800000004fff] is not canonical"},
		{"crossing the canonical gap", seg(func(s []tseg) { s[2].vaddr = 0x00007ffffffff000 }), "is not canonical"},
		{"page offsets differ", seg(func(s []tseg) { s[2].vaddr += 8 }), "p_vaddr 0xffffffff80102008 and p_paddr 0x102000 differ modulo 4 KiB"},
		{"remaps the identity map", seg(func(s []tseg) { s[2].vaddr = 0x202000 }), "identity-mapped first 4 GiB but p_vaddr != p_paddr 0x102000"},
		{"overlap physically", seg(func(s []tseg) { s[2].paddr = textPA + 0x1000; s[0].memsz = 0x1010 }), "program headers 0 and 2 overlap physically: [0x100000, 0x101010) and [0x101000, 0x104000)"},
		{"overlap virtually", seg(func(s []tseg) { s[2].vaddr = textVA + 0x1000; s[0].memsz = 0x1010 }), "program headers 0 and 2 overlap virtually"},
		{"share a page", seg(func(s []tseg) { s[2].vaddr = textVA + 0x40; s[2].paddr = dataPA + 0x40 }), "program headers 0 and 2 share the virtual page 0xffffffff80100000 but map it to different physical pages"},
		{"entry outside", edit(func(b []byte) { le.PutUint64(b[24:], textVA+0x20) }), "entry point 0xffffffff80100020 is not inside any PT_LOAD segment"},
		{"entry not executable", edit(func(b []byte) { le.PutUint64(b[24:], dataVA+0x10) }), "entry point 0xffffffff80102010 is in program header 2, which is not executable"},
		{"section headers outside", edit(func(b []byte) { le.PutUint64(b[40:], uint64(len(b))-10) }), "section headers ["},
		{"small shentsize", edit(func(b []byte) { le.PutUint16(b[58:], 40) }), "section header entry size 40, want at least 64"},
		{"symbol table outside", edit(func(b []byte) { le.PutUint64(shdr(b, 1)[24:], uint64(len(b))) }), "section 1: ["},
		{"symbol entry size", edit(func(b []byte) { le.PutUint64(shdr(b, 1)[56:], 16) }), "section 1: entry size 16, want at least 24"},
		{"string table link", edit(func(b []byte) { le.PutUint32(shdr(b, 1)[40:], 9) }), "section 1: symbol table's string table 9 is not a string table"},
		{"string table not one", edit(func(b []byte) { le.PutUint32(shdr(b, 1)[40:], 3) }), "string table 3 is not a string table"},
		{"string table outside", edit(func(b []byte) { le.PutUint64(shdr(b, 2)[32:], ^uint64(0)) }), "section 2: ["},
	}
}

func TestParseKernelRejects(t *testing.T) {
	for _, tc := range malformedKernels() {
		t.Run(tc.name, func(t *testing.T) {
			im, err := ParseKernel(tc.elf, testRAM)
			if err == nil {
				t.Fatalf("accepted: %+v", im)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseKernelAccepts(t *testing.T) {
	im, err := ParseKernel(goodKernel(), testRAM)
	if err != nil {
		t.Fatal(err)
	}
	if im.Entry != entryVA || len(im.Segments) != 2 {
		t.Fatalf("entry %#x, %d segments; want %#x and 2", im.Entry, len(im.Segments), uint64(entryVA))
	}
	for i, want := range []Segment{
		{Vaddr: textVA, Paddr: textPA, Memsz: 0x20, Data: textBytes, Flags: FlagR | FlagX, Index: 0},
		{Vaddr: dataVA, Paddr: dataPA, Memsz: 0x3000, Data: dataBytes, Flags: FlagR | FlagW, Index: 2},
	} {
		got := im.Segments[i]
		if got.Vaddr != want.Vaddr || got.Paddr != want.Paddr || got.Memsz != want.Memsz ||
			string(got.Data) != string(want.Data) || got.Flags != want.Flags || got.Index != want.Index {
			t.Errorf("segment %d: %+v, want %+v", i, got, want)
		}
	}
	if base, end := im.Extent(); base != textPA || end != dataPA+0x3000 {
		t.Errorf("extent [%#x, %#x)", base, end)
	}
	// Empty segments are dropped, so they may sit anywhere.
	s := goodSegs()
	s[1] = tseg{typ: ptLoad, vaddr: 0x1234, paddr: 0x10}
	if _, err := ParseKernel(testELF(entryVA, s, nil), testRAM); err != nil {
		t.Errorf("empty segment: %v", err)
	}
}

package boot

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// translate walks the 4-level page tables at cr3 in ram as the CPU would.
func translate(ram []byte, cr3, va uint64) (pa uint64, ok bool) {
	table := cr3
	for shift := 39; shift >= 12; shift -= 9 {
		at := table + (va>>shift&511)*8
		if at+8 > uint64(len(ram)) {
			return 0, false
		}
		e := le.Uint64(ram[at:])
		switch {
		case e&ptePresent == 0:
			return 0, false
		case shift == 12 || (shift == 21 && e&pteLarge != 0):
			mask := uint64(1)<<shift - 1
			return e&pteAddr&^mask | va&mask, true
		case e&pteLarge != 0:
			return 0, false // 1 GiB pages are not used
		}
		table = e & pteAddr
	}
	return 0, false
}

// bootInfo is the block decoded by hand from its documented layout.
type bootInfo struct {
	magic, version                 uint32
	loader                         string
	cmdline, initrdBase, initrdLen uint64
	kernelBase, kernelEnd          uint64
	mmap                           []Region
}

func readInfo(ram []byte, at uint64) bootInfo {
	b := ram[at:]
	bi := bootInfo{
		magic: le.Uint32(b), version: le.Uint32(b[4:]),
		loader:  strings.TrimRight(string(b[8:24]), "\x00"),
		cmdline: le.Uint64(b[24:]), initrdBase: le.Uint64(b[32:]), initrdLen: le.Uint64(b[40:]),
		kernelBase: le.Uint64(b[48:]), kernelEnd: le.Uint64(b[56:]),
	}
	for i := range le.Uint32(b[64:]) {
		e := b[72+24*i:]
		bi.mmap = append(bi.mmap, Region{le.Uint64(e), le.Uint64(e) + le.Uint64(e[8:]), le.Uint32(e[16:])})
	}
	return bi
}

// checkMap checks the memory map covers every RAM byte exactly once, in
// order, and nothing else.
func checkMap(t *testing.T, mm []Region, ramSize uint64) {
	t.Helper()
	covered := uint64(0)
	for i, r := range mm {
		if r.Base >= r.End || (i > 0 && r.Base < mm[i-1].End) {
			t.Errorf("entry %d [%#x, %#x) empty, unsorted or overlapping", i, r.Base, r.End)
		}
		if r.Base < holeEnd && r.End > holeStart || r.End > ramSize {
			t.Errorf("entry %d [%#x, %#x) is not RAM", i, r.Base, r.End)
		}
		if r.Type < MemUsable || r.Type > MemBootData || r.Type == MemReserved {
			t.Errorf("entry %d has type %d", i, r.Type)
		}
		covered += r.End - r.Base
	}
	if want := min(ramSize, holeStart) + max(ramSize, holeEnd) - holeEnd; covered != want {
		t.Errorf("map covers %#x bytes, RAM is %#x", covered, want)
	}
}

func TestLoad(t *testing.T) {
	ram := make([]byte, testRAM)
	for i := range ram {
		ram[i] = 0xcc // Load must zero what it uses
	}
	initrd := []byte("INITRD-CONTENT")
	const cmdline = "console=ttyS0 quiet"
	st, err := Load(ram, goodKernel(), initrd, cmdline)
	if err != nil {
		t.Fatal(err)
	}

	// Segments copied, bss zeroed.
	if got := string(ram[textPA : textPA+len(textBytes)]); got != string(textBytes) {
		t.Errorf("text % x", got)
	}
	for pa := textPA + len(textBytes); pa < textPA+0x20; pa++ {
		if ram[pa] != 0 {
			t.Fatalf("text tail not zero at %#x", pa)
		}
	}
	if got := string(ram[dataPA : dataPA+8]); got != "DATADATA" {
		t.Errorf("data %q", got)
	}
	for pa := dataPA + 8; pa < dataPA+0x3000; pa++ {
		if ram[pa] != 0 {
			t.Fatalf("bss not zero at %#x", pa)
		}
	}

	// The layout: initrd at the first page after the kernel, boot data at
	// the next page: one page of info, command line and GDT, nine page
	// tables (six for the identity map, three for the higher half) and the
	// 64 KiB stack.
	const (
		initrdPA = 0x105000
		dataBase = 0x106000
		tables   = dataBase + 0x1000
		dataEnd  = tables + 9*0x1000 + 0x10000
	)
	bi := readInfo(ram, st.GPR[arch.RDI])
	want := bootInfo{
		magic: Magic, version: 1, loader: "twinstep",
		cmdline: dataBase + infoSize, initrdBase: initrdPA, initrdLen: uint64(len(initrd)),
		kernelBase: textPA, kernelEnd: dataPA + 0x3000,
		mmap: []Region{
			{0, 0xa0000, MemUsable},
			{0x100000, 0x105000, MemKernel},
			{initrdPA, initrdPA + 14, MemInitrd},
			{initrdPA + 14, dataBase, MemUsable},
			{dataBase, dataEnd, MemBootData},
			{dataEnd, testRAM, MemUsable},
		},
	}
	if bi.magic != want.magic || bi.version != want.version || bi.loader != want.loader ||
		bi.cmdline != want.cmdline || bi.initrdBase != want.initrdBase || bi.initrdLen != want.initrdLen ||
		bi.kernelBase != want.kernelBase || bi.kernelEnd != want.kernelEnd || len(bi.mmap) != len(want.mmap) {
		t.Fatalf("boot info\n%+v\nwant\n%+v", bi, want)
	}
	for i := range want.mmap {
		if bi.mmap[i] != want.mmap[i] {
			t.Errorf("mmap[%d] = %+v, want %+v", i, bi.mmap[i], want.mmap[i])
		}
	}
	checkMap(t, bi.mmap, testRAM)
	if le.Uint32(ram[st.GPR[arch.RDI]+68:]) != 0 {
		t.Error("reserved field not zero")
	}
	if got := string(ram[bi.cmdline : bi.cmdline+uint64(len(cmdline))+1]); got != cmdline+"\x00" {
		t.Errorf("command line %q", got)
	}
	if got := string(ram[initrdPA : initrdPA+14]); got != string(initrd) {
		t.Errorf("initrd %q", got)
	}

	// The entry state.
	code := arch.Segment{Selector: 8, Limit: 0xffffffff, Attr: 0xa09b}
	data := arch.Segment{Selector: 0x10, Limit: 0xffffffff, Attr: 0xc093}
	wantSt := arch.State{
		RIP: entryVA, RFLAGS: 2,
		Seg:   [6]arch.Segment{arch.ES: data, arch.CS: code, arch.SS: data, arch.DS: data},
		MXCSR: 0x1f80, X87: arch.X87{FCW: 0x37f},
		CR0: 0x80010033, CR3: tables, CR4: 0x620, EFER: 0xd00,
		MSR:  arch.MSRs{APICBase: 0xfee00900, PAT: 0x0007040600070406},
		GDTR: arch.DescriptorTable{Base: st.GDTR.Base, Limit: 23},
	}
	wantSt.GPR[arch.RDI], wantSt.GPR[arch.RSI], wantSt.GPR[arch.RSP] = dataBase, 0x54535754, dataEnd
	if st != wantSt {
		t.Errorf("state\n%+v\nwant\n%+v", st, wantSt)
	}

	// The GDT, in boot data.
	if g := st.GDTR.Base; g < dataBase || g+24 > tables || g%8 != 0 {
		t.Errorf("GDT at %#x", g)
	} else {
		for i, d := range []uint64{0, 0x00af9b000000ffff, 0x00cf93000000ffff} {
			if got := le.Uint64(ram[g+uint64(i)*8:]); got != d {
				t.Errorf("GDT[%d] = %#x, want %#x", i, got, d)
			}
		}
	}

	// The page tables.
	for _, tc := range []struct{ va, pa uint64 }{
		{entryVA, textPA + 4},
		{textVA, textPA},
		{dataVA + 0x2fff, dataPA + 0x2fff},
		{0, 0},
		{0x12345678, 0x12345678},
		{st.GPR[arch.RDI], st.GPR[arch.RDI]},
		{0xfee00000, 0xfee00000},
		{identityEnd - 1, identityEnd - 1},
	} {
		if got, ok := translate(ram, st.CR3, tc.va); !ok || got != tc.pa {
			t.Errorf("va %#x -> %#x (%v), want %#x", tc.va, got, ok, tc.pa)
		}
	}
	for _, va := range []uint64{identityEnd, textVA - 1, dataVA + 0x3000, 0xffff800000000000} {
		if pa, ok := translate(ram, st.CR3, va); ok {
			t.Errorf("va %#x is mapped (to %#x)", va, pa)
		}
	}
}

func TestLoadWithoutExtras(t *testing.T) {
	ram := make([]byte, testRAM)
	st, err := Load(ram, goodKernel(), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	bi := readInfo(ram, st.GPR[arch.RDI])
	if bi.cmdline != 0 || bi.initrdBase != 0 || bi.initrdLen != 0 {
		t.Errorf("cmdline %#x, initrd %#x+%#x; want all 0", bi.cmdline, bi.initrdBase, bi.initrdLen)
	}
	if st.GPR[arch.RDI] != 0x105000 {
		t.Errorf("boot data at %#x, want right after the kernel", st.GPR[arch.RDI])
	}
	checkMap(t, bi.mmap, testRAM)
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ram     int
		kernel  []byte
		initrd  []byte
		cmdline string
		want    string
	}{
		{"bad kernel", testRAM, []byte("junk"), nil, "", "not an ELF file"},
		{"kernel beyond small RAM", 0x104000, goodKernel(), nil, "", "is beyond RAM (0x104000 bytes)"},
		{"initrd too big", testRAM, goodKernel(), make([]byte, testRAM), "", "initrd (16777216 bytes) does not fit in RAM (0x1000000 bytes) after the kernel, which ends at 0x105000"},
		{"command line too big", testRAM, goodKernel(), nil, strings.Repeat("x", testRAM), "the command line (16777216 bytes) and boot data"},
		{"no room for boot data", 0x110000, goodKernel(), nil, "", "do not fit in RAM (0x110000 bytes)"},
		{"NUL in command line", testRAM, goodKernel(), nil, "a\x00b", "the command line contains a NUL byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(make([]byte, tc.ram), tc.kernel, tc.initrd, tc.cmdline)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestLoadMappings boots one-segment kernels linked at different virtual
// addresses: each must translate to its physical address, and the
// identity map must stay intact.
func TestLoadMappings(t *testing.T) {
	for _, tc := range []struct {
		name         string
		vaddr, paddr uint64
	}{
		{"identity", 0x200000, 0x200000},
		{"lower half above 4 GiB", 0x100201000, 0x201000},
		{"top of the address space", 0xfffffffffffff000 - 0x1000, 0x300000},
		{"straddling 2 MiB", 0xffffffff801ff000, 0x1ff000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := testELF(tc.vaddr, []tseg{{typ: ptLoad, flags: FlagR | FlagX, vaddr: tc.vaddr, paddr: tc.paddr, memsz: 0x2000, data: []byte{0xf4}}}, nil)
			ram := make([]byte, testRAM)
			st, err := Load(ram, k, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range []uint64{0, 0x1fff} {
				if pa, ok := translate(ram, st.CR3, tc.vaddr+off); !ok || pa != tc.paddr+off {
					t.Errorf("va %#x -> %#x (%v), want %#x", tc.vaddr+off, pa, ok, tc.paddr+off)
				}
			}
			for _, a := range []uint64{0, tc.paddr, identityEnd - 1} {
				if pa, ok := translate(ram, st.CR3, a); !ok || pa != a {
					t.Errorf("identity %#x -> %#x (%v)", a, pa, ok)
				}
			}
		})
	}
}

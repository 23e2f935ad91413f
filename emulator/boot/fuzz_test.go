package boot

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// FuzzParseKernel feeds ParseKernel and Load arbitrary files: neither may
// panic, and whatever ParseKernel accepts must satisfy the protocol's rules
// and load into a correct memory map and page tables.
func FuzzParseKernel(f *testing.F) {
	f.Add(goodKernel())
	f.Add(testELF(entryVA, goodSegs(), nil))
	for _, m := range malformedKernels() {
		f.Add(m.elf)
	}
	const ramSize = 4 << 20
	ram := make([]byte, ramSize)
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := ParseKernel(b, ramSize)
		if err != nil {
			if im != nil {
				t.Fatal("image returned with an error")
			}
			return
		}
		checkImage(t, im, ramSize)
		st, err := Load(ram, b, []byte("initrd"), "cmdline")
		if err != nil {
			if !strings.Contains(err.Error(), "fit in RAM") {
				t.Fatalf("Load failed on an accepted image: %v", err)
			}
			return
		}
		bi := readInfo(ram, st.GPR[arch.RDI])
		checkMap(t, bi.mmap, ramSize)
		for _, s := range im.Segments {
			if pa, ok := translate(ram, st.CR3, s.Vaddr+s.Memsz-1); !ok || pa != s.Paddr+s.Memsz-1 {
				t.Errorf("segment %d end maps to %#x (%v)", s.Index, pa, ok)
			}
		}
		if pa, ok := translate(ram, st.CR3, st.RIP); !ok || pa >= ramSize {
			t.Errorf("entry %#x maps to %#x (%v)", st.RIP, pa, ok)
		}
	})
}

// checkImage checks the rules of docs/BOOT.md on an accepted image.
func checkImage(t *testing.T, im *Image, ramSize uint64) {
	t.Helper()
	entryOK := false
	for i, s := range im.Segments {
		if s.Memsz == 0 || uint64(len(s.Data)) > s.Memsz || s.Paddr < holeEnd || s.Paddr+s.Memsz > ramSize ||
			s.Paddr+s.Memsz < s.Paddr || !canonical(s.Vaddr) || !canonical(s.Vaddr+s.Memsz-1) ||
			s.Vaddr%pageSize != s.Paddr%pageSize {
			t.Fatalf("bad segment accepted: %+v", s)
		}
		for _, o := range im.Segments[:i] {
			if s.Paddr < o.Paddr+o.Memsz && o.Paddr < s.Paddr+s.Memsz {
				t.Fatalf("physically overlapping segments accepted: %+v %+v", o, s)
			}
			if s.Vaddr <= o.Vaddr+o.Memsz-1 && o.Vaddr <= s.Vaddr+s.Memsz-1 { // last bytes: no overflow
				t.Fatalf("virtually overlapping segments accepted: %+v %+v", o, s)
			}
		}
		if im.Entry-s.Vaddr < s.Memsz && s.Flags&FlagX != 0 {
			entryOK = true
		}
	}
	if !entryOK {
		t.Fatalf("entry %#x outside every executable segment", im.Entry)
	}
}

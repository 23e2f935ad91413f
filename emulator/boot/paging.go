package boot

import "fmt"

// Page-table entry bits.
const (
	ptePresent  = 1 << 0
	pteWritable = 1 << 1
	pteLarge    = 1 << 7 // PS: a 2 MiB page in a page directory
	pteAddr     = 0x000ffffffffff000
)

// pageTables builds 4-level page tables before they have an address: a
// table refers to its children by index, and write turns the indices into
// physical addresses once the tables are placed.
type pageTables struct {
	tables []ptable // tables[0] is the PML4
}

type ptable struct {
	entry [512]uint64 // a leaf's whole entry, or a child's flags
	child [512]int32  // 1 + the child table's index; 0 for none
}

// newPageTables returns the boot page tables: the identity map of [0, 4 GiB)
// with 2 MiB pages and every segment at its p_vaddr with 4 KiB pages. A
// segment page in the first 4 GiB is already identity-mapped where it must
// be (ParseKernel requires p_vaddr == p_paddr there).
func newPageTables(im *Image) (*pageTables, error) {
	pt := &pageTables{tables: make([]ptable, 1)}
	for pa := uint64(0); pa < identityEnd; pa += 2 << 20 {
		pd := pt.walk(pa, 2)
		pt.tables[pd].entry[pa>>21&511] = pa | ptePresent | pteWritable | pteLarge
	}
	for _, s := range im.Segments {
		// Counting pages rather than comparing addresses stays right for a
		// segment ending at the top of the address space.
		first := s.Vaddr &^ (pageSize - 1)
		for k := range (s.Vaddr+s.Memsz-1-first)/pageSize + 1 {
			va := first + k*pageSize
			if va < identityEnd {
				continue
			}
			ptab := pt.walk(va, 3)
			if ptab < 0 {
				return nil, fmt.Errorf("program header %d: virtual page %#x lies in a large page", s.Index, va)
			}
			pt.tables[ptab].entry[va>>12&511] = (va - s.Vaddr + s.Paddr) | ptePresent | pteWritable
		}
	}
	return pt, nil
}

// walk returns the index of the table at depth levels below the PML4 on
// va's path, creating missing tables, or -1 if a large page is in the way.
func (pt *pageTables) walk(va uint64, levels int) int {
	t := 0
	for l := range levels {
		i := va >> (39 - 9*l) & 511
		if pt.tables[t].entry[i]&pteLarge != 0 {
			return -1
		}
		if pt.tables[t].child[i] == 0 {
			pt.tables = append(pt.tables, ptable{})
			pt.tables[t].child[i] = int32(len(pt.tables))
			pt.tables[t].entry[i] = ptePresent | pteWritable
		}
		t = int(pt.tables[t].child[i]) - 1
	}
	return t
}

// size is the bytes the tables take.
func (pt *pageTables) size() uint64 { return uint64(len(pt.tables)) * pageSize }

// write stores the tables in mem (at least size bytes), whose first byte
// is at physical address base; the PML4 comes first.
func (pt *pageTables) write(mem []byte, base uint64) {
	for ti := range pt.tables {
		t := &pt.tables[ti]
		for i, e := range t.entry {
			if c := t.child[i]; c != 0 {
				e |= base + uint64(c-1)*pageSize
			}
			le.PutUint64(mem[ti*pageSize+i*8:], e)
		}
	}
}

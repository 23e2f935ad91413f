package boot

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// Physical-memory landmarks of the machine (docs/BOOT.md).
const (
	holeStart   = 0xA0000
	holeEnd     = 0x100000 // also the lowest address a segment may use
	identityEnd = 4 << 30  // the first 4 GiB are identity-mapped
	pageSize    = 4096
)

// parseSegments reads and checks every PT_LOAD program header. Empty
// segments (p_memsz 0) occupy nothing and are dropped.
func parseSegments(b []byte, h header, ramSize uint64) ([]Segment, error) {
	tab, err := table(b, "program header", h.phoff, h.phnum, h.phentsize, phdrSize)
	if err != nil {
		return nil, err
	}
	var segs []Segment
	for i := range h.phnum {
		p := tab[i*h.phentsize:]
		if le.Uint32(p) != ptLoad {
			continue
		}
		off, filesz, memsz := le.Uint64(p[8:]), le.Uint64(p[32:]), le.Uint64(p[40:])
		s := Segment{Vaddr: le.Uint64(p[16:]), Paddr: le.Uint64(p[24:]), Memsz: memsz, Flags: le.Uint32(p[4:]), Index: int(i)}
		if filesz > memsz {
			return nil, fmt.Errorf("program header %d: p_filesz %#x > p_memsz %#x", i, filesz, memsz)
		}
		end, ok := add(off, filesz)
		if !ok || end > uint64(len(b)) {
			return nil, fmt.Errorf("program header %d: file range [%#x, +%#x) outside the file (%d bytes)", i, off, filesz, len(b))
		}
		if memsz == 0 {
			continue
		}
		s.Data = b[off:end]
		if err := checkSegment(s, ramSize); err != nil {
			return nil, fmt.Errorf("program header %d: %w", i, err)
		}
		segs = append(segs, s)
	}
	if len(segs) == 0 {
		return nil, errors.New("no PT_LOAD segment")
	}
	if err := checkOverlaps(segs); err != nil {
		return nil, err
	}
	return segs, nil
}

// checkSegment checks one segment's placement on its own.
func checkSegment(s Segment, ramSize uint64) error {
	if s.Memsz > ramSize {
		return fmt.Errorf("p_memsz %#x is larger than RAM (%#x)", s.Memsz, ramSize)
	}
	pend, ok := add(s.Paddr, s.Memsz)
	if !ok {
		return fmt.Errorf("physical range %#x + %#x overflows", s.Paddr, s.Memsz)
	}
	// The last byte, not the end: a segment may end at the top of the
	// address space.
	vlast, ok := add(s.Vaddr, s.Memsz-1)
	if !ok {
		return fmt.Errorf("virtual range %#x + %#x overflows", s.Vaddr, s.Memsz)
	}
	switch {
	case s.Paddr < holeEnd && pend > holeStart:
		return fmt.Errorf("physical range [%#x, %#x) overlaps the hole [%#x, %#x)", s.Paddr, pend, holeStart, holeEnd)
	case s.Paddr < holeEnd:
		return fmt.Errorf("physical range [%#x, %#x) is below 1 MiB", s.Paddr, pend)
	case pend > ramSize:
		return fmt.Errorf("physical range [%#x, %#x) is beyond RAM (%#x bytes)", s.Paddr, pend, ramSize)
	case !canonical(s.Vaddr) || !canonical(vlast) || s.Vaddr>>63 != vlast>>63:
		return fmt.Errorf("virtual range [%#x, %#x] is not canonical", s.Vaddr, vlast)
	case s.Vaddr%pageSize != s.Paddr%pageSize:
		// 4 KiB pages can map it only if the offsets within a page agree.
		return fmt.Errorf("p_vaddr %#x and p_paddr %#x differ modulo 4 KiB", s.Vaddr, s.Paddr)
	case s.Vaddr < identityEnd && s.Vaddr != s.Paddr:
		// Mapping it elsewhere would break the identity map it lies in.
		return fmt.Errorf("virtual range [%#x, %#x] is in the identity-mapped first 4 GiB but p_vaddr != p_paddr %#x", s.Vaddr, vlast, s.Paddr)
	}
	return nil
}

// canonical reports whether a is a canonical 48-bit address.
func canonical(a uint64) bool {
	top := a >> 47
	return top == 0 || top == 1<<17-1
}

// checkOverlaps checks that no two segments overlap physically or
// virtually, and that segments sharing a virtual page map it to the same
// physical page. Sorting makes it O(n log n): any overlap shows between
// neighbours.
func checkOverlaps(segs []Segment) error {
	sorted := slices.Clone(segs)
	slices.SortFunc(sorted, func(a, b Segment) int { return cmp.Compare(a.Paddr, b.Paddr) })
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		if a.Paddr+a.Memsz > b.Paddr {
			return fmt.Errorf("program headers %d and %d overlap physically: [%#x, %#x) and [%#x, %#x)",
				a.Index, b.Index, a.Paddr, a.Paddr+a.Memsz, b.Paddr, b.Paddr+b.Memsz)
		}
	}
	slices.SortFunc(sorted, func(a, b Segment) int { return cmp.Compare(a.Vaddr, b.Vaddr) })
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		alast := a.Vaddr + a.Memsz - 1 // checkSegment ruled out overflow
		if alast >= b.Vaddr {
			return fmt.Errorf("program headers %d and %d overlap virtually: [%#x, %#x] and [%#x, %#x]",
				a.Index, b.Index, a.Vaddr, alast, b.Vaddr, b.Vaddr+b.Memsz-1)
		}
		if alast/pageSize == b.Vaddr/pageSize && a.Vaddr-a.Paddr != b.Vaddr-b.Paddr {
			return fmt.Errorf("program headers %d and %d share the virtual page %#x but map it to different physical pages",
				a.Index, b.Index, b.Vaddr&^(pageSize-1))
		}
	}
	return nil
}

// checkEntry checks that the entry point is in an executable segment.
func checkEntry(entry uint64, segs []Segment) error {
	for _, s := range segs {
		if entry-s.Vaddr < s.Memsz {
			if s.Flags&FlagX == 0 {
				return fmt.Errorf("entry point %#x is in program header %d, which is not executable", entry, s.Index)
			}
			return nil
		}
	}
	return fmt.Errorf("entry point %#x is not inside any PT_LOAD segment", entry)
}

package cpu

import (
	"encoding/binary"

	"github.com/twinstep/twinstep/arch"
)

// 4-level paging (SDM Vol. 3A 4.5) and the TLB that caches its results.
//
// The TLB here is architectural: an entry, once filled by a page walk, is
// used until a CR3 write (for non-global entries), INVLPG or a paging-mode
// change drops it, even if the page tables change underneath, exactly the
// staleness software must manage on hardware. It is direct-mapped, so an
// entry may also be evicted early, which hardware allows too. The read and
// write caches in mem.go are only a fast path in front of it, valid for the
// current privilege context, and may be dropped at any time.

// Paging-structure entry bits.
const (
	pteP   = 1 << 0
	pteRW  = 1 << 1
	pteUS  = 1 << 2
	pteA   = 1 << 5
	pteD   = 1 << 6
	ptePS  = 1 << 7
	pteG   = 1 << 8
	pteXD  = 1 << 63
	pteMPA = (1<<PhysAddrBits - 1) &^ 0xfff // address bits of an entry
)

// PhysAddrBits is the physical-address width the CPU reports (CPUID
// 0x80000008); entry bits from it to 51 are reserved.
const PhysAddrBits = 40

// #PF error-code bits.
const (
	pfP    = 1 << 0
	pfW    = 1 << 1
	pfU    = 1 << 2
	pfRSVD = 1 << 3
	pfI    = 1 << 4
)

// accImplicit marks the supervisor-mode accesses the CPU makes on its own
// (descriptor tables, the TSS, the IDT): they ignore CPL, and SMAP applies
// to them whatever RFLAGS.AC says.
const accImplicit = 32

// translation is one TLB entry: the translation of a linear page and the rights
// the walk found (the AND of U/S and R/W, the OR of XD over all levels).
type translation struct {
	tag   uint64 // linear page number + 1 (0 = empty)
	ppn   uint64
	user  bool
	write bool
	exec  bool
	dirty bool
	glob  bool
	shift uint8 // log2 of the page size the walk ended on: 12, 21 or 30
}

const xlatBits = 10

type archTLB [1 << xlatBits]translation

func (t *archTLB) slot(lpn uint64) *translation { return &t[lpn&(1<<xlatBits-1)] }

// flush drops every entry, or every non-global one.
func (t *archTLB) flush(keepGlobal bool) {
	for i := range t {
		if !keepGlobal || !t[i].glob {
			t[i] = translation{}
		}
	}
}

// invalidate drops the entries that translate la, including the 4 KiB
// pieces of a large page containing it.
func (t *archTLB) invalidate(la uint64) {
	for i := range t {
		e := &t[i]
		if e.tag != 0 && (e.tag-1)<<12>>e.shift == la>>e.shift {
			*e = translation{}
		}
	}
}

// reservedMask gives each level's reserved bits (level 4 = PML4E; a leaf
// at level 2 or 3 has its own mask, with the PAT bit 12 allowed).
func (c *CPU) reservedMask(level int, leaf bool) uint64 {
	m := uint64(1<<52-1) &^ (1<<PhysAddrBits - 1) // bits PhysAddrBits..51
	if c.s.EFER&arch.EFERNXE == 0 {
		m |= pteXD
	}
	switch {
	case level == 4:
		m |= ptePS
	case leaf && level == 3:
		m |= 0x3fffe000 // bits 29:13
	case leaf && level == 2:
		m |= 0x1fe000 // bits 20:13
	}
	return m
}

// walk translates la through the page tables for an access of kind acc,
// setting accessed and dirty bits as hardware does, and returns the TLB
// entry it filled. A walk that fails raises #PF.
func (c *CPU) walk(la uint64, acc int) *translation {
	e := translation{user: true, write: true, exec: true}
	table := c.s.CR3 & pteMPA
	var entries [4]uint64 // physical addresses of the entries used, PML4E first
	var used int
	for level := 4; level >= 1; level-- {
		idx := la >> (12 + 9*uint(level-1)) & 511
		pa := table + idx*8
		pte := c.readPhys64(pa)
		if pte&pteP == 0 {
			c.pageFault(la, acc, 0)
		}
		// PS ends the walk at level 3 (1 GiB pages, which CPUID reports)
		// or 2 (2 MiB); in a PML4E it is reserved.
		leaf := level == 1 || (level <= 3 && pte&ptePS != 0)
		if pte&c.reservedMask(level, leaf) != 0 {
			c.pageFault(la, acc, pfP|pfRSVD)
		}
		e.user = e.user && pte&pteUS != 0
		e.write = e.write && pte&pteRW != 0
		e.exec = e.exec && pte&pteXD == 0
		entries[used] = pa
		used++
		if leaf {
			e.shift = uint8(12 + 9*(level-1))
			e.glob = pte&pteG != 0
			e.dirty = pte&pteD != 0
			base := pte & pteMPA &^ (1<<e.shift - 1)
			e.ppn = (base | la&(1<<e.shift-1)) >> 12
			break
		}
		table = pte & pteMPA
	}
	// Rights are checked before the accessed and dirty bits are set, so a
	// walk that faults leaves the leaf untouched.
	c.checkRights(&e, la, acc, false)
	for i := 0; i < used; i++ {
		pte := c.readPhys64(entries[i])
		set := uint64(pteA)
		if i == used-1 && acc&accWrite != 0 {
			set |= pteD
			e.dirty = true
		}
		if pte&set != set {
			c.writePhys64(entries[i], pte|set)
		}
	}
	e.tag = la>>12 + 1
	slot := c.atlb.slot(la >> 12)
	*slot = e
	return slot
}

// checkRights raises #PF if the translation e does not allow access acc at
// the current privilege (SDM Vol. 3A 4.6). A fault found through a cached
// entry drops it, as hardware invalidates the TLB on a page fault.
func (c *CPU) checkRights(e *translation, la uint64, acc int, cached bool) {
	user := c.s.CPL == 3 && acc&accImplicit == 0
	ok := true
	switch {
	case user:
		ok = e.user && (acc&accWrite == 0 || e.write) && (acc&accFetch == 0 || e.exec)
	case acc&accFetch != 0:
		ok = e.exec && !(e.user && c.s.CR4&arch.CR4SMEP != 0)
	default:
		if acc&accWrite != 0 && !e.write && c.s.CR0&arch.CR0WP != 0 {
			ok = false
		}
		if e.user && c.s.CR4&arch.CR4SMAP != 0 && (acc&accImplicit != 0 || c.s.RFLAGS&arch.AC == 0) {
			ok = false
		}
	}
	if !ok {
		if cached {
			*e = translation{}
		}
		c.pageFault(la, acc, pfP)
	}
}

// pageFault raises #PF for la with the error-code bits the access adds.
func (c *CPU) pageFault(la uint64, acc int, code uint32) {
	if acc&accWrite != 0 {
		code |= pfW
	}
	if c.s.CPL == 3 && acc&accImplicit == 0 {
		code |= pfU
	}
	if acc&accFetch != 0 && (c.s.EFER&arch.EFERNXE != 0 || c.s.CR4&arch.CR4SMEP != 0) {
		code |= pfI
	}
	panic(&Exception{Vector: arch.VecPF, ErrorCode: code, HasErrorCode: true, Address: la})
}

// lookup translates la for access acc through the TLB, walking on a miss or
// when a write needs the dirty bit set.
func (c *CPU) lookup(la uint64, acc int) uint64 {
	e := c.atlb.slot(la >> 12)
	if e.tag != la>>12+1 || (acc&accWrite != 0 && !e.dirty) {
		return c.walk(la, acc).ppn << 12
	}
	c.checkRights(e, la, acc, true)
	return e.ppn << 12
}

// readPhys64 and writePhys64 access paging structures by physical address.
// A table outside RAM reads all ones, which the walk sees as reserved bits.
func (c *CPU) readPhys64(pa uint64) uint64 {
	if p := c.bus.Page(pa &^ 0xfff); p != nil {
		return binary.LittleEndian.Uint64(p[pa&0xfff:])
	}
	return ^uint64(0)
}

func (c *CPU) writePhys64(pa, v uint64) {
	if p := c.bus.Page(pa &^ 0xfff); p != nil {
		binary.LittleEndian.PutUint64(p[pa&0xfff:], v)
		c.code.invalidate(pa >> 12)
	}
}

// flushTLB drops translations after a CR3 write or a paging-mode change.
func (c *CPU) flushTLB(keepGlobal bool) {
	c.atlb.flush(keepGlobal && c.s.CR4&arch.CR4PGE != 0)
	c.dropFastPaths()
}

// invlpg drops the translations of la.
func (c *CPU) invlpg(la uint64) {
	c.atlb.invalidate(la)
	c.dropFastPaths()
}

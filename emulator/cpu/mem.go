package cpu

import (
	"encoding/binary"

	"github.com/twinstep/twinstep/arch"
)

// The fast path for memory accesses: per linear page, the host page for
// reads and for writes separately. A page enters the read cache when the
// current privilege context may read it, and the write cache when it may be
// written with nothing more to do (dirty bit set, no decoded code on it), so
// a hit is one compare. Anything that changes rights (CPL, RFLAGS.AC with
// SMAP, CR0/CR3/CR4/EFER, INVLPG) drops both.
const tlbBits = 8

type tlbEntry struct {
	tag  uint64 // linear page number + 1 (0 = empty)
	page *[4096]byte
}

type tlb struct {
	r, w [1 << tlbBits]tlbEntry
}

func (t *tlb) flush() {
	clear(t.r[:])
	clear(t.w[:])
}

// dropWrites removes every write-cache entry for host page p (it now holds
// decoded code, so writes to it must take the slow path).
func (t *tlb) dropWrites(p *[4096]byte) {
	for i := range t.w {
		if t.w[i].page == p {
			t.w[i] = tlbEntry{}
		}
	}
}

// dropFastPaths empties the access caches and forgets the current code
// page; the architectural TLB stays.
func (c *CPU) dropFastPaths() {
	c.tlb.flush()
	c.code.curLPN, c.code.cur = 0, nil
}

// Access kinds, as the #PF error code's W and I/D bits encode them.
const (
	accRead  = 0
	accWrite = 2
	accFetch = 16
)

func canonical(a uint64) bool { return uint64(int64(a<<16)>>16) == a }

// resolve maps la to a physical address for access acc: #GP/#SS for a
// non-canonical address, then paging in system mode (flat mode maps linear
// to physical one to one). It returns the host page too, or nil if no RAM
// is there: in flat mode that is #PF, in system mode MMIO.
func (c *CPU) resolve(la uint64, seg uint8, acc int) (uint64, *[4096]byte) {
	c.checkCanonical(la, seg)
	pa := la
	if c.platform != nil && c.s.CR0&arch.CR0PG != 0 {
		pa = c.lookup(la, acc) | la&0xfff
	}
	p := c.bus.Page(pa &^ 0xfff)
	if p == nil && c.platform == nil {
		c.pageFault(la, acc, 0)
	}
	return pa, p
}

// checkCanonical raises #SS(0) through SS, else #GP(0), for a
// non-canonical data address.
func (c *CPU) checkCanonical(la uint64, seg uint8) {
	if !canonical(la) {
		if seg == arch.SS {
			c.raiseCode(arch.VecSS, 0)
		}
		c.raiseCode(arch.VecGP, 0)
	}
}

// pageR and pageW return the host page for an access to la, or nil for
// MMIO (whose physical address they also return).
func (c *CPU) pageR(la uint64, seg uint8) (*[4096]byte, uint64) {
	lpn := la >> 12
	e := &c.tlb.r[lpn&(1<<tlbBits-1)]
	if e.tag == lpn+1 {
		return e.page, 0
	}
	pa, p := c.resolve(la, seg, accRead)
	if p != nil {
		*e = tlbEntry{lpn + 1, p}
	}
	return p, pa
}

func (c *CPU) pageW(la uint64, seg uint8) (*[4096]byte, uint64) {
	lpn := la >> 12
	e := &c.tlb.w[lpn&(1<<tlbBits-1)]
	if e.tag == lpn+1 {
		return e.page, 0
	}
	pa, p := c.resolve(la, seg, accWrite)
	if p == nil {
		return nil, pa
	}
	// A write drops the code decoded from the page; a read entry stays
	// right, since it names the same host page.
	c.code.invalidate(pa >> 12)
	*e = tlbEntry{lpn + 1, p}
	return p, pa
}

// probeWrite raises what a store of size bytes at la would raise (#GP or
// #SS for a non-canonical address, #PF for a page not writable), the lower
// page first, and stores nothing: for the instructions whose write checks
// cover bytes they do not write (ENTER's final stack pointer, MASKMOVDQU's
// masked bytes).
func (c *CPU) probeWrite(la uint64, size int, seg uint8) {
	c.pageW(la, seg)
	if off := la & 0xfff; off+uint64(size) > 4096 {
		c.pageW(la+(4096-off), seg)
	}
}

// alignCheck raises #AC(0) for a misaligned access at CPL 3 with CR0.AM
// and RFLAGS.AC: after a non-canonical address's fault, before #PF
// (silicon, AMD).
func (c *CPU) alignCheck(la uint64, size int, seg uint8) {
	if c.s.CPL == 3 && c.s.CR0&arch.CR0AM != 0 && c.s.RFLAGS&arch.AC != 0 && la&uint64(size-1) != 0 {
		c.checkCanonical(la, seg)
		c.checkCanonical(la+uint64(size-1), seg)
		c.raiseCode(arch.VecAC, 0)
	}
}

// acWidth is alignCheck to width bytes for the accesses whose width the
// profile chooses (Profile.ACVector and the others; 0: none).
func (c *CPU) acWidth(la uint64, width int, seg uint8) {
	if width > 0 && c.s.RFLAGS&arch.AC != 0 {
		c.alignCheck(la, width, seg)
	}
}

// read loads size (1, 2, 4 or 8) bytes at linear address la through segment
// seg (the segment only chooses #SS or #GP for a non-canonical address).
func (c *CPU) read(la uint64, size int, seg uint8) uint64 {
	off := la & 0xfff
	if off+uint64(size) <= 4096 {
		if c.s.RFLAGS&arch.AC != 0 {
			c.alignCheck(la, size, seg)
		}
		p, pa := c.pageR(la, seg)
		if p == nil {
			return c.readMMIO(la, pa, size)
		}
		if c.ReadLog != nil {
			c.logRead(la, p[off:off+uint64(size)])
		}
		switch size {
		case 1:
			return uint64(p[off])
		case 2:
			return uint64(binary.LittleEndian.Uint16(p[off:]))
		case 4:
			return uint64(binary.LittleEndian.Uint32(p[off:]))
		default:
			return binary.LittleEndian.Uint64(p[off:])
		}
	}
	var b [8]byte
	c.readBytes(la, b[:size], seg)
	return binary.LittleEndian.Uint64(b[:])
}

// write stores size bytes. A write that crosses a page translates both pages
// before storing anything, so a fault on the second page writes nothing.
func (c *CPU) write(la uint64, size int, v uint64, seg uint8) {
	off := la & 0xfff
	if off+uint64(size) <= 4096 {
		if c.s.RFLAGS&arch.AC != 0 {
			c.alignCheck(la, size, seg)
		}
		p, pa := c.pageW(la, seg)
		if p == nil {
			c.writeMMIO(la, pa, size, v)
			return
		}
		if c.WriteLog != nil {
			var nv [8]byte
			binary.LittleEndian.PutUint64(nv[:], v)
			c.logWrite(la, p[off:off+uint64(size)], nil, nv[:size])
		}
		switch size {
		case 1:
			p[off] = byte(v)
		case 2:
			binary.LittleEndian.PutUint16(p[off:], uint16(v))
		case 4:
			binary.LittleEndian.PutUint32(p[off:], uint32(v))
		default:
			binary.LittleEndian.PutUint64(p[off:], v)
		}
		return
	}
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	c.writeBytes(la, b[:size], seg)
}

// readMMIO reads a device register: off read's fast path, which stays
// small enough to inline.
func (c *CPU) readMMIO(la, pa uint64, size int) uint64 {
	v := c.platform.ReadMMIO(pa, size) & (1<<(8*size) - 1)
	if c.ReadLog != nil {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], v)
		c.logRead(la, b[:size])
	}
	return v
}

// writeMMIO hands a store to a device; the run yields afterwards because
// the device may now want to interrupt.
func (c *CPU) writeMMIO(la, pa uint64, size int, v uint64) {
	if c.WriteLog != nil {
		var nv [8]byte
		binary.LittleEndian.PutUint64(nv[:], v)
		c.logWrite(la, make([]byte, size), nil, nv[:size])
	}
	c.platform.WriteMMIO(pa, size, v)
	c.yield()
}

// logWrite records a write whose old bytes are old1 followed by old2.
func (c *CPU) logWrite(la uint64, old1, old2, nv []byte) {
	w := MemWrite{Addr: la, Old: make([]byte, 0, len(nv)), New: append([]byte(nil), nv...)}
	w.Old = append(append(w.Old, old1...), old2...)
	*c.WriteLog = append(*c.WriteLog, w)
}

// readBytes loads len(b) bytes at la, across pages if need be.
func (c *CPU) readBytes(la uint64, b []byte, seg uint8) {
	if c.s.RFLAGS&arch.AC != 0 && len(b) <= 8 {
		c.alignCheck(la, len(b), seg)
	}
	if c.ReadLog != nil {
		defer c.logRead(la, b) // after the loop fills b: a recording is no hot path
	}
	for len(b) > 0 {
		p, pa := c.pageR(la, seg)
		n := int(min(uint64(len(b)), 4096-la&0xfff))
		if p == nil {
			for i := range n {
				b[i] = byte(c.platform.ReadMMIO(pa+uint64(i), 1))
			}
		} else {
			copy(b[:n], p[la&0xfff:])
		}
		b, la = b[n:], la+uint64(n)
	}
}

// writeBytes stores b at la; every page is translated before any byte is
// written. Writes are at most a page long, so they touch at most two pages.
func (c *CPU) writeBytes(la uint64, b []byte, seg uint8) {
	if c.s.RFLAGS&arch.AC != 0 && len(b) <= 8 {
		c.alignCheck(la, len(b), seg)
	}
	off := la & 0xfff
	n := min(len(b), int(4096-off))
	first, pa1 := c.pageW(la, seg)
	var second *[4096]byte
	var pa2 uint64
	if n < len(b) {
		second, pa2 = c.pageW((la+uint64(n))&^0xfff, seg)
	}
	if first == nil || (n < len(b) && second == nil) {
		// At least one side is MMIO: byte by byte, through the same paths.
		c.storePiece(la, pa1, first, b[:n])
		if n < len(b) {
			c.storePiece(la+uint64(n), pa2, second, b[n:])
		}
		return
	}
	if c.WriteLog != nil {
		var old2 []byte
		if second != nil {
			old2 = second[:len(b)-n]
		}
		c.logWrite(la, first[off:off+uint64(n)], old2, b)
	}
	copy(first[off:], b[:n])
	if second != nil {
		copy(second[:], b[n:])
	}
}

// storePiece stores b, which lies within one page, to RAM page p or to MMIO
// at pa.
func (c *CPU) storePiece(la, pa uint64, p *[4096]byte, b []byte) {
	if p == nil {
		for i, x := range b {
			c.writeMMIO(la+uint64(i), pa+uint64(i), 1, uint64(x))
		}
		return
	}
	off := la & 0xfff
	if c.WriteLog != nil {
		c.logWrite(la, p[off:off+uint64(len(b))], nil, b)
	}
	copy(p[off:], b)
}

// read128 and write128 move 16 bytes (an XMM operand).
func (c *CPU) read128(la uint64, seg uint8) arch.Vec128 {
	var b [16]byte
	c.readBytes(la, b[:], seg)
	return arch.Vec128{binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])}
}

func (c *CPU) write128(la uint64, v arch.Vec128, seg uint8) {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], v[0])
	binary.LittleEndian.PutUint64(b[8:], v[1])
	c.writeBytes(la, b[:], seg)
}

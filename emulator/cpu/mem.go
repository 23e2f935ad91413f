package cpu

import (
	"encoding/binary"

	"github.com/twinstep/twinstep/arch"
)

// The TLB caches linear page -> host page for reads and for writes
// separately: a page enters the write TLB only when a write to it needs no
// further work (no decoded code on it), so the fast paths are one compare.
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

func (t *tlb) flushPage(lpn uint64) {
	i := lpn & (1<<tlbBits - 1)
	if t.r[i].tag == lpn+1 {
		t.r[i] = tlbEntry{}
	}
	if t.w[i].tag == lpn+1 {
		t.w[i] = tlbEntry{}
	}
}

// Access kinds, as the #PF error code's W and I/D bits encode them.
const (
	accRead  = 0
	accWrite = 2
	accFetch = 16
)

func canonical(a uint64) bool { return uint64(int64(a<<16)>>16) == a }

// translate maps a linear page to its host page, raising #GP/#SS for a
// non-canonical address and #PF for an unmapped one.
func (c *CPU) translate(la uint64, seg uint8, acc int) *[4096]byte {
	if !canonical(la) {
		if seg == arch.SS {
			c.raiseCode(arch.VecSS, 0)
		}
		c.raiseCode(arch.VecGP, 0)
	}
	p := c.bus.Page(la)
	if p == nil {
		code := uint32(acc)
		if c.s.CPL == 3 {
			code |= 4
		}
		panic(&Exception{Vector: arch.VecPF, ErrorCode: code, HasErrorCode: true, Address: la})
	}
	return p
}

func (c *CPU) pageR(la uint64, seg uint8) *[4096]byte {
	lpn := la >> 12
	e := &c.tlb.r[lpn&(1<<tlbBits-1)]
	if e.tag == lpn+1 {
		return e.page
	}
	p := c.translate(la, seg, accRead)
	*e = tlbEntry{lpn + 1, p}
	return p
}

func (c *CPU) pageW(la uint64, seg uint8) *[4096]byte {
	lpn := la >> 12
	e := &c.tlb.w[lpn&(1<<tlbBits-1)]
	if e.tag == lpn+1 {
		return e.page
	}
	p := c.translate(la, seg, accWrite)
	if c.code.invalidate(lpn) {
		c.tlb.r[lpn&(1<<tlbBits-1)] = tlbEntry{} // keep the pair consistent
	}
	if !c.code.has(lpn) {
		*e = tlbEntry{lpn + 1, p}
	}
	return p
}

func (c *CPU) alignCheck(la uint64, size int) {
	if c.s.CPL == 3 && c.s.CR0&arch.CR0AM != 0 && c.s.RFLAGS&arch.AC != 0 && la&uint64(size-1) != 0 {
		c.raiseCode(arch.VecAC, 0)
	}
}

// read loads size (1, 2, 4 or 8) bytes at linear address la through segment
// seg (the segment only chooses #SS or #GP for a non-canonical address).
func (c *CPU) read(la uint64, size int, seg uint8) uint64 {
	off := la & 0xfff
	if off+uint64(size) <= 4096 {
		if c.s.RFLAGS&arch.AC != 0 {
			c.alignCheck(la, size)
		}
		p := c.pageR(la, seg)
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
			c.alignCheck(la, size)
		}
		p := c.pageW(la, seg)
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

// logWrite records a write whose old bytes are old1 followed by old2.
func (c *CPU) logWrite(la uint64, old1, old2, nv []byte) {
	w := MemWrite{Addr: la, Old: make([]byte, 0, len(nv)), New: append([]byte(nil), nv...)}
	w.Old = append(append(w.Old, old1...), old2...)
	*c.WriteLog = append(*c.WriteLog, w)
}

// readBytes loads len(b) bytes at la, across pages if need be.
func (c *CPU) readBytes(la uint64, b []byte, seg uint8) {
	if c.s.RFLAGS&arch.AC != 0 && len(b) <= 8 {
		c.alignCheck(la, len(b))
	}
	for len(b) > 0 {
		p := c.pageR(la, seg)
		n := copy(b, p[la&0xfff:])
		b, la = b[n:], la+uint64(n)
	}
}

// writeBytes stores b at la; every page is translated before any byte is
// written.
func (c *CPU) writeBytes(la uint64, b []byte, seg uint8) {
	if c.s.RFLAGS&arch.AC != 0 && len(b) <= 8 {
		c.alignCheck(la, len(b))
	}
	// Writes are at most a page long, so they touch at most two pages.
	off := la & 0xfff
	first := c.pageW(la, seg)
	n := min(len(b), int(4096-off))
	var second *[4096]byte
	if n < len(b) {
		second = c.pageW((la+uint64(n))&^0xfff, seg)
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

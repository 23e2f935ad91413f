package cpu

import (
	"errors"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The decoded-instruction cache: per linear code page, the decoded
// instruction at each offset. A write to a page with decoded code drops the
// page (and the page before it, whose last instruction may run into it).
type decoded struct {
	inst decoder.Inst
	exec handler
}

type codePage struct {
	at [4096]*decoded
}

type codeCache struct {
	pages  map[uint64]*codePage
	curLPN uint64 // the page fetch last used, +1 (0 = none)
	cur    *codePage
}

func (cc *codeCache) init() { cc.pages = make(map[uint64]*codePage) }

func (cc *codeCache) flush() {
	clear(cc.pages)
	cc.curLPN, cc.cur = 0, nil
}

func (cc *codeCache) has(lpn uint64) bool {
	return cc.pages[lpn] != nil || cc.pages[lpn-1] != nil
}

// invalidate drops decoded code that a write to page lpn may change.
func (cc *codeCache) invalidate(lpn uint64) bool {
	if !cc.has(lpn) {
		return false
	}
	delete(cc.pages, lpn)
	delete(cc.pages, lpn-1)
	cc.curLPN, cc.cur = 0, nil
	return true
}

func (c *CPU) fetch() *decoded {
	rip := c.s.RIP
	lpn := rip >> 12
	cc := &c.code
	if cc.curLPN != lpn+1 {
		cc.cur = cc.pages[lpn]
		if cc.cur == nil {
			cc.cur = new(codePage)
			cc.pages[lpn] = cc.cur
			// Writes to this page (and the next, which an instruction may
			// run into) must now go through the slow path.
			c.tlb.flushPage(lpn)
			c.tlb.flushPage(lpn + 1)
		}
		cc.curLPN = lpn + 1
	}
	d := cc.cur.at[rip&0xfff]
	if d == nil {
		d = c.decodeAt(rip)
		cc.cur.at[rip&0xfff] = d
	}
	return d
}

// decodeAt fetches and decodes the instruction at rip. A fetch fault on the
// second page is raised only if the instruction really extends into it.
func (c *CPU) decodeAt(rip uint64) *decoded {
	var buf [decoder.MaxLen]byte
	p := c.translate(rip, arch.CS, accFetch)
	n := copy(buf[:], p[rip&0xfff:])
	in, err := decoder.Decode(buf[:n])
	// A fetch fault on the next page comes before any decode fault (SDM
	// Vol. 3A Table 6-2), so the page is fetched first.
	if errors.Is(err, decoder.ErrTruncated) {
		p2 := c.translate(rip+uint64(n), arch.CS, accFetch)
		copy(buf[n:], p2[:])
		in, err = decoder.Decode(buf[:])
	}
	// Even an invalid instruction is sized first: longer than 15 bytes is
	// #GP whatever the opcode (measured on the host CPU), then a VEX/EVEX
	// one is #UD (see invalidVEX).
	switch {
	case err == nil:
		d := &decoded{inst: in}
		d.exec = c.bind(&d.inst)
		return d
	case errors.Is(err, decoder.ErrTooLong):
		c.raiseCode(arch.VecGP, 0)
	}
	if decoder.IsVEX(in.Form) {
		c.raise(arch.VecUD) // a VEX/EVEX encoding the decoder could not complete
	}
	c.raise(arch.VecUD)
	return nil
}

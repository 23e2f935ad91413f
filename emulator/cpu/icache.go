package cpu

import (
	"errors"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// The decoded-instruction cache: per physical code page, the decoded
// instruction at each offset. It is keyed physically so that a write through
// any mapping of a page (a kernel writing code through its direct map) drops
// what was decoded from it. An instruction that crosses into the next page
// depends on two pages and is decoded afresh each time instead of cached.
type decoded struct {
	inst decoder.Inst
	exec handler
}

type codePage struct {
	at [4096]*decoded
}

type codeCache struct {
	pages   map[uint64]*codePage // by physical page number
	curLPN  uint64               // the linear page fetch last used, +1 (0 = none)
	cur     *codePage
	scratch decoded // the current page-crossing instruction
}

func (cc *codeCache) init() { cc.pages = make(map[uint64]*codePage) }

func (cc *codeCache) flush() {
	clear(cc.pages)
	cc.curLPN, cc.cur = 0, nil
}

func (cc *codeCache) has(ppn uint64) bool { return cc.pages[ppn] != nil }

// invalidate drops decoded code that a write to physical page ppn may change.
func (cc *codeCache) invalidate(ppn uint64) {
	if cc.has(ppn) {
		delete(cc.pages, ppn)
		cc.curLPN, cc.cur = 0, nil
	}
}

// fetch returns the decoded instruction at RIP. The common case, an
// instruction already decoded on the current code page, is small enough to
// inline into the run loop.
func (c *CPU) fetch() *decoded {
	rip := c.s.RIP
	if cc := &c.code; cc.curLPN == rip>>12+1 {
		if d := cc.cur.at[rip&0xfff]; d != nil {
			return d
		}
	}
	return c.fetchSlow(rip)
}

func (c *CPU) fetchSlow(rip uint64) *decoded {
	lpn := rip >> 12
	cc := &c.code
	if cc.curLPN != lpn+1 {
		pa, p := c.resolve(rip, arch.CS, accFetch)
		if p == nil {
			return c.decodeAt(rip, &cc.scratch) // code in MMIO: never cached
		}
		cc.cur = cc.pages[pa>>12]
		if cc.cur == nil {
			cc.cur = new(codePage)
			cc.pages[pa>>12] = cc.cur
			// Writes to this page must now go through the slow path.
			c.tlb.dropWrites(p)
		}
		cc.curLPN = lpn + 1
	}
	d := cc.cur.at[rip&0xfff]
	if d == nil {
		if rip&0xfff > 4096-decoder.MaxLen {
			// It may cross into the next page: cache it only if it does not.
			d = c.decodeAt(rip, &cc.scratch)
			if rip&0xfff+uint64(d.inst.Len) > 4096 {
				return d
			}
			d = &decoded{inst: d.inst, exec: d.exec}
		} else {
			d = c.decodeAt(rip, new(decoded))
		}
		cc.cur.at[rip&0xfff] = d
	}
	return d
}

// decodeAt fetches and decodes the instruction at rip into d. A fetch fault
// on the second page is raised only if the instruction really extends into
// it.
func (c *CPU) decodeAt(rip uint64, d *decoded) *decoded {
	var buf [decoder.MaxLen]byte
	n := c.fetchBytes(rip, buf[:])
	in, err := decoder.Decode(buf[:n])
	// A fetch fault on the next page comes before any decode fault (SDM
	// Vol. 3A Table 6-2), so the page is fetched first.
	if errors.Is(err, decoder.ErrTruncated) {
		c.fetchBytes(rip+uint64(n), buf[n:])
		in, err = decoder.Decode(buf[:])
	}
	// Even an invalid instruction is sized first: longer than 15 bytes is
	// #GP whatever the opcode (measured on the host CPU), then a VEX/EVEX
	// one is #UD (see invalidVEX).
	switch {
	case err == nil:
		d.inst = in
		if c.prof.NullSegKeepsFSGS && in.SegFSGS != 0 {
			// The profile's null-seg-prefix rule: ES, CS, SS and DS
			// prefixes are ignored in 64-bit mode, even after FS or GS.
			d.inst.Mem.Seg, d.inst.SegOverride = in.SegFSGS, true
		}
		if c.prof.StackFaultByBase && d.inst.Mem.Seg != arch.FS && d.inst.Mem.Seg != arch.GS {
			// The profile's ss-by-base rule: in 64-bit mode these segments
			// have no base, so the segment only names the fault of a
			// non-canonical address, and on AMD the base register does.
			d.inst.Mem.Seg = arch.DS
			if in.Mem.Base == arch.RSP || in.Mem.Base == arch.RBP {
				d.inst.Mem.Seg = arch.SS
			}
		}
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

// fetchBytes fills b from la up to the end of la's page and returns the
// count.
func (c *CPU) fetchBytes(la uint64, b []byte) int {
	pa, p := c.resolve(la, arch.CS, accFetch)
	n := int(min(uint64(len(b)), 4096-la&0xfff))
	if p == nil {
		for i := range n {
			b[i] = byte(c.platform.ReadMMIO(pa+uint64(i), 1))
		}
		return n
	}
	return copy(b[:n], p[la&0xfff:])
}

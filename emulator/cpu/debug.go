package cpu

import (
	"github.com/twinstep/twinstep/arch"
)

// Debug exceptions (SDM Vol. 3B 18.2-18.3): single-step traps (RFLAGS.TF),
// the four breakpoints of DR0-DR3 as DR7 enables them (instruction
// breakpoints are faults, data and I/O breakpoints traps), and general
// detect (DR7.GD). DR6 reports the cause.
//
// The fast run loop checks none of this: while TF is set or DR7 enables a
// breakpoint, instructions run one at a time through step. Anything that
// turns either on mid-slice (POPF, MOV to DR7) calls debugChanged, which
// ends the fast loop after the instruction; IRETQ, SYSRET and the exception
// deliveries already end a slice.

const (
	dr6BS  = 1 << 14 // single step
	dr6BD  = 1 << 13 // general detect
	dr7GD  = 1 << 13
	dr7All = 0xff // L0-L3, G0-G3
)

// Breakpoint kinds, DR7's R/W field.
const (
	bpExec  = 0
	bpWrite = 1
	bpIO    = 2
	bpRW    = 3
)

// debugState is what step needs across instructions.
type debugState struct {
	// pending holds DR6 bits of traps an instruction raised while it set
	// the MOV SS / POP SS shadow: they are delivered after the next one.
	pending uint64
	// shadow is set by MOV SS and POP SS for the instruction after.
	shadow bool
	// resume is the slice end debugChanged cut short (0: none).
	resume uint64
	// ports collects the I/O accesses of the current instruction while an
	// I/O breakpoint is enabled (watchIO).
	ports   []ioAccess
	watchIO bool
	// data is set while an instruction runs with a data breakpoint
	// enabled: a REP string instruction then runs one iteration.
	data   bool
	reads  ReadLog
	writes []MemWrite
}

type ioAccess struct {
	port uint16
	size int
}

// debugActive reports whether instructions must run through step.
func (c *CPU) debugActive() bool {
	return c.s.RFLAGS&arch.TF != 0 || c.dr[7]&dr7All != 0 || c.dbg.pending != 0
}

// debugChanged follows a write of TF or DR7: if either now needs step, the
// fast loop ends after this instruction and runSlice goes on in step.
func (c *CPU) debugChanged() {
	if c.debugActive() && c.dbg.resume == 0 && c.stopAt > c.Retired+1 {
		c.dbg.resume, c.stopAt = c.stopAt, c.Retired+1
	}
}

// bpEnabled reports whether DR7 enables breakpoint i of kind kind, and its
// length in bytes.
func (c *CPU) bpEnabled(i int, kind uint64) (bool, uint64) {
	dr7 := c.dr[7]
	if dr7>>(2*i)&3 == 0 || dr7>>(16+4*i)&3 != kind {
		return false, 0
	}
	if kind == bpIO && c.s.CR4&cr4DE == 0 {
		return false, 0 // R/W 10 is undefined without CR4.DE
	}
	return true, [4]uint64{1, 2, 8, 4}[dr7>>(18+4*i)&3]
}

// bpHits returns the DR6 B0-B3 bits of the breakpoints of kind kind that
// [addr, addr+size) overlaps. A breakpoint's address is aligned down to its
// length, as the processor compares it (SDM 18.2.5).
func (c *CPU) bpHits(kind uint64, addr, size uint64) uint64 {
	var hits uint64
	for i := range 4 {
		ok, n := c.bpEnabled(i, kind)
		if !ok {
			continue
		}
		bp := c.dr[i] &^ (n - 1)
		if kind == bpExec {
			if bp == addr {
				hits |= 1 << i
			}
		} else if addr < bp+n && bp < addr+size {
			hits |= 1 << i
		}
	}
	return hits
}

// watching reports whether DR7 enables any breakpoint of kind kind (or,
// with kind bpRW, any data breakpoint).
func (c *CPU) watching(kind uint64) bool {
	for i := range 4 {
		if ok, _ := c.bpEnabled(i, kind); ok {
			return true
		}
		if kind == bpRW {
			if ok, _ := c.bpEnabled(i, bpWrite); ok {
				return true
			}
		}
	}
	return false
}

// step runs one instruction the careful way: with an Observer, and with
// every debug condition checked.
func (c *CPU) step() {
	c.obsLen = 0 // a fetch fault has no bytes
	if c.s.RFLAGS&arch.RF == 0 && c.dr[7]&dr7All != 0 {
		if hits := c.bpHits(bpExec, c.s.RIP, 1); hits != 0 {
			c.dr[6] = c.dr[6]&^0xf | hits
			c.raise(arch.VecDB) // a fault: the instruction has not run
		}
	}
	d := c.fetch()
	n := int(d.inst.Len)
	if c.Observer != nil {
		if m := c.fetchBytes(c.s.RIP, c.obsCode[:n]); m < n {
			c.fetchBytes(c.s.RIP+uint64(m), c.obsCode[m:n])
		}
		c.obsLen = uint8(n)
	}
	single := c.s.RFLAGS&arch.TF != 0 // TF as the instruction starts
	data := c.watching(bpRW)
	c.dbg.watchIO, c.dbg.data = c.watching(bpIO), data
	var reads, writes int
	if data {
		reads, writes = c.attachLogs()
	}
	if data || c.dbg.watchIO {
		defer c.endWatch() // a fault must not leave the watch on
	}
	shadowed := c.dbg.shadow
	c.dbg.shadow = false
	c.keepRF = false
	c.execute(d)
	c.endRF()
	var hits uint64
	if data {
		hits = c.dataHits(reads, writes)
	}
	for _, a := range c.dbg.ports {
		hits |= c.bpHits(bpIO, uint64(a.port), uint64(a.size))
	}
	if single {
		hits |= dr6BS
	}
	if c.Observer != nil {
		c.Observer.Retired(c.obsCode[:n])
	}
	hits |= c.dbg.pending
	c.dbg.pending = 0
	if hits == 0 {
		return
	}
	if c.dbg.shadow && !shadowed {
		// MOV SS and POP SS hold debug traps off for one instruction.
		c.dbg.pending = hits
		return
	}
	c.dr[6] = c.dr[6]&^0xf | hits
	panic(&Exception{Vector: arch.VecDB, kind: eventTrap, next: c.s.RIP, retired: true})
}

// attachLogs makes the CPU log this instruction's memory accesses for the
// data breakpoints, through the recorder's logs if it has them, and
// returns where this instruction's entries start.
func (c *CPU) attachLogs() (reads, writes int) {
	if c.ReadLog == nil {
		c.dbg.reads.Reset()
		c.ReadLog = &c.dbg.reads
	}
	if c.WriteLog == nil {
		c.dbg.writes = c.dbg.writes[:0]
		c.WriteLog = &c.dbg.writes
	}
	return len(c.ReadLog.Reads), len(*c.WriteLog)
}

// dataHits matches the accesses logged since attachLogs against the data
// breakpoints.
func (c *CPU) dataHits(reads, writes int) uint64 {
	var hits uint64
	for _, r := range c.ReadLog.Reads[reads:] {
		if !r.Port {
			hits |= c.bpHits(bpRW, r.Addr, uint64(r.Len))
		}
	}
	for _, w := range (*c.WriteLog)[writes:] {
		n := uint64(len(w.New))
		hits |= c.bpHits(bpRW, w.Addr, n) | c.bpHits(bpWrite, w.Addr, n)
	}
	return hits
}

// endWatch ends an instruction's watch: it removes the logs attachLogs
// attached (not a recorder's) and forgets the I/O accesses.
func (c *CPU) endWatch() {
	c.dbg.ports, c.dbg.watchIO, c.dbg.data = c.dbg.ports[:0], false, false
	if c.ReadLog == &c.dbg.reads {
		c.ReadLog = nil
	}
	if c.WriteLog == &c.dbg.writes {
		c.WriteLog = nil
	}
}

// generalDetect is DR7.GD's #DB fault on a MOV to or from a debug register;
// the processor clears GD so the handler can use them.
func (c *CPU) generalDetect() {
	if c.dr[7]&dr7GD != 0 {
		c.dr[6] |= dr6BD
		c.dr[7] &^= dr7GD
		c.raise(arch.VecDB)
	}
}

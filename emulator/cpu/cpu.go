// Package cpu executes decoded x86-64 instructions: the 64-bit mode
// general-purpose and SSE instruction set, with exact flags and faults.
package cpu

import (
	"fmt"
	"runtime/debug"

	"github.com/twinstep/twinstep/arch"
)

// Bus is guest-physical memory as the CPU sees it.
type Bus interface {
	// Page returns the page of RAM containing pa, or nil if nothing is there.
	Page(pa uint64) *[4096]byte
}

// CPU is one x86-64 processor.
type CPU struct {
	s    arch.State // RFLAGS's status bits are stale while fl.op != lazyNone
	fl   lazyFlags
	next uint64 // address of the instruction after the current one

	bus      Bus
	platform Platform // nil outside system mode
	prof     *Profile // what the SDM leaves to the processor
	tlb      tlb
	atlb     archTLB // system mode with paging on
	code     codeCache

	stopAt  uint64 // Run's slice ends when Retired reaches it
	yielded bool   // an instruction ended the slice early (StopYield)
	inhibit uint64 // interrupts are held off while Retired < inhibit (STI, MOV SS)
	keepRF  bool   // the instruction just run loaded RF (IRETQ, SYSRET): it stays set
	dr      [8]uint64
	dbg     debugState
	// tscOffset makes a WRMSR to the TSC stick: the counter is Retired plus it.
	tscOffset uint64

	history        [historyLen]delivery // the last deliveries, newest first
	shutdownReason string

	// Retired counts the instructions completed; RDTSC derives from it.
	Retired uint64

	// WriteLog, when non-nil, receives every memory write.
	WriteLog *[]MemWrite
	// ReadLog, when non-nil, receives every memory and port read.
	ReadLog *ReadLog
	// Observer, when non-nil, sees every instruction and delivery.
	Observer Observer
	obsCode  [15]byte // the current instruction's bytes, for the Observer
	obsLen   uint8

	// Disabled lists mnemonics the CPU reports as unimplemented even though
	// it has them: a test-only switch for proving that tools find missing
	// instructions.
	Disabled map[string]bool
}

// MemWrite is one memory write at linear address Addr: the bytes there
// before and after.
type MemWrite struct {
	Addr     uint64
	Old, New []byte
}

// New returns a CPU in the flat 64-bit user state (arch.Flat64) on bus.
func New(bus Bus) *CPU {
	c := &CPU{bus: bus, prof: DefaultProfile}
	c.s = arch.Flat64()
	c.code.init()
	c.tlb.flush()
	return c
}

// State returns the architectural state.
func (c *CPU) State() arch.State {
	s := c.s
	s.RFLAGS = c.rflags()
	return s
}

// SetState replaces the architectural state.
func (c *CPU) SetState(s *arch.State) {
	c.s = *s
	c.s.RFLAGS = s.RFLAGS&^uint64(0xffc08028) | arch.FlagsFixed // reserved bits read 0, bit 1 reads 1
	c.fl.op = lazyNone
	c.dbg.pending, c.dbg.shadow = 0, false
	if c.platform != nil {
		c.flushTLB(false) // a flat CPU's translations do not depend on the state
	}
}

// FlushCaches drops the decoded-instruction cache and the fast access
// caches: call it after changing guest memory behind the CPU's back. The
// TLB stays, as it would on hardware if a device wrote the page tables.
func (c *CPU) FlushCaches() {
	c.dropFastPaths()
	c.code.flush()
}

// StopKind says why Run returned.
type StopKind uint8

// Reasons Run stops.
const (
	StopCount         StopKind = iota // executed the requested number of instructions
	StopException                     // an instruction faulted (state is at the faulting instruction)
	StopUnimplemented                 // the emulator does not implement the instruction
	StopHalt                          // HLT
	StopInternal                      // an emulator bug (a Go runtime error) was caught
	StopYield                         // system mode: the instruction may have changed what the machine must do next
	StopShutdown                      // system mode: a triple fault shut the CPU down
)

var stopNames = [...]string{"count", "exception", "unimplemented", "halt", "internal error", "yield", "shutdown"}

func (k StopKind) String() string { return stopNames[k] }

// Exception is a fault or trap raised by an instruction.
type Exception struct {
	Vector       uint8
	ErrorCode    uint32
	HasErrorCode bool
	Address      uint64 // CR2 for #PF

	kind    event  // system mode: how it arose
	ext     bool   // raised while delivering an external interrupt
	next    uint64 // traps: the RIP to return to
	retired bool   // a debug trap after an instruction already counted retired
}

// Trap reports whether e is a trap or software interrupt, whose instruction
// completed, and the address after it.
func (e *Exception) Trap() (next uint64, ok bool) {
	return e.next, e.kind == eventTrap || e.kind == eventSoftware
}

func (e *Exception) Error() string {
	if e.HasErrorCode {
		return fmt.Sprintf("%s(%#x)", arch.VectorName(e.Vector), e.ErrorCode)
	}
	return arch.VectorName(e.Vector)
}

// Stop describes why Run returned.
type Stop struct {
	Kind      StopKind
	Exception Exception
	// Opcode names the unimplemented form (StopUnimplemented).
	Opcode string
	// Detail explains a StopInternal or StopUnimplemented.
	Detail string
}

func (s Stop) String() string {
	switch s.Kind {
	case StopException:
		return s.Exception.Error()
	case StopUnimplemented:
		return "unimplemented: " + s.Opcode
	case StopInternal:
		return "internal error: " + s.Detail
	}
	return s.Kind.String()
}

// unimplemented is panicked by the dispatcher for a form with no handler.
type unimplemented struct{ opcode, detail string }

// halt is panicked by HLT.
type halt struct{}

// raise faults the current instruction. Faults unwind through panic so the
// hot paths carry no error returns; Run recovers them, and nothing panics out
// of the package.
func (c *CPU) raise(vector uint8) {
	panic(&Exception{Vector: vector})
}

func (c *CPU) raiseCode(vector uint8, code uint32) {
	panic(&Exception{Vector: vector, ErrorCode: code, HasErrorCode: true})
}

// Run executes up to n instructions.
func (c *CPU) Run(n uint64) (stop Stop) {
	defer func() {
		if r := recover(); r != nil {
			stop = c.recovered(r)
		}
	}()
	c.stopAt = c.Retired + n
	c.yielded = false
	for {
		if stop, done := c.runSlice(); done {
			return stop
		}
	}
}

// runSlice executes until the slice ends or an instruction stops it. In
// system mode an exception is delivered through the IDT and the slice goes
// on (done is false).
func (c *CPU) runSlice() (stop Stop, done bool) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Exception); ok && c.platform != nil {
				if c.Observer != nil && !e.retired {
					// A debug trap after a retired instruction is only
					// a delivery to the Observer.
					c.Observer.Raised(c.obsCode[:c.obsLen], e)
				}
				if c.raiseEvent(e) {
					stop, done = Stop{Kind: StopShutdown, Detail: c.shutdownReport()}, true
				}
				return
			}
			stop, done = c.recovered(r), true
		}
	}()
	for c.Retired < c.stopAt && (c.Observer != nil || c.debugActive()) {
		c.step()
	}
	if c.s.RFLAGS&arch.RF != 0 && c.Retired < c.stopAt {
		// RF is set only by the instructions that end a slice (IRETQ,
		// SYSRET) or by SetState, so this is where the instruction it was
		// set for runs.
		c.keepRF = false
		c.execute(c.fetch())
		c.endRF()
	}
	for c.Retired < c.stopAt {
		d := c.fetch()
		c.next = c.s.RIP + uint64(d.inst.Len)
		d.exec(c, &d.inst)
		c.s.RIP = c.next
		c.Retired++
	}
	if c.dbg.resume != 0 {
		// debugChanged cut the fast loop short: go on in step.
		c.stopAt, c.dbg.resume = c.dbg.resume, 0
		if !c.yielded {
			return Stop{}, false
		}
	}
	if c.yielded {
		return Stop{Kind: StopYield}, true
	}
	return Stop{Kind: StopCount}, true
}

// execute runs decoded instruction d at RIP and retires it (the run loop
// does the same inline).
func (c *CPU) execute(d *decoded) {
	c.next = c.s.RIP + uint64(d.inst.Len)
	d.exec(c, &d.inst)
	c.s.RIP = c.next
	c.Retired++
}

// endRF clears RF after the instruction it was set for completed, unless
// that instruction loaded RF itself (SDM Vol. 3A 18.3.1.1).
func (c *CPU) endRF() {
	if !c.keepRF {
		c.s.RFLAGS &^= arch.RF
	}
}

// yield ends the current Run slice after this instruction, so the machine
// can look at interrupts and devices again.
func (c *CPU) yield() {
	c.yielded = true
	c.stopAt = c.Retired + 1
}

func (c *CPU) recovered(r any) Stop {
	switch e := r.(type) {
	case *Exception:
		if e.Vector == arch.VecPF {
			c.s.CR2 = e.Address
		}
		return Stop{Kind: StopException, Exception: *e}
	case unimplemented:
		return Stop{Kind: StopUnimplemented, Opcode: e.opcode, Detail: e.detail}
	case halt:
		c.s.RIP = c.next
		c.Retired++
		if c.Observer != nil {
			c.Observer.Retired(c.obsCode[:c.obsLen])
		}
		return Stop{Kind: StopHalt}
	}
	return Stop{Kind: StopInternal, Detail: fmt.Sprintf("%v\n%s", r, debug.Stack())}
}

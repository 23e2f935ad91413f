package cpu

import (
	"fmt"

	"github.com/twinstep/twinstep/arch"
)

// Observer sees execution one step at a time, in order: what a trace
// recorder needs. Its methods run inside Run, between instructions, and must
// not call back into the CPU's Run.
type Observer interface {
	// Retired follows an instruction that completed; code is its bytes.
	Retired(code []byte)
	// Raised follows an instruction that faulted or trapped, before e is
	// delivered; code is its bytes. The state is the instruction's result:
	// unchanged for a fault, past the instruction for a trap.
	Raised(code []byte, e *Exception)
	// Delivered follows the delivery of an exception or an external
	// interrupt through the IDT.
	Delivered(vector uint8, external bool)
}

// ReadLog collects the memory and port reads the CPU makes, in order, for a
// recorder; a replay gives an instruction the memory it read from it.
type ReadLog struct {
	Reads []Read
	Data  []byte // the bytes read, indexed by Read.Off
}

// Read is one read: Len bytes at linear address (or I/O port) Addr.
type Read struct {
	Addr     uint64
	Off, Len uint32
	Port     bool
}

// Bytes returns the value r read.
func (l *ReadLog) Bytes(r Read) []byte { return l.Data[r.Off : r.Off+r.Len] }

// Reset empties the log, keeping its storage.
func (l *ReadLog) Reset() { l.Reads, l.Data = l.Reads[:0], l.Data[:0] }

func (l *ReadLog) add(addr uint64, b []byte, port bool) {
	l.Reads = append(l.Reads, Read{Addr: addr, Off: uint32(len(l.Data)), Len: uint32(len(b)), Port: port})
	l.Data = append(l.Data, b...)
}

// logRead records a read when a ReadLog is attached.
func (c *CPU) logRead(la uint64, b []byte) {
	if c.ReadLog != nil {
		c.ReadLog.add(la, b, false)
	}
}

// AccessLinear reads or, with write, writes guest memory at linear address
// la as an instruction at the current privilege level would: through paging,
// with its rights checks and accessed and dirty bits. A recorder uses it to
// give an outside engine the memory an instruction needs and to apply that
// engine's writes. The error is the exception the access raised.
func (c *CPU) AccessLinear(la uint64, b []byte, write bool) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(*Exception); ok {
				err = e
				return
			}
			err = fmt.Errorf("internal error accessing %#x: %v", la, r)
		}
	}()
	if write {
		c.writeBytes(la, b, arch.DS)
	} else {
		c.readBytes(la, b, arch.DS)
	}
	return nil
}

// Complete makes s the state after an instruction that something other than
// this CPU executed (a recorder's oracle, for an instruction the emulator
// lacks) and counts it as retired.
func (c *CPU) Complete(s *arch.State) {
	c.SetState(s)
	c.FlushCaches()
	c.Retired++
}

// CodeChanged tells the CPU that memory at pa changed behind its back (a
// replay supplying bytes): instructions it decoded there are dropped.
func (c *CPU) CodeChanged(pa uint64) {
	c.code.invalidate(pa >> 12) // the access caches name host pages, which stay right
}

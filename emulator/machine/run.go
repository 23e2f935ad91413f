package machine

import (
	"fmt"
	"math"
	"time"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/cpu"
)

// Reason says why a run ended.
type Reason uint8

// Reasons a run ends.
const (
	DebugExit        Reason = iota // the guest wrote the debug-exit port
	Halted                         // HLT with nothing that could ever wake the CPU
	TripleFault                    // the CPU shut down
	InstructionLimit               // Run's instruction budget is spent
	Unimplemented                  // an instruction the emulator lacks
	Exception                      // an exception escaped (a CPU bug in system mode)
	InternalError                  // an emulator bug
	ConsoleError                   // writing the console failed
	InputExhausted                 // the scripted input is used up and the guest waits for more
)

var reasonNames = [...]string{"debug exit", "halted", "triple fault", "instruction limit",
	"unimplemented instruction", "exception", "internal error", "console error", "input exhausted"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason %d", r)
}

// Exit is how a run ended.
type Exit struct {
	Reason       Reason
	Status       uint32 // the value written to the debug-exit port
	Instructions uint64 // retired since boot
	Detail       string
}

// idlePace is how long an interactive machine's halted CPU waits for input
// before letting its next timer tick happen.
const idlePace = 10 * time.Millisecond

// maxSlice bounds a CPU slice so input from other goroutines reaches the
// devices promptly even when no timer is armed.
const maxSlice = 1 << 16

// Run runs the machine until it exits or maxInstructions more instructions
// have retired (0: no limit). The error is non-nil only for a failure on
// the host side (the console).
func (m *Machine) Run(maxInstructions uint64) (Exit, error) {
	end := uint64(math.MaxUint64)
	if maxInstructions != 0 && m.cpu.Retired <= math.MaxUint64-maxInstructions {
		end = m.cpu.Retired + maxInstructions
	}
	for {
		m.drainInput()
		if exit, done := m.checkExit(); done {
			return exit, m.console.err
		}
		if exit, done := m.deliver(); done {
			return exit, nil
		}
		if m.cpu.Retired >= end {
			return m.exit(InstructionLimit, fmt.Sprintf("%d instructions", maxInstructions)), nil
		}
		stop := m.cpu.Run(m.sliceLength(end))
		m.lapic.Advance(m.now())
		if stop.Kind == cpu.StopHalt {
			if exit, done := m.halt(); done {
				return exit, nil
			}
			continue
		}
		if exit, done := m.stopped(stop); done {
			return exit, nil
		}
	}
}

// checkExit ends the run for the debug-exit port or a failed console.
func (m *Machine) checkExit() (Exit, bool) {
	switch {
	case m.console.err != nil:
		return m.exit(ConsoleError, m.console.err.Error()), true
	case m.debugExit.Exited:
		e := m.exit(DebugExit, fmt.Sprintf("status %#x", m.debugExit.Status))
		e.Status = m.debugExit.Status
		return e, true
	}
	return Exit{}, false
}

// sliceLength is how far the CPU may run before the machine must look
// again: the instruction budget, the next timer deadline, and one
// instruction when an interrupt waits only for an STI or MOV SS shadow.
func (m *Machine) sliceLength(end uint64) uint64 {
	n := min(end-m.cpu.Retired, maxSlice)
	if d, ok := m.lapic.NextDeadline(); ok {
		n = min(n, max(d-min(d, m.now()), 1))
	}
	if _, ok := m.lapic.Pending(); ok && m.cpu.State().RFLAGS&arch.IF != 0 {
		n = 1 // IF is set, so the window is shut only for a shadow
	}
	return n
}

// deliver gives the CPU the local APIC's pending interrupt if it can take
// it now.
func (m *Machine) deliver() (Exit, bool) {
	if _, ok := m.lapic.Pending(); !ok || !m.cpu.InterruptWindow() {
		return Exit{}, false
	}
	return m.stopped(m.cpu.Interrupt(m.lapic.Ack()))
}

// halt idles the halted CPU until an interrupt can be delivered: time
// jumps to the timer deadline, or, interactively, waits for input. It
// ends the run when nothing can ever wake the CPU.
func (m *Machine) halt() (Exit, bool) {
	for {
		m.drainInput()
		if !m.cpu.InterruptWindow() {
			return m.exit(Halted, "HLT with interrupts disabled: nothing can wake the CPU"), true
		}
		if m.feedScript() {
			return m.exit(InputExhausted, fmt.Sprintf("the scripted input is used up and the guest has "+
				"idled %d times waiting for more", exhaustedWaits)), true
		}
		if _, ok := m.lapic.Pending(); ok {
			return Exit{}, false
		}
		if m.Interactive {
			// A person is typing: idle time passes no faster than real
			// time, so a guest waiting for keys does not spin the host.
			select {
			case <-m.input.wake:
				continue
			case <-time.After(idlePace):
			}
		}
		if d, ok := m.lapic.NextDeadline(); ok && m.timerCanWake(d) {
			continue
		}
		if !m.Interactive {
			return m.exit(Halted, "HLT with interrupts enabled but nothing to wake the CPU: no timer interrupt can be delivered "+
				"(none armed, masked, or blocked by TPR/ISR priority) and the machine is not interactive"), true
		}
		<-m.input.wake
	}
}

// timerCanWake moves idle time on to the timer deadline d and reports
// whether its firing made an interrupt deliverable. If it did not, none
// of its later firings will either: the vector is already requested and
// nothing changes the APIC's priorities while the CPU is halted.
func (m *Machine) timerCanWake(d uint64) bool {
	if now := m.now(); d > now {
		m.idle += d - now
	}
	m.lapic.Advance(m.now())
	_, ok := m.lapic.Pending()
	return ok
}

// stopped turns a CPU stop into the end of the run, or not.
func (m *Machine) stopped(stop cpu.Stop) (Exit, bool) {
	switch stop.Kind {
	case cpu.StopCount, cpu.StopYield:
		return Exit{}, false
	case cpu.StopShutdown:
		return m.exit(TripleFault, stop.Detail), true
	case cpu.StopUnimplemented:
		if m.unimplementedUD {
			fmt.Fprintf(m.log, "twinstep: %s at %#x (%s): raised #UD in the guest\n", stop, m.cpu.State().RIP, stop.Detail)
			return m.stopped(m.cpu.RaiseFault(arch.VecUD))
		}
		return m.exit(Unimplemented, stop.String()+" "+stop.Detail), true
	case cpu.StopException:
		return m.exit(Exception, stop.String()), true
	}
	return m.exit(InternalError, stop.String()), true
}

func (m *Machine) exit(r Reason, detail string) Exit {
	return Exit{Reason: r, Instructions: m.cpu.Retired, Detail: detail}
}

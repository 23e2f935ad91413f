// Package engine is the one interface every execution engine implements (the
// emulator, Unicorn, and later KVM), and the comparison that works on any two
// of them.
package engine

import (
	"fmt"

	"github.com/twinstep/twinstep/arch"
)

// Outcome is how an execution ended.
type Outcome uint8

// Outcomes.
const (
	Completed     Outcome = iota // the instructions ran
	Exception                    // an instruction raised an exception
	Unimplemented                // the engine does not implement the instruction (emulator: missing)
	Unsupported                  // the engine cannot do this at all (an oracle's limit)
	Halted                       // HLT
	Failed                       // the engine itself failed (a bug in it)
)

var outcomeNames = [...]string{"completed", "exception", "unimplemented", "unsupported", "halted", "failed"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", o)
}

// Region is guest memory: page-aligned, a whole number of pages.
type Region struct {
	Addr uint64
	Data []byte
}

// Write is a run of bytes an execution changed.
type Write struct {
	Addr     uint64
	Old, New []byte
}

// Result is what an execution did.
type Result struct {
	Outcome      Outcome
	Vector       uint8 // Exception
	ErrorCode    uint32
	HasErrorCode bool // the engine knows the error code
	Detail       string
	State        arch.State
	Writes       []Write
	// Reads are the bytes the instruction loaded (New holds them), where
	// the engine reports them (a Replayer does).
	Reads []Write
}

// Raised reports whether the step ended in exception vector.
func (r *Result) Raised(vector uint8) bool { return r.Outcome == Exception && r.Vector == vector }

// OutcomeString names the outcome ("exception #GP(0x0)", "completed").
func (r *Result) OutcomeString() string {
	switch r.Outcome {
	case Exception:
		if r.HasErrorCode {
			return fmt.Sprintf("exception %s(%#x)", arch.VectorName(r.Vector), r.ErrorCode)
		}
		return "exception " + arch.VectorName(r.Vector)
	case Unimplemented, Unsupported, Failed:
		return r.Outcome.String() + ": " + r.Detail
	}
	return r.Outcome.String()
}

// Engine executes x86-64 instructions from a given state and memory.
type Engine interface {
	Name() string
	// Load replaces the engine's state and memory: only the regions given
	// are mapped afterwards, readable, writable and executable.
	Load(s *arch.State, mem []Region) error
	// Step executes up to n instructions and reports how it ended; the
	// error is for the engine failing, never for a guest outcome.
	Step(n uint64) (Result, error)
	// ReadMemory reads mapped memory.
	ReadMemory(addr uint64, b []byte) error
	Close() error
}

// Run loads a case into e, steps n instructions and fills in Result.Writes
// by comparing memory before and after: one mechanism for every engine, so
// writes that leave a byte unchanged count the same everywhere.
func Run(e Engine, s *arch.State, mem []Region, n uint64) (Result, error) {
	if err := e.Load(s, mem); err != nil {
		return Result{}, fmt.Errorf("%s: load: %w", e.Name(), err)
	}
	r, err := e.Step(n)
	if err != nil {
		return r, fmt.Errorf("%s: step: %w", e.Name(), err)
	}
	if r.Outcome == Unsupported || r.Outcome == Failed {
		return r, nil // nothing trustworthy to read back
	}
	for _, reg := range mem {
		post := make([]byte, len(reg.Data))
		if err := e.ReadMemory(reg.Addr, post); err != nil {
			return r, fmt.Errorf("%s: read back %#x: %w", e.Name(), reg.Addr, err)
		}
		r.Writes = append(r.Writes, DiffMemory(reg.Addr, reg.Data, post)...)
	}
	return r, nil
}

// DiffMemory lists the runs of bytes that differ between pre and post, the
// memory at addr before and after a run.
func DiffMemory(addr uint64, pre, post []byte) []Write {
	var out []Write
	for i := 0; i < len(pre); {
		if pre[i] == post[i] {
			i++
			continue
		}
		j := i
		for j < len(pre) && pre[j] != post[j] {
			j++
		}
		out = append(out, Write{Addr: addr + uint64(i), Old: pre[i:j:j], New: post[i:j:j]})
		i = j
	}
	return out
}

// Replayer is an engine that replays a recorded run one instruction at a
// time. Memory persists from one instruction to the next and is supplied
// piecemeal, at the linear addresses the recording names: the bytes each
// instruction is recorded reading, and its code.
type Replayer interface {
	Name() string
	// Poke makes memory at linear address addr hold b.
	Poke(addr uint64, b []byte) error
	// Reserve makes [addr, addr+n) memory, keeping what it holds: where an
	// instruction stores without reading first.
	Reserve(addr uint64, n int) error
	// Exec runs the one instruction at s.RIP from state s. The result's
	// Writes are its stores, merged into runs.
	Exec(s *arch.State) (Result, error)
	Close() error
}

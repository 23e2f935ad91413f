// Package engine is the one interface every execution engine implements (the
// emulator, Unicorn, and later KVM), and the comparison that works on any two
// of them.
package engine

import (
	"bytes"
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

// Case is a starting state and the memory it runs in.
type Case struct {
	State arch.State
	Mem   []Region
}

// Read copies what the case's memory holds at addr into b, stopping at the
// first unmapped byte; it returns how many bytes it copied.
func (c *Case) Read(addr uint64, b []byte) int {
	n := 0
	for n < len(b) {
		found := false
		for _, r := range c.Mem {
			if a := addr + uint64(n); a >= r.Addr && a < r.Addr+uint64(len(r.Data)) {
				n += copy(b[n:], r.Data[a-r.Addr:])
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return n
}

// Batcher is an engine that runs in another process (an oracle's worker, the
// native helper), where a round trip per case would cost more than the
// case: it takes many cases at once.
type Batcher interface {
	Engine
	// RunBatch runs each case from its state for n instructions. posts[i]
	// is case i's memory afterwards, region by region (unused where the
	// result is Unsupported or Failed). A case that kills the engine is
	// its own result; the error is for the engine failing as a whole.
	RunBatch(cases []Case, n uint64) (results []Result, posts [][]Region, err error)
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
	post := make([]Region, len(mem))
	for i, reg := range mem {
		post[i] = Region{Addr: reg.Addr, Data: make([]byte, len(reg.Data))}
		if err := e.ReadMemory(reg.Addr, post[i].Data); err != nil {
			return r, fmt.Errorf("%s: read back %#x: %w", e.Name(), reg.Addr, err)
		}
	}
	addWrites(&r, mem, post)
	return r, nil
}

// RunAll is Run for many cases: in batches where e is a Batcher.
func RunAll(e Engine, cases []Case, n uint64) ([]Result, error) {
	b, ok := e.(Batcher)
	if !ok {
		rs := make([]Result, len(cases))
		for i := range cases {
			var err error
			if rs[i], err = Run(e, &cases[i].State, cases[i].Mem, n); err != nil {
				return nil, err
			}
		}
		return rs, nil
	}
	rs, posts, err := b.RunBatch(cases, n)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Name(), err)
	}
	for i := range rs {
		if rs[i].Outcome != Unsupported && rs[i].Outcome != Failed {
			addWrites(&rs[i], cases[i].Mem, posts[i])
		}
	}
	return rs, nil
}

// addWrites fills in r.Writes from the memory before (pre) and after (post).
func addWrites(r *Result, pre, post []Region) {
	for i, reg := range pre {
		r.Writes = append(r.Writes, DiffMemory(reg.Addr, reg.Data, post[i].Data)...)
	}
}

// DiffMemory lists the runs of bytes that differ between pre and post, the
// memory at addr before and after a run.
func DiffMemory(addr uint64, pre, post []byte) []Write {
	var out []Write
	for i := 0; i < len(pre); {
		// Most of a page is untouched: skip equal bytes a block at a time.
		if n := min(64, len(pre)-i); bytes.Equal(pre[i:i+n], post[i:i+n]) {
			i += n
			continue
		}
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

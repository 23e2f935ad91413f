// Package emulator is the twinstep x86-64 machine. This file adapts its CPU
// to the engine interface, in a flat address space where guest linear
// addresses are physical (the paging-free setting single-instruction
// comparisons use).
package emulator

import (
	"bytes"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/memory"
	"github.com/twinstep/twinstep/engine"
)

// Engine is the emulator as an engine.Engine.
type Engine struct {
	mem *memory.Sparse
	CPU *cpu.CPU
}

// NewEngine returns an emulator engine with no memory.
func NewEngine() *Engine {
	e := &Engine{mem: new(memory.Sparse)}
	e.CPU = cpu.New(e.mem)
	return e
}

// Name implements engine.Engine.
func (e *Engine) Name() string { return "emulator" }

// Load implements engine.Engine.
func (e *Engine) Load(s *arch.State, mem []engine.Region) error {
	*e.mem = memory.Sparse{}
	for _, r := range mem {
		e.mem.Map(r.Addr, uint64(len(r.Data)))
		if err := e.mem.Write(r.Addr, r.Data); err != nil {
			return err
		}
	}
	e.CPU.SetState(s)
	e.CPU.FlushCaches()
	return nil
}

// Step implements engine.Engine.
func (e *Engine) Step(n uint64) (engine.Result, error) {
	return result(e.CPU, e.CPU.Run(n)), nil
}

// result turns a CPU stop into an engine.Result.
func result(c *cpu.CPU, stop cpu.Stop) engine.Result {
	r := engine.Result{State: c.State()}
	switch stop.Kind {
	case cpu.StopException:
		r.Outcome = engine.Exception
		r.Vector = stop.Exception.Vector
		r.ErrorCode = stop.Exception.ErrorCode
		r.HasErrorCode = stop.Exception.HasErrorCode
	case cpu.StopUnimplemented:
		r.Outcome, r.Detail = engine.Unimplemented, stop.Opcode
	case cpu.StopHalt:
		r.Outcome = engine.Halted
	case cpu.StopInternal:
		r.Outcome, r.Detail = engine.Failed, stop.Detail
	}
	return r
}

// ReadMemory implements engine.Engine.
func (e *Engine) ReadMemory(addr uint64, b []byte) error { return e.mem.Read(addr, b) }

// Close implements engine.Engine.
func (e *Engine) Close() error { return nil }

// Replayer is the emulator as an engine.Replayer: a flat CPU whose memory
// is what the recording supplies.
type Replayer struct {
	mem    memory.Sparse
	cpu    *cpu.CPU
	writes []cpu.MemWrite
}

// NewReplayer returns an emulator replayer with no memory. disabled names
// mnemonics it must treat as missing (as the recording did).
func NewReplayer(disabled []string) *Replayer {
	r := &Replayer{}
	r.cpu = cpu.New(&r.mem)
	r.cpu.WriteLog = &r.writes
	if len(disabled) > 0 {
		r.cpu.Disabled = map[string]bool{}
		for _, d := range disabled {
			r.cpu.Disabled[d] = true
		}
	}
	return r
}

// SetProfile makes the replayer follow CPU profile p (nil: the default),
// as the recording did.
func (r *Replayer) SetProfile(p *cpu.Profile) { r.cpu.SetProfile(p) }

// Name implements engine.Replayer.
func (r *Replayer) Name() string { return "emulator" }

// Poke implements engine.Replayer.
func (r *Replayer) Poke(addr uint64, b []byte) error {
	for len(b) > 0 {
		n := min(uint64(len(b)), memory.PageSize-addr%memory.PageSize)
		p := r.mem.Page(addr)
		if p == nil {
			r.mem.Map(addr, n)
			p = r.mem.Page(addr)
		}
		at := p[addr%memory.PageSize:][:n]
		if !bytes.Equal(at, b[:n]) {
			copy(at, b[:n])
			r.cpu.CodeChanged(addr)
		}
		b, addr = b[n:], addr+n
	}
	return nil
}

// Reserve implements engine.Replayer.
func (r *Replayer) Reserve(addr uint64, n int) error {
	r.mem.Map(addr, uint64(n))
	return nil
}

// Exec implements engine.Replayer.
func (r *Replayer) Exec(s *arch.State) (engine.Result, error) {
	r.cpu.SetState(s)
	r.writes = r.writes[:0]
	res := result(r.cpu, r.cpu.Run(1))
	for _, w := range r.writes {
		res.Writes = append(res.Writes, engine.Write{Addr: w.Addr, Old: w.Old, New: w.New})
	}
	return res, nil
}

// Close implements engine.Replayer.
func (r *Replayer) Close() error { return nil }

// Package emulator is the twinstep x86-64 machine. This file adapts its CPU
// to the engine interface, in a flat address space where guest linear
// addresses are physical (the paging-free setting single-instruction
// comparisons use).
package emulator

import (
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
	stop := e.CPU.Run(n)
	r := engine.Result{State: e.CPU.State()}
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
	return r, nil
}

// ReadMemory implements engine.Engine.
func (e *Engine) ReadMemory(addr uint64, b []byte) error { return e.mem.Read(addr, b) }

// Close implements engine.Engine.
func (e *Engine) Close() error { return nil }

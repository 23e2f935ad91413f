//go:build !(linux && amd64)

package native

import (
	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// Engine is the host CPU as an engine; on this host it cannot run.
type Engine struct {
	Restarts int
	h        *helper
}

type hostInfo struct {
	mxcsrMask uint32
	fsgsbase  bool
	cpuid     cpuidWords
}

type helper struct{ host hostInfo }

// New fails: see Supported.
func New(string) (*Engine, error) { return nil, Supported() }

func (e *Engine) Name() string                            { return "native" }
func (e *Engine) Load(*arch.State, []engine.Region) error { return Supported() }
func (e *Engine) Step(uint64) (engine.Result, error)      { return engine.Result{}, Supported() }
func (e *Engine) ReadMemory(uint64, []byte) error         { return Supported() }
func (e *Engine) Host() Host                              { return Host{} }
func (e *Engine) Close() error                            { return nil }
func (e *Engine) RunBatch([]engine.Case, uint64) ([]engine.Result, [][]engine.Region, error) {
	return nil, nil, Supported()
}

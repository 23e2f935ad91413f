// Package nativetest gives tests the native engine: built with make (the
// helper) and started once per test binary. On a host that cannot run it
// (not x86-64 Linux) Engine returns nil and no error, and tests go on with
// the other oracles, saying so.
package nativetest

import (
	"fmt"
	"os"
	"sync"

	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native"
)

var (
	once sync.Once
	eng  *native.Engine
	err  error
)

// Engine returns the shared native engine, or nil where the host has none.
func Engine() (engine.Engine, error) {
	e, err := Native()
	if e == nil {
		return nil, err
	}
	return e, err
}

// Native is Engine with the concrete type (for Host and RunBatch).
func Native() (*native.Engine, error) {
	once.Do(func() { eng, err = start() })
	return eng, err
}

// Off is the environment variable that leaves the native engine out
// (TWINSTEP_NATIVE=off): to measure or check against Unicorn alone.
const Off = "TWINSTEP_NATIVE"

// start starts a native engine, or returns nil where the host has none or
// the environment turns it off.
func start() (*native.Engine, error) {
	if os.Getenv(Off) == "off" {
		fmt.Fprintf(os.Stderr, "nativetest: the native engine is off (%s=off)\n", Off)
		return nil, nil
	}
	if serr := native.Supported(); serr != nil {
		fmt.Fprintf(os.Stderr, "nativetest: no native engine: %v\n", serr)
		return nil, nil
	}
	path, err := kernelbuild.NativeHelper()
	if err != nil {
		return nil, err
	}
	return native.New(path)
}

// Checker is check.NewChecker with the host CPU wherever the host can run
// the native engine (its profile for the emulator), and Unicorn's
// checker where it cannot.
func Checker(oracle engine.Engine, mistakes []check.Mistake) (*check.Checker, error) {
	nat, err := Native()
	if err != nil {
		return nil, err
	}
	return checker(oracle, nat, mistakes), nil
}

// NewChecker is Checker with a native engine of its own, for checkers
// that run in parallel.
func NewChecker(oracle engine.Engine, mistakes []check.Mistake) (*check.Checker, error) {
	nat, err := start()
	if err != nil {
		return nil, err
	}
	return checker(oracle, nat, mistakes), nil
}

func checker(oracle engine.Engine, nat *native.Engine, mistakes []check.Mistake) *check.Checker {
	if nat == nil {
		return check.NewChecker(oracle, nil, nil, mistakes)
	}
	return check.NewChecker(oracle, nat, nat.Host().Profile(), mistakes)
}

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

// Native is Engine with the concrete type (for Host and Run).
func Native() (*native.Engine, error) {
	once.Do(func() {
		if serr := native.Supported(); serr != nil {
			fmt.Fprintf(os.Stderr, "nativetest: no native engine: %v\n", serr)
			return
		}
		path, berr := kernelbuild.NativeHelper()
		if berr != nil {
			err = berr
			return
		}
		eng, err = native.New(path)
	})
	return eng, err
}

// Checker is check.NewChecker with the host CPU wherever the host can run
// the native engine (its profile for the emulator), and Unicorn's
// checker where it cannot.
func Checker(oracle engine.Engine, mistakes []check.Mistake) (*check.Checker, error) {
	nat, err := Native()
	if err != nil {
		return nil, err
	}
	if nat == nil {
		return check.NewChecker(oracle, nil, nil, mistakes), nil
	}
	return check.NewChecker(oracle, nat, nat.Host().Profile(), mistakes), nil
}

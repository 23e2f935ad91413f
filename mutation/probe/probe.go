// Package probe tells the checks whether a mutant's changed code ran.
//
// `twinstep mutate` compiles each mutant of emulator/cpu or
// emulator/decoder with a call to Hit before the statement it changed and
// an init that calls Arm. A check that runs many independent cases (the
// sweeps) asks Hits before and after building a case: a case whose
// emulator runs never reached the change behaves exactly as on the
// unmutated emulator, which passed, so comparing it with the oracles again
// cannot kill the mutant and is skipped. In every ordinary build nothing
// calls Arm and nothing is skipped.
package probe

import (
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

var (
	armed atomic.Bool
	hits  atomic.Uint64

	mu      sync.Mutex
	reached = map[string]bool{}
)

// Arm is called by a probed mutant's init.
func Arm() { armed.Store(true) }

// Armed reports whether a probed mutant is compiled in.
func Armed() bool { return armed.Load() }

// Hit counts one execution of the mutant's changed statement.
func Hit() { hits.Add(1) }

// Hits is the number of executions so far.
func Hits() uint64 { return hits.Load() }

// Skip reports whether a case whose emulator runs moved the count from
// before to Hits() cannot tell the mutant from the original: a probed
// mutant is compiled in and the count did not move. A case that reached
// the change is noted under key (its encoding) for the survivors' report.
func Skip(before uint64, key string) bool {
	if !Armed() {
		return false
	}
	if Hits() == before {
		return true
	}
	mu.Lock()
	reached[key] = true
	mu.Unlock()
	return false
}

// OutEnv names the file Flush writes the reached keys to.
const OutEnv = "TWINSTEP_PROBE_OUT"

// ErrPrefix starts Flush's errors, so the mutation runner tells a probe
// that could not write from a check that failed.
const ErrPrefix = "mutation probe: "

// Flush appends the keys of the cases that reached the change, one per
// line, to the file $TWINSTEP_PROBE_OUT, when a probed mutant is compiled
// in and the variable is set.
func Flush() error {
	path := os.Getenv(OutEnv)
	if !Armed() || path == "" {
		return nil
	}
	mu.Lock()
	keys := make([]string, 0, len(reached))
	for k := range reached {
		keys = append(keys, k)
	}
	mu.Unlock()
	slices.Sort(keys)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return errors.New(ErrPrefix + err.Error())
	}
	if len(keys) > 0 {
		_, err = f.WriteString(strings.Join(keys, "\n") + "\n")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.New(ErrPrefix + err.Error())
	}
	return nil
}

// Package native is the real CPU as an engine: it runs one instruction from
// an arch.State and its memory on this machine's processor, at CPL 3, in a
// helper process of its own (twinstep-native, built from helper/ by `make
// native`), and reports what silicon did as an engine.Result.
//
// The helper is sandboxed: it maps nothing but its own window (layout.go)
// and the case's pages at their own addresses, a seccomp filter traps every
// system call case code makes before it runs, and a crash or hang of the
// helper is that case's outcome ("failed"), never the caller's. Cases go to
// it in batches through shared memory (Engine.Run), one round trip for many
// cases.
//
// What silicon answers is the machine's, not always the architecture's:
// the engine declines (outcome "unsupported", with the reason) instructions
// whose result is the host's (CPUID, RDTSC, RDRAND, the descriptor-table
// reads, ...), states the host's user mode cannot take (CPL 0, IOPL, CR0 and
// CR4 bits unlike the host's) and cases whose pages or pointers reach the
// helper's window. See plan.go.
package native

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// HelperName is the helper executable's file name.
const HelperName = "twinstep-native"

// FindHelper locates the helper: $TWINSTEP_NATIVE_HELPER, beside the
// running executable, or build/twinstep-native in the repository holding
// the working directory (where `make native` puts it).
func FindHelper() (string, error) {
	if p := os.Getenv("TWINSTEP_NATIVE_HELPER"); p != "" {
		return p, nil
	}
	var tried []string
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), HelperName)
		if isFile(p) {
			return p, nil
		}
		tried = append(tried, p)
	}
	if dir, err := os.Getwd(); err == nil {
		for {
			if isFile(filepath.Join(dir, "go.mod")) {
				p := filepath.Join(dir, "build", HelperName)
				if isFile(p) {
					return p, nil
				}
				tried = append(tried, p)
				break
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("native: the helper %s is not built (looked at %v): run `make native`, or set TWINSTEP_NATIVE_HELPER",
		HelperName, tried)
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// ErrNotHere: the host cannot run the native engine.
var ErrNotHere = errors.New("native: the real CPU as an oracle needs an x86-64 Linux host")

// Supported reports whether this host can run the native engine at all,
// and if not, why.
func Supported() error {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return fmt.Errorf("%w (this is %s/%s)", ErrNotHere, runtime.GOOS, runtime.GOARCH)
	}
	return nil
}

// NewFound starts an engine with the helper FindHelper finds.
func NewFound() (*Engine, error) {
	if err := Supported(); err != nil {
		return nil, err
	}
	p, err := FindHelper()
	if err != nil {
		return nil, err
	}
	return New(p)
}

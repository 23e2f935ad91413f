// Package kernelbuild builds the twinstep test kernel and its initial ramdisk
// (make kernel) once per test binary, and the other make-built pieces tests
// need (the KVM probe, the native engine's helper), and parses the kernel's self-test
// report, so every machine that boots the kernel asserts the same results.
package kernelbuild

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

var (
	once                   sync.Once
	kernelPath, initrdPath string
	buildErr               error
)

// Build runs `make -s kernel` in the repository root (once per process) and
// returns the absolute paths of build/kernel.elf and build/initrd.tar.
func Build() (kernel, initrd string, err error) {
	once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			buildErr = err
			return
		}
		out, err := Make(root, "kernel")
		if err != nil {
			buildErr = fmt.Errorf("kernelbuild: make -s kernel in %s: %v\n%s", root, err, out)
			return
		}
		kernelPath = filepath.Join(root, "build", "kernel.elf")
		initrdPath = filepath.Join(root, "build", "initrd.tar")
		for _, p := range []string{kernelPath, initrdPath} {
			if _, err := os.Stat(p); err != nil {
				buildErr = fmt.Errorf("kernelbuild: make -s kernel succeeded but %s is missing: %v", p, err)
				return
			}
		}
	})
	return kernelPath, initrdPath, buildErr
}

// KVMProbe builds build/kvmprobe.elf, the tiny guest TestQEMUKVM runs to
// learn what the host's KVM can execute at CPL 0 (kernel/kvmprobe/probe.S),
// and returns its path.
func KVMProbe() (string, error) { return Target("build/kvmprobe.elf") }

// NativeHelper builds build/twinstep-native, the native engine's helper
// (oracles/native/helper), and returns its path.
func NativeHelper() (string, error) { return Target("build/twinstep-native") }

var (
	targetsMu sync.Mutex
	targets   = map[string]error{}
)

// Target runs `make -s path` in the repository root once per process and
// returns the absolute path of what it built.
func Target(path string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	targetsMu.Lock()
	defer targetsMu.Unlock()
	err, done := targets[path]
	if !done {
		if out, merr := Make(root, path); merr != nil {
			err = fmt.Errorf("kernelbuild: make -s %s in %s: %v\n%s", path, root, merr, out)
		}
		targets[path] = err
	}
	return filepath.Join(root, path), err
}

// Images builds the kernel (see Build) and returns the kernel and initrd
// themselves.
func Images() (kernel, initrd []byte, err error) {
	kpath, ipath, err := Build()
	if err != nil {
		return nil, nil, err
	}
	if kernel, err = os.ReadFile(kpath); err != nil {
		return nil, nil, err
	}
	initrd, err = os.ReadFile(ipath)
	return kernel, initrd, err
}

// Make runs `make -s targets...` in root under an exclusive lock: go test
// runs packages in parallel processes, and two makes in one build
// directory would collide.
func Make(root string, targets ...string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Join(root, "build"), 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(root, "build", ".kernelbuild.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close() // releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("locking %s: %v", lock.Name(), err)
	}
	cmd := exec.Command("make", append([]string{"-s"}, targets...)...)
	cmd.Dir = root
	return cmd.CombinedOutput()
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("kernelbuild: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("kernelbuild: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Test is one self-test line: "[ OK ] name" or "[FAIL] name" followed by
// an indented detail line.
type Test struct {
	Name   string
	Passed bool
	Detail string
}

// Results is the kernel's self-test report.
type Results struct {
	Tests          []Test
	Passed, Failed int // from the final "selftest: N passed, M failed" line
}

// Names lists the tests in the order the kernel ran them.
func (r Results) Names() []string {
	names := make([]string, len(r.Tests))
	for i, t := range r.Tests {
		names[i] = t.Name
	}
	return names
}

var summaryRE = regexp.MustCompile(`^selftest: (\d+) passed, (\d+) failed$`)

// ParseSelftest extracts the self-test report from the console output. It
// fails when the summary line is missing (the kernel crashed or hung) or
// disagrees with the individual lines.
func ParseSelftest(output string) (Results, error) {
	var r Results
	summary := false
	sc := bufio.NewScanner(strings.NewReader(output))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "[ OK ] "):
			r.Tests = append(r.Tests, Test{Name: strings.TrimPrefix(line, "[ OK ] "), Passed: true})
		case strings.HasPrefix(line, "[FAIL] "):
			r.Tests = append(r.Tests, Test{Name: strings.TrimPrefix(line, "[FAIL] ")})
		case strings.HasPrefix(line, "       ") && len(r.Tests) > 0 && !r.Tests[len(r.Tests)-1].Passed &&
			r.Tests[len(r.Tests)-1].Detail == "":
			r.Tests[len(r.Tests)-1].Detail = strings.TrimSpace(line)
		default:
			if m := summaryRE.FindStringSubmatch(line); m != nil {
				r.Passed, _ = strconv.Atoi(m[1])
				r.Failed, _ = strconv.Atoi(m[2])
				summary = true
			}
		}
	}
	if !summary {
		return r, errors.New("kernelbuild: no \"selftest: N passed, M failed\" line in the output (crash or hang?)")
	}
	passed := 0
	for _, t := range r.Tests {
		if t.Passed {
			passed++
		}
	}
	if passed != r.Passed || len(r.Tests)-passed != r.Failed {
		return r, fmt.Errorf("kernelbuild: summary says %d passed, %d failed but %d [ OK ] and %d [FAIL] lines were printed",
			r.Passed, r.Failed, passed, len(r.Tests)-passed)
	}
	return r, nil
}

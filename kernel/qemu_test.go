package kernel_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twinstep/twinstep/internal/kernelbuild"
)

// bootQEMU boots the kernel with the PVH loader and returns the console
// output and QEMU's exit status (isa-debug-exit: (status << 1) | 1).
func bootQEMU(t *testing.T, timeout time.Duration, cmdline string, accel ...string) (string, int, error) {
	t.Helper()
	return bootQEMUInput(t, timeout, cmdline, nil, accel...)
}

// bootQEMUInput is bootQEMU with lines typed at a prompt: each line goes
// to the serial console when the output ends in a prompt ("C:\...>"), as
// a person would type it. (Sent earlier, bytes could reach the UART before
// the kernel has set it up and be lost.)
func bootQEMUInput(t *testing.T, timeout time.Duration, cmdline string, lines []string, accel ...string) (string, int, error) {
	t.Helper()
	kernel, initrd, err := kernelbuild.Build()
	if err != nil {
		t.Fatal(err)
	}
	return runQEMU(t, timeout, append(accel, "-m", "128M", "-kernel", kernel, "-initrd", initrd, "-append", cmdline), lines)
}

// runQEMU runs a q35 machine with the serial console on stdio and the
// debug-exit port, typing lines at prompts. A KVM internal error stops the
// guest but not QEMU: runQEMU ends QEMU once the register dump is out and
// returns errKVMStopped.
func runQEMU(t *testing.T, timeout time.Duration, args, lines []string) (string, int, error) {
	t.Helper()
	qemu, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		t.Fatalf("qemu-system-x86_64 not found: run `make deps` (it installs qemu-system-x86): %v", err)
	}
	args = append([]string{"-machine", "q35", "-nographic", "-no-reboot", "-serial", "stdio", "-monitor", "none",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=4"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	cmd := exec.CommandContext(ctx, qemu, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := &typist{stdin: stdin, lines: lines, kvmStopped: func() { stop(errKVMStopped) }}
	cmd.Stdout = out
	cmd.Stderr = out
	start := time.Now()
	err = cmd.Run()
	t.Logf("qemu %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		return out.String(), -1, context.Cause(ctx)
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode(), nil
	}
	return out.String(), 0, err
}

// typist collects QEMU's output and types the next line whenever the
// output ends in a prompt.
type typist struct {
	mu         sync.Mutex
	out        bytes.Buffer
	stdin      io.WriteCloser
	lines      []string
	kvmStopped func() // called once the output holds a whole KVM internal-error dump
}

var prompt = regexp.MustCompile(`(?m)^[A-Z]:\\[^\r\n]*>$`)

func (w *typist) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(b)
	tail := w.out.Bytes()[max(0, w.out.Len()-256):]
	if len(w.lines) > 0 && prompt.Match(tail[bytes.LastIndexByte(tail, '\n')+1:]) {
		_, _ = io.WriteString(w.stdin, w.lines[0]+"\r")
		w.lines = w.lines[1:]
	}
	if w.kvmStopped != nil && kvmDumpComplete(w.out.Bytes()) {
		w.kvmStopped()
		w.kvmStopped = nil
	}
	return len(b), nil
}

func (w *typist) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}

// check asserts that every self-test passed and QEMU's status says so, and
// returns their names.
func check(t *testing.T, out string, status int) []string {
	t.Helper()
	if status != 1 {
		t.Errorf("QEMU exit status %d, want 1 (debug-exit status 0)", status)
	}
	return checkSelftests(t, out)
}

// checkSelftests asserts that every self-test passed and returns their
// names.
func checkSelftests(t *testing.T, out string) []string {
	t.Helper()
	res, err := kernelbuild.ParseSelftest(out)
	if err != nil {
		t.Fatalf("%v\nconsole output:\n%s", err, out)
	}
	for _, tc := range res.Tests {
		if !tc.Passed {
			t.Errorf("self-test %s failed: %s", tc.Name, tc.Detail)
		}
	}
	if res.Passed == 0 || res.Failed != 0 {
		t.Errorf("selftest: %d passed, %d failed", res.Passed, res.Failed)
	}
	if t.Failed() {
		t.Logf("console output:\n%s", out)
	}
	return res.Names()
}

func TestQEMUTCG(t *testing.T) {
	out, status, err := bootQEMU(t, 2*time.Minute, "selftest", "-accel", "tcg", "-cpu", "max")
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	names := check(t, out, status)
	t.Logf("%d self-tests passed: %s", len(names), strings.Join(names, " "))
}

// TestQEMUCmd runs Wine's cmd.exe on QEMU: the NT layer and our DLLs work
// on a machine nobody here wrote, not only on the emulator.
func TestQEMUCmd(t *testing.T) {
	out, status, err := bootQEMUInput(t, 2*time.Minute, cmdInit,
		[]string{"ver", "mkdir q", "cd q", "echo on qemu > f.txt", "type f.txt", "exit 9"}, "-accel", "tcg", "-cpu", "max")
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	for _, want := range []string{"Microsoft Windows 10.0.19045", `C:\q>type f.txt`, "on qemu", "nt: init exited with status 9"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if status != 9<<1|1 {
		t.Errorf("QEMU exit status %d, want %d (cmd's exit 9)", status, 9<<1|1)
	}
	if t.Failed() {
		t.Logf("console output:\n%s", out)
	}
}

// TestQEMUPanic checks the panic path: an unrecoverable kernel exception
// prints a report and exits with status 3, i.e. QEMU status (3 << 1) | 1.
func TestQEMUPanic(t *testing.T) {
	out, status, err := bootQEMU(t, 2*time.Minute, "crash", "-accel", "tcg", "-cpu", "max")
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	for _, want := range []string{"kernel exception: invalid opcode (vector 6)", "RIP ", "R15 ", "KERNEL PANIC"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "selftest:") {
		t.Error("self-tests ran after the panic")
	}
	if status != 7 {
		t.Errorf("QEMU exit status %d, want 7 (debug-exit status 3)", status)
	}
	if t.Failed() {
		t.Logf("console output:\n%s", out)
	}
}

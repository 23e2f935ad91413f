package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Bad input is a clear error, never a hang, an exhausted memory or a run
// on made-up values: states with signed hex or null, reports that are not
// reports, files without end, negative or out-of-range instruction
// numbers, oversized cases.
func TestInputValidation(t *testing.T) {
	trace := recordLoop(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	state := func(js string) string { return writeFile(t, "state.json", []byte(js)) }
	report := func(js string) string { return writeFile(t, "report.json", []byte(js)) }
	bigCase := writeFile(t, "big.case", []byte(strings.Repeat("# padding to a size no case has\n", 140_000)))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"state 0x-1", []string{"step", "--bytes", "90", "--state", state(`{"rax":"0x-1"}`)}, exitError, `"0x-1" is not a 0x-prefixed hex number`},
		{"state 0x+5", []string{"step", "--bytes", "90", "--state", state(`{"rax":"0x+5"}`)}, exitError, `"0x+5" is not a 0x-prefixed hex number`},
		{"state null", []string{"step", "--bytes", "90", "--state", state(`null`)}, exitError, "null is not a state"},
		{"state from /dev/zero", []string{"step", "--bytes", "90", "--state", "/dev/zero"}, exitError, "/dev/zero is larger than 1 MiB"},
		{"state from a pipe without writer", []string{"step", "--bytes", "90", "--state", fifo}, exitError, "--state " + fifo},
		{"state a directory", []string{"step", "--bytes", "90", "--state", dir}, exitError, "is a directory"},
		{"case too large", []string{"step", "--case", bigCase}, exitError, "is larger than 1 MiB"},
		{"case from /dev/zero", []string{"step", "--case", "/dev/zero"}, exitError, "is larger than 1 MiB"},
		{"report null", []string{"report", report(`null`)}, exitError, "is not a lockstep report: it names no trace"},
		{"report {}", []string{"report", report(`{}`)}, exitError, "is not a lockstep report: it names no trace"},
		{"report a state", []string{"report", report(`{"rax":"0x1"}`)}, exitError, `is not a lockstep report: json: unknown field "rax"`},
		{"report twice", []string{"report", report(`{"Trace":"t","Workers":1} {}`)}, exitError, "more JSON follows"},
		{"report from /dev/zero", []string{"report", "/dev/zero"}, exitError, "/dev/zero is larger than 64 MiB"},
		{"lockstep --case -5", []string{"lockstep", trace, "--case", "-5", "--name", "x"}, exitUsage, "want an instruction number: 0 or more"},
		{"lockstep --case past the end", []string{"lockstep", trace, "--case", "200002", "--name", "x", "--dir", dir}, exitError,
			"--case 200002: the trace has 200002 instructions, numbered from 0"},
		{"lockstep on a pipe", []string{"lockstep", fifo}, exitError, "is not a regular file"},
		{"record a kernel from /dev/zero", []string{"record", "/dev/zero", "-o", filepath.Join(dir, "t.trace")}, exitError,
			"reading the kernel: /dev/zero is larger than 128 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runCmd(t, "", tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("twinstep %s: exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.want)
			}
		})
	}
}

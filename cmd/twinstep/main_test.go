package main

import (
	"fmt"
	"strings"
	"testing"
)

// runCmd runs the command in-process with in as standard input.
func runCmd(t *testing.T, in string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = old }()
	var o, e strings.Builder
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

// tableRow returns the trimmed cells of the table row whose first cell is
// first, or nil.
func tableRow(out, first string) []string {
	for _, l := range strings.Split(out, "\n") {
		cells := strings.Split(l, "│")
		if len(cells) < 3 {
			continue
		}
		cells = cells[1 : len(cells)-1] // the borders
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if cells[0] == first {
			return cells
		}
	}
	return nil
}

func TestDispatch(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		stdout   []string // substrings
		stderr   []string
		noStdout bool
	}{
		{args: nil, code: exitUsage, stderr: []string{"Usage: twinstep COMMAND", "step", "decode", "coverage"}, noStdout: true},
		{args: []string{"help"}, stdout: []string{"Commands:", "step", "decode", "coverage", "version"}},
		{args: []string{"-h"}, stdout: []string{"Commands:"}},
		{args: []string{"--help"}, stdout: []string{"Commands:"}},
		{args: []string{"help", "step"}, stdout: []string{"Usage: twinstep step", "--bytes", "-diff"}},
		{args: []string{"help", "nosuch"}, code: exitUsage, stderr: []string{`unknown command "nosuch"`}},
		{args: []string{"version"}, stdout: []string{"twinstep dev", "unicorn 2.", "golang.org/x/arch"}},
		{args: []string{"--version"}, stdout: []string{"twinstep dev"}},
		{args: []string{"frobnicate"}, code: exitUsage, stderr: []string{`unknown command "frobnicate"`, "twinstep help"}, noStdout: true},
		{args: []string{"step", "-h"}, stdout: []string{"Usage: twinstep step", "Flags:", "-engine", "-seed", "-state"}},
		{args: []string{"decode", "--help"}, stdout: []string{"Usage: twinstep decode", "standard input"}},
		{args: []string{"coverage", "-h"}, stdout: []string{"Usage: twinstep coverage", "-missing", "-fuzzcache"}},
		{args: []string{"mutate", "-h"}, stdout: []string{"Usage: twinstep mutate", "-seed", "-strict", "-detectors"}},
		{args: []string{"mutate", "--list-ops"}, stdout: []string{"extend", "sign and zero extension", "sweeps", "FuzzSemantics"}},
		// Tests run in cmd/twinstep, not at the module root.
		{args: []string{"mutate", "-n", "-3"}, code: exitUsage, stderr: []string{"want 0 (every candidate) or more"}, noStdout: true},
		{args: []string{"mutate", "-n", "1"}, code: exitUsage, stderr: []string{"run it from the twinstep module's root"}, noStdout: true},
		{args: []string{"step", "--nosuch"}, code: exitUsage, stderr: []string{"flag provided but not defined: -nosuch", "twinstep step -h"}, noStdout: true},
		{args: []string{"coverage", "--missing=maybe"}, code: exitUsage, stderr: []string{"invalid boolean value"}, noStdout: true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, errOut, code := runCmd(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if tc.noStdout && out != "" {
				t.Errorf("stdout not empty:\n%s", out)
			}
			if tc.code == exitOK && errOut != "" {
				t.Errorf("stderr not empty on success:\n%s", errOut)
			}
		})
	}
}

func TestParseCode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string // % x of the bytes
		wantErr string
	}{
		{in: "4801d8", want: "48 01 d8"},
		{in: "48 01 D8", want: "48 01 d8"},
		{in: " f3 0f1efa ", want: "f3 0f 1e fa"},
		{in: "0102030405060708090a0b0c0d0e0f", want: "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"},
		{in: "", wantErr: "no instruction bytes"},
		{in: "   ", wantErr: "no instruction bytes"},
		{in: "zz", wantErr: `"zz" is not hex`},
		{in: "480", wantErr: "odd length"},
		{in: "0x90", wantErr: "not hex"},
		{in: "0102030405060708090a0b0c0d0e0f10", wantErr: "16 bytes; an instruction is at most 15"},
	} {
		b, err := parseCode(tc.in)
		switch {
		case tc.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseCode(%q) err = %v, want %q", tc.in, err, tc.wantErr)
			}
		case err != nil:
			t.Errorf("parseCode(%q): %v", tc.in, err)
		default:
			if got := fmt.Sprintf("% x", b); got != tc.want {
				t.Errorf("parseCode(%q) = %s, want %s", tc.in, got, tc.want)
			}
		}
	}
}

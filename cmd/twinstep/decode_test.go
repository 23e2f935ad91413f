package main

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		rows  map[string][]string // bytes -> the other five cells
		err   string              // in stderr
	}{
		{
			name: "arguments",
			args: []string{"4801d8", "f30f1efa", "66e900000000", "d6"},
			rows: map[string][]string{
				"48 01 d8":          {"3", "add rax, rbx", "3", "add rax, rbx", "match"},
				"f3 0f 1e fa":       {"4", "endbr64", "-", "cannot decode", "known x86asm mistake: endbr"},
				"66 e9 00 00 00 00": {"6", "jmp .+0x0", "6", "jmp .+0x0", "match"},
				"d6":                {"-", "undefined opcode D6", "-", "cannot decode", "both undecodable"},
			},
		},
		{
			name: "documented decoder class",
			args: []string{"ce"},
			rows: map[string][]string{"ce": {"1", "into", "-", "cannot decode", "we decode for #UD: into"}},
		},
		{
			name:  "lines on stdin, comments and blanks skipped",
			stdin: "# a comment\n4801d8\n\n  0f 05   # syscall\n",
			rows: map[string][]string{
				"48 01 d8": {"3", "add rax, rbx", "3", "add rax, rbx", "match"},
				"0f 05":    {"2", "syscall", "2", "syscall", "match"},
			},
		},
		{
			name: "a bad argument fails but the others print",
			args: []string{"zz", "90", strings.Repeat("90", 16)},
			code: exitError,
			rows: map[string][]string{"90": {"1", "nop", "1", "nop", "match"}},
			err:  `"zz" is not hex bytes`,
		},
		{
			name:  "nothing to decode",
			stdin: "# only a comment\n",
			code:  exitError,
			err:   "no encodings given",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, tc.stdin, append([]string{"decode"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errOut)
			}
			if !strings.Contains(errOut, tc.err) {
				t.Errorf("stderr %q lacks %q", errOut, tc.err)
			}
			if tc.err == "" && errOut != "" {
				t.Errorf("unexpected stderr %q", errOut)
			}
			for b, want := range tc.rows {
				got := tableRow(out, b)
				if strings.Join(got, "|") != b+"|"+strings.Join(want, "|") {
					t.Errorf("row %s = %q, want %q", b, got, want)
				}
			}
			if n := strings.Count(out, "\n") - 4; len(tc.rows) > 0 && n != len(tc.rows) {
				t.Errorf("%d rows, want %d:\n%s", n, len(tc.rows), out)
			}
			if len(tc.rows) == 0 && out != "" {
				t.Errorf("stdout not empty:\n%s", out)
			}
		})
	}
}

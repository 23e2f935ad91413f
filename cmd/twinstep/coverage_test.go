package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
)

func TestParseFuzzInput(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // % x of the code
		err      string
	}{
		{name: "as go writes it", in: "go test fuzz v1\n[]byte(\"H\\x01\\xd8\")\nuint64(42)\n", want: "48 01 d8"},
		{name: "raw string, hex seed, CRLF", in: "go test fuzz v1\r\n[]byte(`\x90`)\r\nuint64(0x10)\r\n", want: "90"},
		{name: "blank lines and spaces", in: "go test fuzz v1\n\n  []byte(\"\\x0f\\x05\")  \n\nuint64(1_000)", want: "0f 05"},
		{name: "empty code", in: "go test fuzz v1\n[]byte(\"\")\nuint64(0)\n", want: ""},
		{name: "no header", in: "[]byte(\"\\x90\")\nuint64(1)\n", err: "not a Go fuzz input"},
		{name: "other version", in: "go test fuzz v2\n[]byte(\"\\x90\")\nuint64(1)\n", err: "not a Go fuzz input"},
		{name: "empty file", in: "", err: "not a Go fuzz input"},
		{name: "one value", in: "go test fuzz v1\n[]byte(\"\\x90\")\n", err: "1 values"},
		{name: "three values", in: "go test fuzz v1\n[]byte(\"\\x90\")\nuint64(1)\nuint64(2)\n", err: "3 values"},
		{name: "string, not []byte", in: "go test fuzz v1\nstring(\"\\x90\")\nuint64(1)\n", err: "want a []byte value"},
		{name: "int seed", in: "go test fuzz v1\n[]byte(\"\\x90\")\nint(1)\n", err: "want a uint64 value"},
		{name: "bad quoting", in: "go test fuzz v1\n[]byte(\"\\x9\")\nuint64(1)\n", err: "invalid syntax"},
		{name: "unclosed", in: "go test fuzz v1\n[]byte(\"\\x90\"\nuint64(1)\n", err: "no closing parenthesis"},
		{name: "negative seed", in: "go test fuzz v1\n[]byte(\"\\x90\")\nuint64(-1)\n", err: "invalid syntax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, err := parseFuzzInput(tc.in)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("err = %v, want %q", err, tc.err)
				}
			case err != nil:
				t.Error(err)
			case fmt.Sprintf("% x", code) != tc.want:
				t.Errorf("code % x, want %s", code, tc.want)
			}
		})
	}
}

// inputDirs writes one input of each source into temp dirs and returns the
// coverage flags naming them.
func inputDirs(t *testing.T, files map[string]map[string]string) []string {
	t.Helper()
	var args []string
	for _, flag := range []string{"corpus", "fuzzcorpus", "fuzzcache", "seeds"} {
		dir := t.TempDir()
		for name, text := range files[flag] {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		args = append(args, "--"+flag, dir)
	}
	return args
}

func formByKey(t *testing.T, key string) *decoder.Form {
	t.Helper()
	for _, f := range decoder.Forms {
		if f.Key() == key {
			return f
		}
	}
	t.Fatalf("no form %q", key)
	return nil
}

var goodInputs = map[string]map[string]string{
	"corpus": {"add.case": "# why\nbytes: 48 01 d8\nseed: 1\noracle: unicorn\nexpect: match\nstate: {}\n"},
	"fuzzcorpus": {
		"0001": "go test fuzz v1\n[]byte(\"\\x0f\\x05\")\nuint64(3)\n",
		"0002": "go test fuzz v1\n[]byte(\"\\xd6\")\nuint64(3)\n", // decodes to no form
	},
	"fuzzcache": {
		"a": "go test fuzz v1\n[]byte(\"\\xc3\")\nuint64(9)\n",
		"b": "go test fuzz v1\n[]byte(\"\\x90\")\n", // an older signature
	},
	"seeds": {"x.hex": "# oracle-checked\n4801d8  # add\n\n90\n", "ignored.txt": "zz\n"},
}

// goodExercised are the forms goodInputs' decodable inputs decode to.
var goodExercised = map[string]bool{"01 add Ev,Gv": true, "0F 05 syscall": true, "C3 ret": true, "90 nop": true}

func TestCoverage(t *testing.T) {
	out, errOut, code := runCmd(t, "", append([]string{"coverage"}, inputDirs(t, goodInputs)...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "warning: skipped") || !strings.Contains(errOut, "1 values") {
		t.Errorf("no warning for the stale fuzz cache input: %q", errOut)
	}
	yes := func(f *decoder.Form) string { return yesNo(cpu.Implemented(f)) }
	for key, want := range map[string][]string{
		"01 add Ev,Gv":          {"yes", "yes", "2", "regressions, seeds"},
		"0F 05 syscall":         {yes(formByKey(t, "0F 05 syscall")), "yes", "1", "fuzz corpus"},
		"C3 ret":                {"yes", "yes", "1", "fuzz cache"},
		"90 nop":                {"yes", "yes", "1", "seeds"},
		"03 add Gv,Ev":          {"yes", "no", "0", ""},
		"00 evex":               {yes(formByKey(t, "00 evex")), "no", "0", ""},
		"F3 0F B8 popcnt Gv,Ev": {yes(formByKey(t, "F3 0F B8 popcnt Gv,Ev")), "no", "0", ""},
	} {
		got := tableRow(out, key)
		if strings.Join(got, "|") != key+"|"+strings.Join(want, "|") {
			t.Errorf("row %s = %q, want %q", key, got, want)
		}
	}
	if n := strings.Count(out, "\n") - 6; n != len(decoder.Forms) {
		t.Errorf("%d rows, want one per form (%d)", n, len(decoder.Forms))
	}
	if !strings.Contains(out, "inputs: 1 regressions, 2 fuzz corpus, 1 fuzz cache, 2 seeds; 1 decode to no form\n") {
		t.Errorf("inputs line wrong:\n%s", lastLines(out, 2))
	}
	impl, unexercised := 0, 0
	for _, f := range decoder.Forms {
		if cpu.Implemented(f) {
			impl++
			if !goodExercised[f.Key()] {
				unexercised++
			}
		}
	}
	want := fmt.Sprintf("forms: %d total, %d implemented, 4 exercised against an oracle, %d implemented but never exercised\n",
		len(decoder.Forms), impl, unexercised)
	if !strings.HasSuffix(out, want) {
		t.Errorf("summary:\n%s\nwant\n%s", lastLines(out, 1), want)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

func TestCoverageMissing(t *testing.T) {
	out, errOut, code := runCmd(t, "", append([]string{"coverage", "--missing"}, inputDirs(t, goodInputs)...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows := 0
	for _, f := range decoder.Forms {
		row := tableRow(out, f.Key())
		wantRow := !cpu.Implemented(f) || !goodExercised[f.Key()]
		if (row != nil) != wantRow {
			t.Errorf("%s: listed %v, want %v", f.Key(), row != nil, wantRow)
		}
		if wantRow {
			rows++
		}
	}
	if n := strings.Count(out, "\n") - 6; n != rows {
		t.Errorf("%d rows, want %d", n, rows)
	}
	if !strings.Contains(out, "forms: ") {
		t.Error("no summary line with --missing")
	}
}

// With no directory flags the defaults come from the repository root, found
// from this package's directory: the committed regression corpus counts.
func TestCoverageDefaults(t *testing.T) {
	cases, err := corpus.Load(filepath.Join(repoRoot(), corpus.Dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("the repository has no regression cases to count")
	}
	out, errOut, code := runCmd(t, "", "coverage", "--fuzzcache", t.TempDir())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if want := fmt.Sprintf("inputs: %d regressions,", len(cases)); !strings.Contains(out, want) {
		t.Errorf("want %q in:\n%s", want, lastLines(out, 2))
	}
}

func TestCoverageErrors(t *testing.T) {
	bad := func(flag, name, text string) []string {
		in := map[string]map[string]string{flag: {name: text}}
		return inputDirs(t, in)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing dir given", []string{"--seeds", filepath.Join(t.TempDir(), "none")}, exitError, "--seeds:"},
		{"bad committed fuzz input", bad("fuzzcorpus", "x", "go test fuzz v1\nint(1)\n"), exitError, "fuzz corpus:"},
		{"bad seed line", bad("seeds", "s.hex", "4801d8\nnot hex\n"), exitError, `seeds:`},
		{"bad regression case", bad("corpus", "c.case", "bytes: zz\n"), exitError, "regressions:"},
		{"argument", []string{"extra"}, exitUsage, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, "", append([]string{"coverage"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("stdout not empty:\n%s", lastLines(out, 3))
			}
		})
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// bswapCode swaps a word and ends the run with a status from it.
var bswapCode = []byte{
	0xb8, 0x44, 0x33, 0x22, 0x11, // mov eax, 0x11223344
	0x0f, 0xc8, // bswap eax
	0x83, 0xc0, 0x01, // add eax, 1
	0xe7, 0xf4, // out 0xf4, eax
	0xf4, // hlt
}

// The whole pipeline on a tiny kernel: record with BSWAP switched off,
// inspect, export, replay (which names the missing BSWAP and exits 3),
// render the saved report, and turn the BSWAP into a case that step
// reproduces.
func TestRecordLockstepReport(t *testing.T) {
	dir := t.TempDir()
	kernel := writeFile(t, "kernel", tinyKernel(0x100000, bswapCode))
	trace := filepath.Join(dir, "tiny.trace")
	runOK := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != want {
			t.Fatalf("twinstep %s: status %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		return out.String()
	}
	out := runOK(exitOK, "record", kernel, "--disable", "BSWAP", "-o", trace)
	if !strings.Contains(out, "recorded 4 instructions (1 by the oracle)") {
		t.Fatalf("record said:\n%s", out)
	}
	if out := runOK(exitOK, "trace", "info", trace); !regexp.MustCompile(`executed by the oracle +│ 1 `).MatchString(out) {
		t.Fatalf("trace info:\n%s", out)
	}
	tenet := filepath.Join(dir, "tiny.tenet")
	runOK(exitOK, "trace", "export", "--tenet", trace, "-o", tenet)
	if b, _ := os.ReadFile(tenet); bytes.Count(b, []byte("\n")) != 4 || !bytes.Contains(b, []byte("rax=0x44332211")) {
		t.Fatalf("tenet export:\n%s", b)
	}
	html, js := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.json")
	out = runOK(exitUnexplained, "lockstep", trace, "--html", html, "--json", js, "--workers", "1")
	if !strings.Contains(out, "bswap") || !strings.Contains(out, "1 unexplained") {
		t.Fatalf("lockstep said:\n%s", out)
	}
	for _, p := range []string{html, js} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("%s: %v", p, err)
		}
	}
	html2 := filepath.Join(dir, "r2.html")
	if out := runOK(exitOK, "report", js, "-o", html2); !strings.Contains(out, "bswap") {
		t.Fatalf("report said:\n%s", out)
	}
	a, _ := os.ReadFile(html)
	b, _ := os.ReadFile(html2)
	if !bytes.Equal(a, b) {
		t.Fatal("the report rendered from JSON differs from the one lockstep wrote")
	}
	out = runOK(exitOK, "lockstep", trace, "--case", "1", "--name", "tiny-bswap", "--dir", dir)
	if !strings.Contains(out, "checked now: match") {
		t.Fatalf("lockstep --case said:\n%s", out)
	}
	out = runOK(exitOK, "step", "--case", filepath.Join(dir, "tiny-bswap.case"), "--diff")
	if !strings.Contains(out, "bswap eax") || !strings.Contains(out, "verdict: match") {
		t.Fatalf("step --case said:\n%s", out)
	}
}

func TestLockstepErrors(t *testing.T) {
	dir := t.TempDir()
	junk := writeFile(t, "junk.trace", []byte("not a trace at all, but long enough"))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lockstep"}, exitUsage, "want one TRACE"},
		{[]string{"lockstep", junk}, exitError, "not a twinstep trace"},
		{[]string{"lockstep", filepath.Join(dir, "none.trace")}, exitError, "no such file"},
		{[]string{"record", "k"}, exitUsage, "-o FILE is required"},
		{[]string{"trace", "export", junk}, exitError, "not a twinstep trace"},
		{[]string{"trace"}, exitUsage, "subcommand"},
		{[]string{"report", junk}, exitError, "not a lockstep report"},
	} {
		var out, errb bytes.Buffer
		if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("twinstep %v: status %d (%s), want %d and %q", tc.args, code, errb.String(), tc.code, tc.want)
		}
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/oracles/native"
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
	// Each reference's count: the recording and Unicorn checked the two
	// moves and adds (BSWAP is missing, OUT reaches a device); silicon
	// none, as the tiny kernel runs at CPL 0.
	if !regexp.MustCompile(`│ recording +│ 2 +│ 50.0% +│\n│ unicorn +│ 2 +│ 50.0% +│\n│ silicon +│ 0 +│ 0.0% +│`).MatchString(out) {
		t.Fatalf("lockstep's checked-by table:\n%s", out)
	}
	out = runOK(exitUnexplained, "lockstep", trace, "--workers", "1", "--native", "off")
	if !strings.Contains(out, "silicon  not used: turned off\n") {
		t.Fatalf("lockstep --native off said:\n%s", out)
	}
	if err := native.Supported(); err != nil {
		t.Logf("no silicon on this host (%v): --native on is not tried", err)
	} else {
		if _, err := kernelbuild.NativeHelper(); err != nil {
			t.Fatal(err)
		}
		out = runOK(exitUnexplained, "lockstep", trace, "--workers", "1", "--native", "on", "--native-first", "0", "--native-every", "8")
		if !regexp.MustCompile(`silicon  \S.*; ring-3 sample: none by form and every 8th instruction\n`).MatchString(out) ||
			!regexp.MustCompile(`│ replayed +│ 0 +│ - +│`).MatchString(out) {
			t.Fatalf("lockstep --native on said:\n%s", out)
		}
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
	if !strings.Contains(out, "checked now: match") || !strings.Contains(out, "oracle unicorn") {
		t.Fatalf("lockstep --case said:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "tiny-bswap.case")); !bytes.Contains(b, []byte("\noracle: unicorn\n")) {
		t.Fatalf("a CPL 0 instruction is Unicorn's to decide:\n%s", b)
	}
	out = runOK(exitOK, "step", "--case", filepath.Join(dir, "tiny-bswap.case"), "--diff")
	if !strings.Contains(out, "bswap eax") || !strings.Contains(out, "verdict: match") {
		t.Fatalf("step --case said:\n%s", out)
	}
}

// A lockstep case is judged as 'corpus add' judges one: by silicon where
// the host can run the instruction (the case then names it, and the
// emulator's profile), by Unicorn otherwise (a kernel instruction).
func TestJudgeCase(t *testing.T) {
	silicon := native.Supported() == nil
	if silicon {
		if _, err := kernelbuild.NativeHelper(); err != nil {
			t.Fatal(err)
		}
	}
	user := arch.Flat64()
	user.RIP, user.GPR[arch.RAX], user.GPR[arch.RBX] = 0x400000, 0x7fffffffffffffff, 1
	kernel := user
	kernel.CPL = 0
	for _, tc := range []struct {
		name        string
		state       arch.State
		oracle, cpu string
	}{
		{"ring 3", user, "native", cpu.ProfileForVendor(hostVendor(t)).Name},
		{"ring 0", kernel, "unicorn", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !silicon {
				tc.oracle, tc.cpu = "unicorn", "" // no silicon on this host: Unicorn decides all
			}
			c := corpus.Case{Bytes: []byte{0x48, 0x01, 0xd8}, State: tc.state} // add rax, rbx
			verdict, agreement, err := judgeCase(&c)
			if err != nil {
				t.Fatal(err)
			}
			if verdict != "match" || c.Expect != "match" || c.Oracle != tc.oracle || c.CPU != tc.cpu {
				t.Fatalf("%s (%s): oracle %q cpu %q expect %q, want a match decided by %s, cpu %q", verdict, agreement,
					c.Oracle, c.CPU, c.Expect, tc.oracle, tc.cpu)
			}
			text := corpus.Format(c)
			if !strings.Contains(text, "oracle: "+tc.oracle+"\n") {
				t.Fatalf("the case says:\n%s", text)
			}
		})
	}
}

// hostVendor is the host CPU's vendor as the native engine reads it.
func hostVendor(t *testing.T) string {
	t.Helper()
	if native.Supported() != nil {
		return ""
	}
	e, err := native.NewFound()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	return e.Host().Vendor
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
		{[]string{"lockstep", junk, "--native", "sometimes"}, exitUsage, "want auto, on or off"},
		{[]string{"lockstep", junk, "--native-every", "0"}, exitUsage, "want auto, on or off, and 1 or more"},
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

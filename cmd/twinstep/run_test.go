package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/emulator/machine"
)

// tinyKernel is an ELF64 kernel of one executable segment at base
// (identity-mapped) holding code, which is also the entry.
func tinyKernel(base uint64, code []byte) []byte {
	b := make([]byte, 64+56)
	copy(b, "\x7fELF\x02\x01\x01")
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)  // ET_EXEC
	le.PutUint16(b[18:], 62) // x86-64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], base)
	le.PutUint64(b[32:], 64)
	le.PutUint16(b[52:], 64)
	le.PutUint16(b[54:], 56)
	le.PutUint16(b[56:], 1)
	p := b[64:]
	le.PutUint32(p[0:], 1)     // PT_LOAD
	le.PutUint32(p[4:], 1|4)   // R X
	le.PutUint64(p[8:], 64+56) // the code follows the headers
	le.PutUint64(p[16:], base)
	le.PutUint64(p[24:], base)
	le.PutUint64(p[32:], uint64(len(code)))
	le.PutUint64(p[40:], uint64(len(code)))
	return append(b, code...)
}

// hiCode writes "hi" to COM1 and ends the run with status 5.
var hiCode = []byte{
	0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
	0xb0, 'h', 0xee, // mov al, 'h'; out dx, al
	0xb0, 'i', 0xee, // mov al, 'i'; out dx, al
	0xb8, 0x05, 0x00, 0x00, 0x00, // mov eax, 5
	0xe7, 0xf4, // out 0xf4, eax
	0xf4, // hlt, should the exit not happen
}

// writeFile writes b to a new file and returns its path.
func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunErrors(t *testing.T) {
	good := writeFile(t, "kernel", tinyKernel(0x100000, hiCode))
	junk := writeFile(t, "junk", []byte("not a kernel"))
	high := writeFile(t, "high", tinyKernel(3<<20, hiCode))
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no kernel", nil, exitUsage, "want one KERNEL file, got 0 arguments"},
		{"two kernels", []string{good, good}, exitUsage, "got 2 arguments"},
		{"unknown flag", []string{good, "--nosuch"}, exitUsage, "flag provided but not defined: -nosuch"},
		{"bad memory", []string{"--memory", "0", good}, exitUsage, "--memory 0: want a positive size"},
		{"missing kernel", []string{filepath.Join(t.TempDir(), "nope")}, exitError, "reading the kernel: open "},
		{"missing initrd", []string{good, "--initrd", filepath.Join(t.TempDir(), "nope")}, exitError, "reading the initrd: open "},
		{"malformed kernel", []string{junk}, exitGuestFailed, "cannot boot " + junk + ": not an ELF file"},
		{"kernel beyond RAM", []string{high, "--memory", "2"}, exitGuestFailed, "physical range [0x300000, 0x300012) is beyond RAM"},
		{"too little memory", []string{good, "--memory", "1"}, exitGuestFailed, "memory size 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, "", append([]string{"run"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.stderr)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	out, _, code := runCmd(t, "", "run", "-h")
	for _, s := range []string{"Usage: twinstep run KERNEL", "-initrd", "-cmdline", "-memory", "-max-instructions", "Ctrl-A x"} {
		if code != exitOK || !strings.Contains(out, s) {
			t.Errorf("exit %d, help lacks %q:\n%s", code, s, out)
		}
	}
}

// TestRunBoot boots a kernel that prints "hi" and exits with status 5.
func TestRunBoot(t *testing.T) {
	k := writeFile(t, "kernel", tinyKernel(0x100000, hiCode))
	out, errOut, code := runCmd(t, "typed input\n", "run", k, "--memory", "8", "--cmdline", "quiet", "--max-instructions", "1000")
	if out != "hi" || code != 5 {
		t.Errorf("stdout %q, exit %d; want \"hi\" and 5\nstderr: %s", out, code, errOut)
	}
	if !strings.Contains(errOut, "twinstep: debug exit status 5 after ") || !strings.Contains(errOut, " MIPS)") {
		t.Errorf("stderr %q", errOut)
	}
}

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		exit   machine.Exit
		code   int
		stderr []string
	}{
		{machine.Exit{Reason: machine.DebugExit, Status: 0, Instructions: 1234567}, 0,
			[]string{"twinstep: debug exit status 0 after 1,234,567 instructions in 2.000 s (0.6 MIPS)\n",
				"twinstep: final state 0000000000000000 (3 non-zero pages)\n"}},
		{machine.Exit{Reason: machine.DebugExit, Status: 300}, 255, []string{"status 300 after 0 instructions"}},
		{machine.Exit{Reason: machine.TripleFault, Instructions: 12, Detail: "#GP at 0x100000"}, exitGuestFailed,
			[]string{machine.TripleFault.String() + " after 12 instructions", "twinstep: #GP at 0x100000\n"}},
		{machine.Exit{Reason: machine.InstructionLimit, Instructions: 1000}, exitGuestFailed, []string{"after 1,000 instructions"}},
	} {
		var e strings.Builder
		f := machine.Fingerprint{NonZeroPages: 3}
		if code := report(tc.exit, 2*time.Second, f, &e); code != tc.code {
			t.Errorf("%+v: exit %d, want %d", tc.exit, code, tc.code)
		}
		for _, s := range tc.stderr {
			if !strings.Contains(e.String(), s) {
				t.Errorf("%+v: stderr %q lacks %q", tc.exit, e.String(), s)
			}
		}
	}
}

func TestCommas(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567",
		18446744073709551615: "18,446,744,073,709,551,615"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEscaper(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		out    string
		quit   bool
	}{
		{"plain", []string{"ls\r"}, "ls\r", false},
		{"quit", []string{"ab\x01xcd"}, "ab", true},
		{"quit across reads", []string{"ab\x01", "x"}, "ab", true},
		{"literal Ctrl-A", []string{"\x01\x01x"}, "\x01x", false},
		{"Ctrl-A then another key", []string{"\x01c"}, "\x01c", false},
		{"x alone", []string{"x"}, "x", false},
	} {
		var e escaper
		var out []byte
		quit := false
		for _, c := range tc.chunks {
			b, q := e.filter([]byte(c))
			out = append(out, b...)
			if q {
				quit = true
				break
			}
		}
		if string(out) != tc.out || quit != tc.quit {
			t.Errorf("%s: %q quit=%v, want %q quit=%v", tc.name, out, quit, tc.out, tc.quit)
		}
	}
}

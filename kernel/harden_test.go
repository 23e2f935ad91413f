package kernel_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/emulator/machine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
)

// hardenSession types commands at cmd.exe (the last one must be "exit N")
// and checks that each want string follows in the console output, in
// order, that the kernel never panicked and that cmd ended with status N:
// the kernel survived whatever the commands did.
func hardenSession(t *testing.T, status uint32, steps ...[2]string) string {
	t.Helper()
	return hardenSessionMiB(t, 0, status, steps...)
}

// hardenSessionMiB is hardenSession on a machine with mib MiB of RAM (0: the default).
func hardenSessionMiB(t *testing.T, mib int, status uint32, steps ...[2]string) string {
	t.Helper()
	var script strings.Builder
	for _, s := range steps {
		script.WriteString(s[0] + "\r")
	}
	text, _, exit := bootConfig(t, machine.Config{Cmdline: cmdInit, Script: []byte(script.String()), MemoryMiB: mib})
	if strings.Contains(text, "KERNEL PANIC") || exit.Reason != machine.DebugExit || exit.Status != status {
		t.Errorf("run ended with %v (%s) status %d, want debug exit %d (cmd's exit)", exit.Reason, exit.Detail, exit.Status, status)
	}
	pos := 0
	for _, s := range steps {
		j := strings.Index(text[pos:], s[1])
		if j < 0 {
			t.Errorf("after %q: %q not found", s[0], s[1])
			continue
		}
		pos += j + len(s[1])
	}
	if t.Failed() {
		t.Logf("console output:\n%s", text)
	} else {
		for _, l := range strings.Split(text, "\r\n") {
			if strings.HasPrefix(l, "harden ") || strings.HasPrefix(l, "hostile:") || strings.Contains(l, "unhandled exception") {
				t.Log(l)
			}
		}
	}
	return text
}

// Issue 11 item 1: a thread start outside user space (non-canonical or
// kernel) is refused; the IRETQ to it used to fault in ring 0.
func TestHardenBadThreadStart(t *testing.T) {
	hardenSession(t, 0,
		[2]string{"harden.exe thread", "harden thread: c000000d c000000d"},
		[2]string{"exit 0", ""})
}

// Issue 11 item 4: creators probe their out-handle pointers before
// creating anything: no thread runs, no process starts, nothing leaks.
func TestHardenOutPointers(t *testing.T) {
	text := hardenSession(t, 0,
		[2]string{"harden.exe outptr", "harden outptr: c0000005 c0000005 c0000005 c0000005 ran=0"},
		[2]string{"exit 0", ""})
	if strings.Contains(text, "[leaked]") {
		t.Errorf("a process created with a bad out-handle ran")
	}
}

// Issue 11 item 7: int3 is STATUS_BREAKPOINT at the int3 itself; a free
// with a wrapping size fails; an image whose import directory lies outside
// it is refused.
func TestHardenBreakpoint(t *testing.T) {
	text := hardenSession(t, 0,
		[2]string{"harden.exe int3", "harden int3: at "},
		[2]string{"echo level=%ERRORLEVEL%", "level=-2147483645"},
		[2]string{"exit 0", ""})
	i := strings.Index(text, "harden int3: at ")
	if i < 0 {
		return
	}
	at := fmt.Sprintf("%016s", strings.ToUpper(strings.TrimLeft(strings.Fields(text[i+len("harden int3: at "):])[0], "0")))
	if !strings.Contains(text, "unhandled exception 0x80000003 (breakpoint) at 0x"+at) {
		t.Errorf("no breakpoint reported at the int3 (%s):\n%s", at, text)
	}
}

func TestHardenFreeWrap(t *testing.T) {
	hardenSession(t, 0,
		[2]string{"harden.exe freewrap", "harden freewrap: 00000000 c000000d c000000d"},
		[2]string{"exit 0", ""})
}

func TestHardenImportOutside(t *testing.T) {
	hardenSession(t, 0,
		[2]string{"harden.exe image", "harden image: c000007b"},
		[2]string{"exit 0", ""})
}

// Issue 11 item 3: FS and GS bases are per thread: a child leaving its GS
// base changed does not break cmd.exe, and an FS base set by one program is
// not seen by the next.
func TestHardenFSGSBase(t *testing.T) {
	hardenSession(t, 0,
		[2]string{"harden.exe gs", "harden gs: exiting"},
		[2]string{"echo level=%ERRORLEVEL%", "level=7"},
		[2]string{"harden.exe fsset", "harden fsset: done"},
		[2]string{"harden.exe fsget", "harden fsget: 0\r\n"},
		[2]string{"exit 0", ""})
}

// Issue 11 item 2: running out of memory is the user's problem. A commit
// past the process's limit fails with STATUS_COMMITMENT_LIMIT; threads stop
// at a status (the limit of 256 per process, or memory); processes
// committing and touching all they can end by STATUS_NO_MEMORY, and cmd.exe
// goes on; also with 24 MiB.
func TestHardenMemory(t *testing.T) {
	for _, mib := range []int{0, 24} {
		text := hardenSessionMiB(t, mib, 0,
			[2]string{"harden.exe commit", "harden commit: c0000017 c000012d"},
			[2]string{"harden.exe threads", "harden threads: "},
			[2]string{"harden.exe eaters", "harden eaters: "},
			[2]string{"echo alive", "alive"},
			[2]string{"exit 0", ""})
		if i := strings.Index(text, "harden threads: "); i < 0 || !strings.Contains(strings.SplitN(text[i:], "\r", 2)[0], "created, then c0000") || mib == 0 && !strings.Contains(text[i:], "255 created, then c0000017") {
			t.Errorf("%d MiB: threads did not stop at the per-process limit", mib)
		}
		if i := strings.Index(text, "harden eaters: "); i < 0 || !strings.Contains(strings.SplitN(text[i:], "\r", 2)[0], "c0000017") {
			t.Errorf("%d MiB: no memory eater ran out of memory", mib)
		}
	}
}

// Issue 11 item 6: Ctrl+C (0x03 on the UART) ends a program spinning in
// user mode with STATUS_CONTROL_C_EXIT; cmd.exe, waiting for it, goes on;
// a program with a console control handler survives.
func TestHardenCtrlC(t *testing.T) {
	k, rd, err := kernelbuild.Images()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m, err := machine.New(machine.Config{Kernel: k, Initrd: rd, Cmdline: cmdInit, Console: &out})
	if err != nil {
		t.Fatal(err)
	}
	// runUntilN runs the machine in slices until want appears n times on the console.
	runUntilN := func(want string, n int) {
		t.Helper()
		for i := 0; i < 500 && strings.Count(out.String(), want) < n; i++ {
			if exit, err := m.Run(1_000_000); err != nil || exit.Reason != machine.InstructionLimit {
				t.Fatalf("run ended with %v (%s) before %q:\n%s", exit.Reason, exit.Detail, want, out.String())
			}
		}
		if strings.Count(out.String(), want) < n {
			t.Fatalf("%q did not appear %d times:\n%s", want, n, out.String())
		}
	}
	runUntil := func(want string) { t.Helper(); runUntilN(want, 1) }
	runUntil(`C:\>`) // input sent before the UART is set up would be lost
	m.SendSerial([]byte("harden.exe spin\r"))
	runUntil("harden spin: spinning")
	m.Run(5_000_000) // well into the loop
	m.SendSerial([]byte{3})
	runUntil("ended by Ctrl+C")
	m.SendSerial([]byte("echo level=%ERRORLEVEL%\rharden.exe handler\r"))
	runUntil("harden handler: spinning")
	m.SendSerial([]byte{3})
	runUntil("harden handler: survived")
	// The same from the PS/2 keyboard (set 2: Ctrl, C, C and Ctrl released).
	m.SendSerial([]byte("harden.exe spin\r"))
	runUntilN("harden spin: spinning", 2)
	m.Run(5_000_000)
	m.SendKeys([]byte{0x14, 0x21, 0xF0, 0x21, 0xF0, 0x14})
	runUntilN("ended by Ctrl+C", 2)
	m.SendSerial([]byte("exit 5\r"))
	exit, err := m.Run(bootLimit)
	text := out.String()
	if err != nil || exit.Reason != machine.DebugExit || exit.Status != 5 || strings.Contains(text, "KERNEL PANIC") {
		t.Errorf("run ended with %v (%s) status %d, want debug exit 5:\n%s", exit.Reason, exit.Detail, exit.Status, text)
	}
	if !strings.Contains(text, "level=-1073741510") {
		t.Errorf("the spinning program did not end with STATUS_CONTROL_C_EXIT:\n%s", text)
	}
}

// The hostile-program test (issue 11): hostile.exe makes thousands of
// random system calls with hostile arguments, for a few fixed seeds; the
// kernel must answer every one, so each run prints its completion line and
// cmd.exe goes on to exit normally. Deterministic: the same calls every run.
func TestHostileSyscalls(t *testing.T) {
	steps := [][2]string{}
	for _, seed := range []string{"1", "2", "3", "4"} {
		steps = append(steps, [2]string{"hostile.exe " + seed + " 3000", "hostile: seed " + seed + ": 3000 calls, "})
	}
	steps = append(steps, [2]string{"echo alive", "alive"}, [2]string{"exit 0", ""})
	hardenSession(t, 0, steps...)
}

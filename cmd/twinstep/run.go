package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/twinstep/twinstep/emulator/machine"
)

const runHelp = `Usage: twinstep run KERNEL [--initrd FILE] [--cmdline TEXT] [--memory MiB] [--max-instructions N]
                    [--type TEXT]... [--script FILE] [--unimplemented ud|stop]

Boots KERNEL, an ELF64 x86-64 kernel following boot protocol 1
(docs/BOOT.md), on the emulated machine. The serial console (COM1) is
standard output; standard input is its keyboard. On a terminal, input is
raw (every key goes to the guest) and Ctrl-A x quits; otherwise input is
read to its end, and once the guest has read it all and waits for more the
run ends ("input exhausted"), as after a script.

--type and --script make the session deterministic: their text is typed a
line at a time, each line when the guest idles with everything before it
read, so the same kernel and script replay instruction for instruction
(the final state hash printed at the end is the same). --type takes Go
escapes ('ver\r', '\x1b'); a --script file's newlines are typed as Enter
(CR). With a script, standard input is read only from a terminal, after
the script. A scripted run that waits for input after the script is used
up ends ("input exhausted").

An instruction the emulator does not implement raises #UD in the guest, as
a processor without it would, with a note on standard error
(--unimplemented ud, the default); --unimplemented stop ends the run there
instead, naming the instruction (what record, lockstep and the tests do).

When the run ends, a line on standard error says how, after how many
instructions and how fast. The exit status is the guest's debug-exit status
(port 0xf4, at most 255); 2 if the kernel could not be loaded or the run
ended any other way (triple fault, halted for good, unimplemented
instruction, internal error, instruction limit); 1 if a file could not be
read.
`

// exitGuestFailed is the status of a run that did not end in a debug exit.
const exitGuestFailed = 2

func runRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("run", runHelp)
	mf := addMachineFlags(fs)
	unimpl := fs.String("unimplemented", "ud", "what an instruction the emulator lacks does: `ud` (#UD in the guest) or stop (end the run)")
	pos, ok, code := parseInterspersed(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "twinstep run: want one KERNEL file, got %d arguments (run 'twinstep run -h')\n", len(pos))
		return exitUsage
	}
	if *unimpl != "ud" && *unimpl != "stop" {
		fmt.Fprintf(stderr, "twinstep run: --unimplemented %q: want ud or stop\n", *unimpl)
		return exitUsage
	}
	in, err := mf.load(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "twinstep run: %v\n", err)
		if *mf.memory <= 0 {
			return exitUsage
		}
		return exitError
	}
	m, err := machine.New(machine.Config{Kernel: in.kernel, Initrd: in.initrd, Cmdline: *mf.cmdline, MemoryMiB: *mf.memory,
		Console: stdout, Script: in.script, CPU: in.cpu, UnimplementedUD: *unimpl == "ud", Log: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "twinstep run: cannot boot %s: %v\n", pos[0], err)
		return exitGuestFailed
	}
	return boot(m, *mf.limit, in.script != nil, stderr)
}

// boot runs the machine with standard input as its console input and
// reports how the run ended.
func boot(m *machine.Machine, limit uint64, scripted bool, stderr io.Writer) int {
	con, err := startConsole(stdin, m.SendSerial, !scripted, m.EndInput)
	if err != nil {
		fmt.Fprintf(stderr, "twinstep run: %v\n", err)
		return exitError
	}
	defer con.stop() // also on a panic, so the terminal is never left raw
	m.Interactive = con.interactive || con.piped
	type result struct {
		exit machine.Exit
		err  error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		// main's recover does not reach this goroutine, and a crash here
		// would leave the terminal raw.
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("internal error: %v\n%s", p, debug.Stack())}
			}
		}()
		e, err := m.Run(limit)
		done <- result{e, err}
	}()
	select {
	case q := <-con.quit:
		// The machine goroutine is left running: the process is ending.
		con.stop()
		fmt.Fprintf(stderr, "\ntwinstep: %s after %.3f s\n", q.why, time.Since(start).Seconds())
		return q.code
	case r := <-done:
		con.stop()
		if r.err != nil {
			fmt.Fprintf(stderr, "twinstep: run failed: %v\n", r.err)
			return exitGuestFailed
		}
		return report(r.exit, time.Since(start), m.Fingerprint(), stderr)
	}
}

// report prints how the run ended and returns the exit status.
func report(e machine.Exit, wall time.Duration, f machine.Fingerprint, stderr io.Writer) int {
	how := e.Reason.String()
	if e.Reason == machine.DebugExit {
		how += " status " + strconv.FormatUint(uint64(e.Status), 10)
	}
	mips := 0.0
	if s := wall.Seconds(); s > 0 {
		mips = float64(e.Instructions) / s / 1e6
	}
	fmt.Fprintf(stderr, "twinstep: %s after %s instructions in %.3f s (%.1f MIPS)\n", how, commas(e.Instructions), wall.Seconds(), mips)
	fmt.Fprintf(stderr, "twinstep: final state %s\n", f)
	if e.Reason != machine.DebugExit {
		if e.Detail != "" {
			fmt.Fprintf(stderr, "twinstep: %s\n", e.Detail)
		}
		return exitGuestFailed
	}
	return int(min(e.Status, 255))
}

// commas writes n with thousands separators: 1,234,567.
func commas(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ('twinstep run KERNEL --memory 64'): package flag
// alone stops at the first positional one.
func parseInterspersed(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (pos []string, ok bool, code int) {
	for {
		if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
			return nil, false, code
		}
		if fs.NArg() == 0 {
			return pos, true, exitOK
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/twinstep/twinstep/traces"
)

const recordHelp = `Usage: twinstep record KERNEL -o FILE [--initrd FILE] [--cmdline TEXT] [--memory MiB]
                       [--type TEXT]... [--script FILE] [--max-instructions N] [--disable MNEMONIC]...

Boots KERNEL on the emulated machine, as 'twinstep run' does with the same
flags, and records the run to FILE (docs/TRACE.md): every instruction's
address and bytes, register changes, memory reads and writes, and every
interrupt and exception taken. Typed input (--type, --script) makes the run
deterministic; the recording stops when the machine stops (a debug exit, the
typed input used up — with none typed, at the first wait for input — an
instruction limit).

Where the emulator lacks an instruction, Unicorn executes it from the same
state and the recording marks it; the recording stops early only if no
engine can execute an instruction, and what came before is kept.

FILE is written as FILE.partial, synced and renamed when the trace is
whole. A FILE that exists and is not a regular file (a device, a directory)
is refused before recording; a write error (a full disk) stops the
recording at once, keeps no file and exits 1.

--disable makes the emulator treat a mnemonic as missing (to show that the
recorder and 'twinstep lockstep' find what is missing).
`

func runRecord(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("record", recordHelp)
	mf := addMachineFlags(fs)
	out := fs.String("o", "", "write the trace to `file`")
	var disabled []string
	fs.Func("disable", "treat `MNEMONIC` as missing in the emulator (repeatable)", func(v string) error {
		disabled = append(disabled, strings.ToLower(v))
		return nil
	})
	pos, ok, code := parseInterspersed(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	switch {
	case len(pos) != 1:
		fmt.Fprintf(stderr, "twinstep record: want one KERNEL file, got %d arguments (run 'twinstep record -h')\n", len(pos))
		return exitUsage
	case *out == "":
		fmt.Fprintf(stderr, "twinstep record: -o FILE is required\n")
		return exitUsage
	}
	in, err := mf.load(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "twinstep record: %v\n", err)
		return exitError
	}
	if in.script == nil {
		// A recording reads no input but what is typed: with nothing
		// typed, the input is used up from the start, so a guest that
		// waits for input ends the recording instead of idling forever.
		in.script = []byte{}
	}
	rec, recErr := traces.RecordFile(*out, traces.RecordConfig{Kernel: in.kernel, Initrd: in.initrd, KernelName: in.kernelName,
		InitrdName: in.initrdName, Cmdline: *mf.cmdline, Script: in.script, MemoryMiB: *mf.memory, Limit: *mf.limit,
		Disabled: disabled, CPU: in.cpu})
	if rec == nil {
		fmt.Fprintf(stderr, "twinstep record: %v\n", recErr)
		return exitError
	}
	fmt.Fprintf(stdout, "recorded %d instructions (%d by the oracle), %d deliveries in %v: %s, %d bytes (%.2f bytes/instruction), %d chunks, %d images named\n",
		rec.Instructions, rec.ByOracle, rec.Deliveries, rec.Elapsed.Round(1e6), *out, rec.Bytes,
		float64(rec.Bytes)/float64(max(rec.Instructions, 1)), rec.Chunks, rec.Modules)
	fmt.Fprintf(stdout, "the machine stopped: %s %s\n", rec.Exit, rec.Detail)
	if recErr != nil {
		fmt.Fprintf(stderr, "twinstep record: the recording stopped early: %v\n", recErr)
		return exitError
	}
	return exitOK
}

// Command twinstep is the harness's command line: run one instruction on an
// engine or on both (step), compare the decoder with x86asm (decode), list
// which instruction forms are implemented and checked (coverage), and boot a
// kernel on the emulated machine (run).
package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/twinstep/twinstep/emulator/decoder"
	uc "github.com/unicorn-engine/unicorn/bindings/go/unicorn"
)

// version is the release name; builds may set it with
// -ldflags "-X main.version=...".
var version = "dev"

// stdin is where decode reads encodings when given no arguments; tests
// replace it.
var stdin io.Reader = os.Stdin

// Exit statuses: 2 for a malformed command line (an unknown command or
// flag, a stray argument, a required flag missing), as package flag uses
// it; 1 for every other error.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"step", "run one instruction on the emulator or Unicorn, or on both with --diff", runStep},
	{"decode", "decode encodings with our decoder and x86asm and compare the lengths", runDecode},
	{"coverage", "list every decoder form: implemented? exercised against an oracle?", runCoverage},
	{"corpus", "add a regression case: 'corpus add --name N --bytes HEX --why TEXT'", runCorpus},
	{"run", "boot a kernel on the emulated machine, its serial console on the terminal", runRun},
	{"record", "record a run of the machine to a trace file", runRecord},
	{"lockstep", "replay a trace on the emulator and Unicorn, instruction by instruction, and report", runLockstep},
	{"report", "render a saved lockstep report (JSON) as HTML and terminal tables", runReport},
	{"bench", "run the same workloads on the emulator, Unicorn and qemu-user and compare their speed", runBench},
	{"mutate", "plant bugs in the emulator one at a time and measure which checks catch them", runMutate},
	{"trace", "inspect a trace ('trace info FILE') or export it ('trace export --tenet FILE')", runTrace},
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the whole command, separated from main so tests run it in-process.
func run(args []string, stdout, stderr io.Writer) (code int) {
	// The engines recover their own faults; this is the last line for a bug
	// anywhere else, so the user gets a message and a status, not a trace
	// of goroutines.
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "twinstep: internal error: %v\n%s", p, debug.Stack())
			code = exitError
		}
	}()
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			return run([]string{args[1], "-h"}, stdout, stderr)
		}
		usage(stdout)
		return exitOK
	case "version", "-version", "--version":
		printVersion(stdout)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "twinstep: unknown command %q (run 'twinstep help')\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "twinstep checks an x86-64 emulator against oracles, one instruction at a time.")
	fmt.Fprintln(w, "\nUsage: twinstep COMMAND [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-9s %s\n", "help", "this text; 'twinstep help COMMAND' describes a command")
	fmt.Fprintf(w, "  %-9s %s\n", "version", "the build and the oracles it was built with")
}

// printVersion names the oracles too: a verdict is only as good as the
// oracle version it came from (the known-mistake tables are per version).
func printVersion(w io.Writer) {
	major, minor := uc.Version()
	fmt.Fprintf(w, "twinstep %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "oracles: unicorn %d.%d (libunicorn), x86asm %s\n", major, minor, moduleVersion("golang.org/x/arch"))
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return path + " " + d.Version
			}
		}
	}
	return path + " (version unknown)"
}

// newFlags returns a flag set whose usage is text followed by the flags.
// Output is discarded: parse reports errors itself, so -h goes to stdout
// and mistakes to stderr.
func newFlags(name, text string) *flag.FlagSet {
	fs := flag.NewFlagSet("twinstep "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprint(w, text)
		fmt.Fprintln(w, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args; when it returns false the command should exit
// with code (0 after -h, which printed the help on stdout).
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (ok bool, code int) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return true, exitOK
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return false, exitOK
	}
	fmt.Fprintf(stderr, "%s: %v (run '%s -h')\n", fs.Name(), err, fs.Name())
	return false, exitUsage
}

// parseCode reads one instruction's bytes from hex. Spaces are allowed
// ("48 01 d8"), as the corpus files write bytes.
func parseCode(s string) ([]byte, error) {
	h := strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(h)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%q is not hex bytes: %v", s, err)
	case len(b) == 0:
		return nil, errors.New("no instruction bytes given")
	case len(b) > decoder.MaxLen:
		return nil, fmt.Errorf("%q is %d bytes; an instruction is at most %d", s, len(b), decoder.MaxLen)
	}
	return b, nil
}

// fail reports a command's error and returns the exit status for it.
func fail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "twinstep %s: %v\n", cmd, err)
	return exitError
}

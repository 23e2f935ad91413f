package main

import (
	"fmt"
	"io"

	"github.com/twinstep/twinstep/internal/outfile"
	"github.com/twinstep/twinstep/reports"
	"github.com/twinstep/twinstep/traces"
)

const traceHelp = `Usage: twinstep trace info TRACE
       twinstep trace export --tenet TRACE [-o FILE]

info prints what a trace holds: the recorded machine, how the recording
ended, its chunks and the images the kernel named, and any damage.

export --tenet writes the trace in the text format of the Tenet trace
explorer (a line per instruction: the registers that changed, rip, and the
memory read and written as mr=ADDR:HEX and mw=ADDR:HEX), to FILE or
standard output, for browsing a run in a disassembler. A trace that is not
whole (cut short, damaged, its index inconsistent) is an error, exit status
1: FILE is then not written (standard output has what preceded the damage).
`

func runTrace(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "info" && args[0] != "export") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, traceHelp)
			return exitOK
		}
		fmt.Fprintf(stderr, "twinstep trace: want the subcommand info or export (run 'twinstep trace -h')\n")
		return exitUsage
	}
	fs := newFlags("trace "+args[0], traceHelp)
	tenet := fs.Bool("tenet", false, "export in Tenet's text format")
	out := fs.String("o", "", "write the export to `file` (default standard output)")
	pos, ok, code := parseInterspersed(fs, args[1:], stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "twinstep trace: want one TRACE file, got %d arguments\n", len(pos))
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "twinstep trace %s: %v\n", args[0], err)
		return exitError
	}
	t, err := traces.Open(pos[0])
	if err != nil {
		return fail(err)
	}
	defer t.Close()
	if args[0] == "info" {
		if err := traceInfo(stdout, t); err != nil {
			return fail(err)
		}
		return exitOK
	}
	if !*tenet {
		fmt.Fprintf(stderr, "twinstep trace export: say which format (--tenet)\n")
		return exitUsage
	}
	w := stdout
	var f *outfile.File
	if *out != "" {
		if f, err = outfile.Create(*out); err != nil {
			return fail(err)
		}
		w = f
	}
	n, err := t.ExportTenet(w)
	if f != nil {
		if err != nil {
			f.Abort() // a partial export is not kept under the name of a whole one
		} else {
			err = f.Commit()
		}
	}
	if err != nil {
		return fail(fmt.Errorf("stopped after %d instructions: %w", n, err))
	}
	if *out != "" {
		fmt.Fprintf(stdout, "%s: %d instructions\n", *out, n)
	}
	return exitOK
}

func traceInfo(w io.Writer, t *traces.Trace) error {
	m := t.Meta
	tab := reports.NewTable("what", "value")
	tab.Add("kernel", fmt.Sprintf("%s (sha256 %.16s…)", m.Kernel, m.KernelSHA256))
	if m.Initrd != "" {
		tab.Add("initrd", fmt.Sprintf("%s (sha256 %.16s…)", m.Initrd, m.InitrdSHA256))
	}
	tab.Add("cmdline", m.Cmdline)
	tab.Add("typed input", fmt.Sprintf("%q", m.Script))
	tab.Add("steps chunks", fmt.Sprint(t.Chunks()))
	if m.End != nil {
		tab.Add("instructions", fmt.Sprint(m.End.Instructions))
		tab.Add("deliveries", fmt.Sprint(m.End.Deliveries))
		tab.Add("executed by the oracle", fmt.Sprint(m.End.ByOracle))
		tab.Add("ended", m.End.Exit+" "+m.End.Detail)
	} else {
		tab.Add("ended", "unknown: the closing metadata is missing (the recording was cut short)")
	}
	tab.Add("kernel symbols", fmt.Sprint(len(m.Symbols.Kernel)))
	for _, mod := range m.Symbols.Modules {
		tab.Add("image", fmt.Sprintf("%s at %#x+%#x (cr3 %#x, from instruction %d, %d exports)", mod.Name, mod.Base, mod.Size, mod.CR3, mod.Since, len(mod.Exports)))
	}
	if len(m.Disabled) > 0 {
		tab.Add("disabled in the emulator", fmt.Sprint(m.Disabled))
	}
	if t.Damage != nil {
		tab.Add("damage", t.Damage.Error())
	}
	return tab.Render(w)
}

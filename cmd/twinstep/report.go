package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/twinstep/twinstep/lockstep"
)

const reportHelp = `Usage: twinstep report REPORT.json [-o FILE.html]

Renders a lockstep report saved with 'twinstep lockstep --json': the summary
tables on standard output and, with -o, the HTML report (one self-contained
file that works offline).
`

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", reportHelp)
	out := fs.String("o", "", "write the HTML report to `file`")
	pos, ok, code := parseInterspersed(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "twinstep report: want one REPORT.json file, got %d arguments (run 'twinstep report -h')\n", len(pos))
		return exitUsage
	}
	if err := checkOutput(*out); err != nil {
		fmt.Fprintf(stderr, "twinstep report: %v\n", err)
		return exitError
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "twinstep report: %v\n", err)
		return exitError
	}
	var rep lockstep.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		fmt.Fprintf(stderr, "twinstep report: %s is not a lockstep report: %v\n", pos[0], err)
		return exitError
	}
	if err := writeReports(&rep, *out, "", stdout); err != nil {
		fmt.Fprintf(stderr, "twinstep report: %v\n", err)
		return exitError
	}
	return exitOK
}

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/twinstep/twinstep/internal/infile"
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
	b, err := infile.Read(pos[0], maxReportFile)
	if err != nil {
		fmt.Fprintf(stderr, "twinstep report: %v\n", err)
		return exitError
	}
	rep, err := parseReport(b)
	if err != nil {
		fmt.Fprintf(stderr, "twinstep report: %s is not a lockstep report: %v\n", pos[0], err)
		return exitError
	}
	if err := writeReports(rep, *out, "", stdout); err != nil {
		fmt.Fprintf(stderr, "twinstep report: %v\n", err)
		return exitError
	}
	return exitOK
}

// maxReportFile bounds a saved report (the full boot's is about 70 KB).
const maxReportFile = 64 << 20

// parseReport reads a report saved by 'twinstep lockstep --json'. Every
// such report names its trace and the workers that replayed it; JSON
// without them (null, {}, another file's JSON) is not a report, and
// rendering it would show a clean run that never happened.
func parseReport(b []byte) (*lockstep.Report, error) {
	var rep *lockstep.Report
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&rep); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errors.New("more JSON follows the report")
	}
	if rep == nil || rep.Trace == "" || rep.Workers < 1 {
		return nil, errors.New("it names no trace or workers")
	}
	return rep, nil
}

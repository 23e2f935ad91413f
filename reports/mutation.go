package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/twinstep/twinstep/mutation"
)

//go:embed mutation.html.tmpl
var mutationSource string

var mutationPage = template.Must(template.Must(template.New("mutation").Funcs(template.FuncMap{
	"pct":  func(r mutation.Rate) string { return pct(r) },
	"join": strings.Join,
	"secs": func(s float64) string { return fmt.Sprintf("%.0f s", s) },
	"hung": hung,
}).Parse(styleSource)).Parse(mutationSource))

func pct(r mutation.Rate) string {
	return fmt.Sprintf("%.1f%% (%d of %d)", r.Percent(), r.Killed, r.Of)
}

// MutationTables are the terminal tables of a mutation run: the detectors
// in the order they ran, the operators, and the survivors.
func MutationTables(s *mutation.Summary) (detectors, operators, survivors *Table) {
	sc := s.Score()
	detectors = NewTable("detector", "in make test", "killed first", "ran on", "killed so far", "seconds")
	for _, d := range sc.Detectors {
		detectors.Add(d.Name, yesNo(d.MakeTest), fmt.Sprint(d.First), fmt.Sprint(d.Ran), pct(d.Cumulative),
			fmt.Sprintf("%.0f", d.Seconds))
	}
	operators = NewTable("operator", "candidates", "killed", "models")
	for _, op := range mutation.Operators {
		r := sc.ByOp[op.Name]
		operators.Add(op.Name, fmt.Sprint(s.ByOp[op.Name]), pct(r), op.Models)
	}
	survivors = NewTable("mutant", "where", "change", "reached by the sweeps", "why it survives")
	for _, r := range s.Survivors() {
		survivors.Add(r.ID, fmt.Sprintf("%s:%d %s", r.File, r.Line, r.Func), r.Op+": "+oneLine(r.Before)+" -> "+oneLine(r.After),
			reached(r), r.Reason())
	}
	return detectors, operators, survivors
}

// WriteMutationSummary prints the run's score and its tables.
func WriteMutationSummary(w io.Writer, s *mutation.Summary) error {
	sc := s.Score()
	fmt.Fprintf(w, "mutation run: seed %d, %d mutants drawn of %d candidates (%d equivalent, %d errors), %.0f s\n",
		s.Seed, sc.Mutants, s.Candidates, sc.Equivalent, sc.Errors, s.Seconds)
	fmt.Fprintf(w, "killed by make test's checks: %s; by every check: %s\n", pct(sc.MakeTest), pct(sc.Overall))
	d, o, sv := MutationTables(s)
	for _, t := range []*Table{d, o} {
		if err := t.Render(w); err != nil {
			return err
		}
	}
	if sv.Len() == 0 {
		_, err := fmt.Fprintln(w, "no survivors")
		return err
	}
	fmt.Fprintf(w, "%d survivors:\n", sv.Len())
	return sv.Render(w)
}

func reached(r mutation.Result) string {
	if !r.RanSweeps() {
		return "(sweeps not run)"
	}
	if r.Reached == 0 {
		if !r.Probed {
			return "(not probed: package level)"
		}
		return "no case"
	}
	forms := r.Forms
	more := ""
	if len(forms) > 4 {
		forms, more = forms[:4], fmt.Sprintf(" +%d forms", len(r.Forms)-4)
	}
	return fmt.Sprintf("%d encodings: %s%s", r.Reached, strings.Join(forms, "; "), more)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// WriteMutationHTML writes a mutation run as one self-contained page, in
// the lockstep report's style.
func WriteMutationHTML(w io.Writer, s *mutation.Summary) error {
	var buf bytes.Buffer
	sc := s.Score()
	p := struct {
		*mutation.Summary
		Score     mutation.Score
		Operators []opRow
		Survivors []mutation.Result
		Killed    []mutation.Result
		Others    []mutation.Result
		Goal      bool
	}{Summary: s, Score: sc, Survivors: s.Survivors(), Goal: sc.MakeTest.Percent() >= 95}
	for _, op := range mutation.Operators {
		p.Operators = append(p.Operators, opRow{Operator: op, Candidates: s.ByOp[op.Name], Rate: sc.ByOp[op.Name]})
	}
	for _, r := range s.Results {
		switch r.Status {
		case mutation.Killed:
			p.Killed = append(p.Killed, r)
		case mutation.Equivalent, mutation.Failed:
			p.Others = append(p.Others, r)
		}
	}
	if err := mutationPage.Execute(&buf, p); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type opRow struct {
	mutation.Operator
	Candidates int
	Rate       mutation.Rate
}

// hung says "(timed out)" when the detector that killed a mutant ran out of
// time rather than failed.
func hung(r mutation.Result) string {
	for _, run := range r.Runs {
		if run.Killed && run.Timeout {
			return " (timed out)"
		}
	}
	return ""
}

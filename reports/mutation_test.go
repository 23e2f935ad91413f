package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/mutation"
)

func mutationSummary() *mutation.Summary {
	unit, _ := mutation.DetectorByName("unit")
	sweeps, _ := mutation.DetectorByName("sweeps")
	m := func(id, op, before, after string) mutation.Mutant {
		return mutation.Mutant{ID: id, File: "emulator/cpu/alu.go", Line: 7, Func: "(CPU).binary", Op: op,
			Before: before, After: after, Probed: true}
	}
	return &mutation.Summary{Seed: 3, N: 4, Candidates: 7000, ByOp: map[string]int{"mask": 400, "drop": 600},
		Detectors: []mutation.Detector{unit, sweeps}, Results: []mutation.Result{
			{Mutant: m("m1", "mask", "0xff", "0xffff"), Status: mutation.Killed, KilledBy: "unit", Detail: "--- FAIL: TestX",
				Runs: []mutation.DetectorRun{{Name: "unit", Killed: true, Seconds: 3}}},
			{Mutant: m("m2", "drop", "r &= m", "(removed)"), Status: mutation.Survived, Reached: 2,
				Forms: []string{"01 r add Ev,Gv", "03 r add Gv,Ev"},
				Runs:  []mutation.DetectorRun{{Name: "unit", Seconds: 3}, {Name: "sweeps", Seconds: 60}}},
			{Mutant: m("m3", "drop", "x = <y>", "(removed)"), Status: mutation.Equivalent},
		}}
}

func TestMutationReports(t *testing.T) {
	s := mutationSummary()
	var text bytes.Buffer
	if err := WriteMutationSummary(&text, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"killed by make test's checks: 50.0% (1 of 2)", "1 survivors", "m2",
		"2 encodings: 01 r add Ev,Gv; 03 r add Gv,Ev", "untriaged"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
	var page bytes.Buffer
	if err := WriteMutationHTML(&page, s); err != nil {
		t.Fatal(err)
	}
	doc := page.String()
	for id, rows := range map[string]int{"detectors": 2, "operators": len(mutation.Operators), "survivors": 1, "killed": 1, "others": 1} {
		if got := strings.Count(section(doc, id), "<tr><td>"); got != rows {
			t.Errorf("section %s: %d rows, want %d", id, got, rows)
		}
	}
	for _, want := range []string{"below the 95% goal", "x = &lt;y&gt;", "--- FAIL: TestX"} {
		if !strings.Contains(doc, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

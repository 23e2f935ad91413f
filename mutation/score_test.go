package mutation

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestScore(t *testing.T) {
	s := &Summary{Detectors: []Detector{Detectors[0], Detectors[1], {Name: "fuzz"}}, Results: []Result{
		{Mutant: Mutant{Op: "mask"}, Status: Killed, KilledBy: "unit", Runs: []DetectorRun{{Name: "unit", Killed: true}}},
		{Mutant: Mutant{Op: "mask"}, Status: Killed, KilledBy: "tools", Runs: []DetectorRun{{Name: "unit"}, {Name: "tools", Killed: true}}},
		{Mutant: Mutant{Op: "drop"}, Status: Killed, KilledBy: "fuzz", Runs: []DetectorRun{{Name: "unit"}, {Name: "tools"}, {Name: "fuzz", Killed: true}}},
		{Mutant: Mutant{Op: "drop"}, Status: Survived, Runs: []DetectorRun{{Name: "unit"}, {Name: "tools"}, {Name: "fuzz"}}},
		{Mutant: Mutant{Op: "drop"}, Status: Equivalent},
	}}
	sc := s.Score()
	if sc.Mutants != 5 || sc.Equivalent != 1 {
		t.Errorf("mutants %d equivalent %d", sc.Mutants, sc.Equivalent)
	}
	if sc.Overall != (Rate{3, 4}) || sc.MakeTest != (Rate{2, 4}) {
		t.Errorf("overall %v make test %v: the fuzz kill counts overall only", sc.Overall, sc.MakeTest)
	}
	want := []struct {
		first, ran int
		cum        Rate
	}{{1, 4, Rate{1, 4}}, {1, 3, Rate{2, 4}}, {1, 2, Rate{3, 4}}}
	for i, w := range want {
		d := sc.Detectors[i]
		if d.First != w.first || d.Ran != w.ran || d.Cumulative != w.cum {
			t.Errorf("%s: first %d ran %d cumulative %v, want %+v", d.Name, d.First, d.Ran, d.Cumulative, w)
		}
	}
	if sc.ByOp["mask"] != (Rate{2, 2}) || sc.ByOp["drop"] != (Rate{1, 2}) {
		t.Errorf("by operator %v", sc.ByOp)
	}
	if len(s.Survivors()) != 1 || (Rate{}).Percent() != 0 {
		t.Error("survivors or empty rate")
	}
}

// The equivalence check compares the compiler's code without source
// positions: moving code to other lines is no change, changing it is.
func TestAssemblyEquivalence(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a package three times")
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("go.mod", "module "+module+"\n\ngo 1.22\n")
	if err := os.MkdirAll(filepath.Join(dir, "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	orig := write("p/p.go", "package p\n\nfunc F(x uint64) uint64 { return x & 0xff }\n")
	cfg := &Config{Root: dir, Out: dir, Go: "go"}
	ref, err := cfg.assembly(context.Background(), "p", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src  string
		same bool
	}{
		{"package p\n\n\n// moved\n\nfunc F(x uint64) uint64 {\n\treturn x & 0xff\n}\n", true},
		{"package p\n\nfunc F(x uint64) uint64 { return x & 0xffff }\n", false},
	} {
		mut := write("mutant.go", tc.src)
		ov := write("overlay.json", `{"Replace":{"`+orig+`":"`+mut+`"}}`)
		h, err := cfg.assembly(context.Background(), "p", ov)
		if err != nil {
			t.Fatal(err)
		}
		if (h == ref) != tc.same {
			t.Errorf("%q: same code %v, want %v", tc.src, h == ref, tc.same)
		}
	}
	bad := write("mutant.go", "package p\n\nfunc F(x uint64) uint64 { return x & }\n")
	ov := write("overlay.json", `{"Replace":{"`+orig+`":"`+bad+`"}}`)
	if _, err := cfg.assembly(context.Background(), "p", ov); err == nil {
		t.Error("a mutant that does not compile was accepted")
	}
}

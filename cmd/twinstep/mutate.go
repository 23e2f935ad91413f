package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/twinstep/twinstep/mutation"
	"github.com/twinstep/twinstep/reports"
)

const mutateHelp = `Usage: twinstep mutate [flags]

Plants one bug at a time in emulator/cpu and emulator/decoder (operators on
the Go syntax tree; 'twinstep mutate --list-ops' names them) and runs the
project's checks on each mutant in order of cost, stopping at the first that
fails. Mutants that compile to the same machine code as the original are
listed as equivalent. Prints the kill rate overall, per detector and per
operator, and the survivors with the instruction forms their code serves.
Run from the module root; results accumulate in --out, so an interrupted run
resumes. The exit status is 1 when the kill rate of make test's checks is
below --min-score, or with --strict when a survivor is not triaged.
`

func runMutate(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("mutate", mutateHelp)
	n := fs.Int("n", 20, "how many compiled mutants to draw (0: every candidate)")
	seed := fs.Uint64("seed", 1, "the seed that orders the draw")
	ops := fs.String("ops", "", "comma-separated operators to use (default: all)")
	files := fs.String("files", "", "comma-separated files to mutate, e.g. emulator/cpu/alu.go (default: all)")
	ids := fs.String("ids", "", "comma-separated mutant IDs to run (from an earlier report)")
	dets := fs.String("detectors", "", "comma-separated detectors to run, in order (default: every check make test runs)")
	fuzz := fs.Bool("fuzz", false, "also run FuzzSemantics for 60 s on mutants that survive")
	baseline := fs.Bool("baseline", true, "first run every detector on the unmutated tree (a failing check would kill every mutant)")
	out := fs.String("out", filepath.Join("build", "mutate"), "directory for results and scratch files")
	htmlPath := fs.String("html", "", "write the HTML report here")
	jsonPath := fs.String("json", "", "write the results as JSON here")
	minScore := fs.Float64("min-score", 0, "fail when make test's checks kill less than this percentage")
	strict := fs.Bool("strict", false, "fail when a mutant survives that mutation/triage.go does not explain")
	listOps := fs.Bool("list-ops", false, "list the operators and detectors and exit")
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *listOps {
		ot := reports.NewTable("operator", "models")
		for _, op := range mutation.Operators {
			ot.Add(op.Name, op.Models)
		}
		dt := reports.NewTable("detector", "in make test", "what")
		for _, d := range mutation.Detectors {
			dt.Add(d.Name, fmt.Sprint(d.MakeTest), d.What)
		}
		if err := ot.Render(stdout); err != nil {
			return fail(stderr, "mutate", err)
		}
		if err := dt.Render(stdout); err != nil {
			return fail(stderr, "mutate", err)
		}
		return exitOK
	}
	for _, p := range []string{*htmlPath, *jsonPath} {
		if err := checkOutput(p); err != nil {
			return fail(stderr, "mutate", err)
		}
	}
	if *n < 0 {
		fmt.Fprintf(stderr, "twinstep mutate: -n %d: want 0 (every candidate) or more\n", *n)
		return exitUsage
	}
	if b, err := os.ReadFile("go.mod"); err != nil || !strings.Contains(string(b), "module github.com/twinstep/twinstep\n") {
		fmt.Fprintln(stderr, "twinstep mutate: run it from the twinstep module's root (the directory holding its go.mod)")
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sum, err := mutation.Run(ctx, mutation.Config{Root: ".", Out: *out, N: *n, Seed: *seed, Ops: split(*ops),
		Files: split(*files), IDs: split(*ids), Detectors: split(*dets), Fuzz: *fuzz, Baseline: *baseline, Log: stderr})
	if err != nil {
		if sum == nil {
			return fail(stderr, "mutate", err)
		}
		fmt.Fprintf(stderr, "twinstep mutate: stopped early: %v\n", err)
	}
	if err := reports.WriteMutationSummary(stdout, sum); err != nil {
		return fail(stderr, "mutate", err)
	}
	if *htmlPath != "" {
		var b strings.Builder
		if err := reports.WriteMutationHTML(&b, sum); err != nil {
			return fail(stderr, "mutate", err)
		}
		if err := writeOutput(*htmlPath, []byte(b.String())); err != nil {
			return fail(stderr, "mutate", err)
		}
		fmt.Fprintf(stdout, "report: %s\n", *htmlPath)
	}
	if *jsonPath != "" {
		b, err := json.MarshalIndent(sum, "", " ")
		if err != nil {
			return fail(stderr, "mutate", err)
		}
		if err := writeOutput(*jsonPath, b); err != nil {
			return fail(stderr, "mutate", err)
		}
	}
	if err != nil {
		return exitError
	}
	if *strict {
		var untriaged []string
		for _, r := range sum.Survivors() {
			if _, ok := mutation.Triaged[r.ID]; !ok {
				untriaged = append(untriaged, r.ID)
			}
		}
		if len(untriaged) > 0 {
			fmt.Fprintf(stderr, "twinstep mutate: %d survivors nobody has triaged (%s): add a check that kills them, or explain them in mutation/triage.go\n",
				len(untriaged), strings.Join(untriaged, ", "))
			return exitError
		}
	}
	if s := sum.Score().MakeTest; s.Percent() < *minScore {
		fmt.Fprintf(stderr, "twinstep mutate: make test's checks kill %.1f%%, below --min-score %.1f\n", s.Percent(), *minScore)
		return exitError
	}
	return exitOK
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/lockstep"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/unicorn"
	"github.com/twinstep/twinstep/reports"
	"github.com/twinstep/twinstep/traces"
)

const lockstepHelp = `Usage: twinstep lockstep TRACE [--workers N] [--html FILE] [--json FILE]
       twinstep lockstep TRACE --case N --name NAME [--dir DIR] [--force]

Replays every instruction of TRACE (from 'twinstep record') on the emulator
and on Unicorn, each from the state and memory the recording gives it, and
compares the recorded, emulated and oracle results: registers, RIP, RFLAGS
(bits the SDM leaves undefined masked), XMM, MXCSR, the memory written and
the outcome. Each instruction is a match, a divergence (saying which of the
three stands apart), missing in the emulator, oracle unable (why), or a
known oracle mistake. Chunks replay in parallel on --workers cores.

Prints the summary as tables; --html writes the report a person reads in a
browser, --json the report's data ('twinstep report' renders it again).
A progress bar goes to standard error when it is a terminal.

--case turns instruction N (as the report numbers them) into a regression
case DIR/NAME.case, with the instruction's recorded state and the memory it
read; 'twinstep step --case DIR/NAME.case --diff' reproduces it. A case that
diverges now is written expecting a match: it fails 'go test ./fuzz -run
Regressions' until the emulator is fixed or a known oracle mistake explains
it.

Exit status: 0 when nothing is unexplained; 3 when the replay found a
divergence or a missing instruction; 1 on an error (a damaged trace is
replayed up to the damage, reported, and exits 1).
`

const exitUnexplained = 3

func runLockstep(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("lockstep", lockstepHelp)
	workers := fs.Int("workers", 0, "replay on `N` cores (0: all)")
	htmlPath := fs.String("html", "", "write the HTML report to `file`")
	jsonPath := fs.String("json", "", "write the report's data to `file`")
	caseAt := fs.Int64("case", -1, "turn instruction `N` into a regression case")
	name := fs.String("name", "", "the regression case's `name` (with --case)")
	dir := fs.String("dir", filepath.Join(repoRoot(), corpus.Dir), "the regression corpus `dir` (with --case)")
	force := fs.Bool("force", false, "overwrite an existing case (with --case)")
	pos, ok, code := parseInterspersed(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "twinstep lockstep: want one TRACE file, got %d arguments (run 'twinstep lockstep -h')\n", len(pos))
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "twinstep lockstep: %v\n", err)
		return exitError
	}
	t, err := traces.Open(pos[0])
	if err != nil {
		return fail(err)
	}
	defer t.Close()
	if *caseAt >= 0 {
		if !caseName.MatchString(*name) {
			fmt.Fprintf(stderr, "twinstep lockstep: --name %q: use lower case letters, digits, '-' and '.'\n", *name)
			return exitUsage
		}
		if err := writeLockstepCase(stdout, t, pos[0], uint64(*caseAt), filepath.Join(*dir, *name+".case"), *force); err != nil {
			return fail(err)
		}
		return exitOK
	}
	bar := newProgressBar(stderr)
	rep, err := lockstep.Replay(t, pos[0], lockstep.Options{Workers: *workers, Progress: bar.update})
	bar.done()
	if rep == nil {
		return fail(err)
	}
	if werr := writeReports(rep, *htmlPath, *jsonPath, stdout); werr != nil {
		return fail(werr)
	}
	switch {
	case err != nil:
		return fail(fmt.Errorf("the replay stopped at damage: %w", err))
	case t.Damage != nil:
		return fail(fmt.Errorf("the trace is damaged; replayed what precedes it: %w", t.Damage))
	case rep.Unexplained():
		return exitUnexplained
	}
	return exitOK
}

// writeReports prints the summary tables and writes the HTML and JSON
// reports where asked.
func writeReports(rep *lockstep.Report, htmlPath, jsonPath string, stdout io.Writer) error {
	if err := reports.WriteSummary(stdout, rep); err != nil {
		return err
	}
	if jsonPath != "" {
		b, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return err
		}
		if err := writeOutput(jsonPath, b); err != nil {
			return err
		}
	}
	if htmlPath != "" {
		var b strings.Builder
		if err := reports.WriteHTML(&b, rep); err != nil {
			return err
		}
		if err := writeOutput(htmlPath, []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "report: %s\n", htmlPath)
	}
	return nil
}

func writeOutput(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// writeLockstepCase turns instruction n into a regression case at path.
func writeLockstepCase(w io.Writer, t *traces.Trace, tracePath string, n uint64, path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists (use --force to replace it)", path)
	}
	s, err := t.Instruction(n)
	if err != nil {
		return err
	}
	if len(s.Code) == 0 {
		return fmt.Errorf("instruction %d faulted on its fetch: it has no bytes to replay", n)
	}
	c := corpus.Case{Bytes: s.Code, State: s.Pre, Oracle: "unicorn"}
	for _, r := range s.Reads {
		if !r.Port {
			c.Memory = append(c.Memory, corpus.Bytes{Addr: r.Addr, Data: r.Data})
		}
	}
	rep, err := checkCase(&c)
	if err != nil {
		return err
	}
	verdict := rep.Verdict.String()
	c.Expect = verdict
	switch rep.Verdict {
	case check.OracleMistake:
		c.Expect = verdict + ": " + rep.Mistake
	case check.Divergence, check.Missing:
		c.Expect = "match" // what it must become
	}
	where := t.Meta.Symbols.Symbolize(s.Pre.RIP, s.Pre.CR3, n)
	c.Why = fmt.Sprintf("instruction %d of %s at %#x %s: % x. Made by 'twinstep lockstep --case'; checked now: %s.",
		n, filepath.Base(tracePath), s.Pre.RIP, where, s.Code, verdict)
	if err := writeOutput(path, []byte(corpus.Format(c))); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: instruction %d (%s), checked now: %s; expects %s\n", path, n, where, verdict, c.Expect)
	fmt.Fprintf(w, "reproduce: twinstep step --case %s --diff\n", path)
	if c.Expect != verdict {
		fmt.Fprintf(w, "the case fails 'go test ./fuzz -run Regressions' until the emulator is fixed or a known oracle mistake explains it\n")
	}
	return nil
}

// checkCase checks case c on the emulator and Unicorn, as the regression
// test does.
func checkCase(c *corpus.Case) (check.Report, error) {
	emu := emulator.NewEngine()
	cs, err := check.Build(emu, c.Bytes, c.State, c.Seed, c.Regions()...)
	if err != nil {
		return check.Report{}, fmt.Errorf("building the case: %w", err)
	}
	u, err := newUnicorn()
	if err != nil {
		return check.Report{}, err
	}
	defer u.Close()
	k := check.Checker{Emu: emu, Oracle: u, Mistakes: unicorn.KnownMistakes}
	return k.Check(cs)
}

// progressBar draws the replay's progress on a terminal, and prints one
// summary line otherwise.
type progressBar struct {
	w     io.Writer
	tty   bool
	last  time.Time
	final lockstep.Progress
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	return &progressBar{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (b *progressBar) update(p lockstep.Progress) {
	b.final = p
	if !b.tty || time.Since(b.last) < 100*time.Millisecond && p.Chunks < p.TotalChunks {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := width * p.Chunks / max(p.TotalChunks, 1)
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%  %d instructions  %.0fk/s  %d divergent  %d missing ",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*p.Chunks/max(p.TotalChunks, 1),
		p.Instructions, float64(p.Instructions)/max(p.Elapsed.Seconds(), 1e-9)/1000, p.Divergent, p.Missing)
}

func (b *progressBar) done() {
	p := b.final
	if b.tty {
		fmt.Fprintln(b.w)
		return
	}
	fmt.Fprintf(b.w, "replayed %d chunks, %d instructions in %v (%.0f instructions/s): %d divergent, %d missing\n",
		p.Chunks, p.Instructions, p.Elapsed.Round(time.Millisecond), float64(p.Instructions)/max(p.Elapsed.Seconds(), 1e-9),
		p.Divergent, p.Missing)
}

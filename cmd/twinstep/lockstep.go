package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/internal/outfile"
	"github.com/twinstep/twinstep/lockstep"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/reports"
	"github.com/twinstep/twinstep/traces"
)

var lockstepHelp = fmt.Sprintf(`Usage: twinstep lockstep TRACE [--workers N] [--native auto|on|off] [--native-first K] [--native-every N]
                        [--html FILE] [--json FILE]
       twinstep lockstep TRACE --case N --name NAME [--dir DIR] [--force]

Replays every instruction of TRACE (from 'twinstep record') on the emulator
and on Unicorn, each from the state and memory the recording gives it, and
compares the recorded, emulated and oracle results: registers, RIP, RFLAGS
(bits the SDM leaves undefined masked), XMM, MXCSR, the memory written and
the outcome. Each instruction is a match, a divergence (saying which of the
three stands apart), missing in the emulator, oracle unable (why), or a
known oracle mistake. Chunks replay in parallel on --workers cores.

Ring-3 instructions also run on this machine's CPU (oracles/native; 'make
native' builds its helper), which judges the emulator's result: agreed,
disagreed (a divergence "emulator vs silicon") or silicon unable (why).
Silicon checks a deterministic sample: in each chunk the first K
instructions of every form (--native-first, default %d) and every
instruction whose number is a multiple of N (--native-every, default %d;
1 checks them all); the summary says what share it compared. --native
auto (the default) uses it where this host can run it, on requires it,
off leaves it out. Kernel (CPL 0) instructions are Unicorn's and the
recording's.

Prints the summary as tables; --html writes the report a person reads in a
browser, --json the report's data ('twinstep report' renders it again).
A progress bar goes to standard error when it is a terminal.

--case turns instruction N (as the report numbers them) into a regression
case DIR/NAME.case, with the instruction's recorded state and the memory it
read, checked as 'twinstep corpus add' checks one: by silicon where this
host can run it (the case then says oracle: native, and the CPU profile the
emulator ran), else by Unicorn; 'twinstep step --case DIR/NAME.case --diff'
reproduces it. A case that diverges now is written expecting a match: it
fails 'go test ./fuzz -run Regressions' until the emulator is fixed or a
known oracle mistake explains it.

Exit status: 0 when nothing is unexplained in the whole trace; 3 when the
replay found a divergence (a disagreement with silicon too) or a missing
instruction; 1 on an error. A verdict needs the whole trace: a trace cut
short or damaged, whose index does not list exactly its chunks, or whose
chunks do not hold every instruction the closing metadata counts, is
replayed as far as it reads, reported with what is missing, and exits 1.
`, lockstep.DefaultNativeFirst, lockstep.DefaultNativeEvery)

const exitUnexplained = 3

func runLockstep(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("lockstep", lockstepHelp)
	workers := fs.Int("workers", 0, "replay on `N` cores (0: all)")
	nativeMode := fs.String("native", "auto", "run ring-3 instructions on the host CPU too: `auto`, on or off")
	nativeFirst := fs.Int("native-first", lockstep.DefaultNativeFirst, "silicon checks the first `K` of each form in each chunk")
	nativeEvery := fs.Int("native-every", lockstep.DefaultNativeEvery, "and every instruction whose number is a multiple of `N`")
	htmlPath := fs.String("html", "", "write the HTML report to `file`")
	jsonPath := fs.String("json", "", "write the report's data to `file`")
	var caseAt *uint64 // nil without --case
	fs.Func("case", "turn instruction `N` into a regression case", func(v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return errors.New("want an instruction number: 0 or more")
		}
		caseAt = &n
		return nil
	})
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
	mode, ok := map[string]lockstep.NativeMode{"auto": lockstep.NativeAuto, "on": lockstep.NativeOn, "off": lockstep.NativeOff}[*nativeMode]
	if !ok || *nativeEvery < 1 {
		fmt.Fprintf(stderr, "twinstep lockstep: --native %q --native-every %d: want auto, on or off, and 1 or more\n", *nativeMode, *nativeEvery)
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "twinstep lockstep: %v\n", err)
		return exitError
	}
	for _, p := range []string{*htmlPath, *jsonPath} {
		if err := checkOutput(p); err != nil {
			return fail(err)
		}
	}
	t, err := traces.Open(pos[0])
	if err != nil {
		return fail(err)
	}
	defer t.Close()
	if caseAt != nil {
		if !caseName.MatchString(*name) {
			fmt.Fprintf(stderr, "twinstep lockstep: --name %q: use lower case letters, digits, '-' and '.'\n", *name)
			return exitUsage
		}
		if err := writeLockstepCase(stdout, t, pos[0], *caseAt, filepath.Join(*dir, *name+".case"), *force); err != nil {
			return fail(err)
		}
		return exitOK
	}
	first := *nativeFirst
	if first == 0 {
		first = -1 // none by form (0 is the library's default)
	}
	bar := newProgressBar(stderr)
	rep, err := lockstep.Replay(t, pos[0], lockstep.Options{Workers: *workers, Progress: bar.update, Native: mode,
		NativeFirst: first, NativeEvery: *nativeEvery})
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
	case rep.Damage != "":
		return fail(fmt.Errorf("the trace is not whole, so there is no verdict; replayed %d instructions: %s", rep.Instructions, rep.Damage))
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

// checkOutput refuses an output path that is not a regular file before
// the work that fills it ("" is no output).
func checkOutput(path string) error {
	if path == "" {
		return nil
	}
	return outfile.Check(path)
}

// writeOutput writes an output file whole or not at all (outfile), its
// directory made if need be.
func writeOutput(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return outfile.WriteFile(path, b)
}

// writeLockstepCase turns instruction n into a regression case at path.
func writeLockstepCase(w io.Writer, t *traces.Trace, tracePath string, n uint64, path string, force bool) error {
	if _, err := os.Stat(path); err == nil && !force {
		return fmt.Errorf("%s exists (use --force to replace it)", path)
	}
	if end := t.Meta.End; end != nil && n >= end.Instructions {
		return fmt.Errorf("--case %d: the trace has %d instructions, numbered from 0", n, end.Instructions)
	}
	s, err := t.Instruction(n)
	if err != nil {
		return err
	}
	if len(s.Code) == 0 {
		return fmt.Errorf("instruction %d faulted on its fetch: it has no bytes to replay", n)
	}
	c := corpus.Case{Bytes: s.Code, State: s.Pre}
	for _, r := range s.Reads {
		if !r.Port {
			c.Memory = append(c.Memory, corpus.Bytes{Addr: r.Addr, Data: r.Data})
		}
	}
	verdict, agreement, err := judgeCase(&c)
	if err != nil {
		return err
	}
	where := t.Meta.Symbols.Symbolize(s.Pre.RIP, s.Pre.CR3, n)
	c.Why = fmt.Sprintf("instruction %d of %s at %#x %s: % x. Made by 'twinstep lockstep --case'; checked now: %s (%s).",
		n, filepath.Base(tracePath), s.Pre.RIP, where, s.Code, verdict, agreement)
	if err := writeOutput(path, []byte(corpus.Format(c))); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: instruction %d (%s), checked now: %s (%s); oracle %s; expects %s\n", path, n, where, verdict,
		agreement, c.Oracle, c.Expect)
	fmt.Fprintf(w, "reproduce: twinstep step --case %s --diff\n", path)
	if c.Expect != verdict {
		fmt.Fprintf(w, "the case fails 'go test ./fuzz -run Regressions' until the emulator is fixed or a known oracle mistake explains it\n")
	}
	return nil
}

// judgeCase checks case c as 'twinstep corpus add' does, on the emulator,
// silicon where this host can run it (the emulator in the host's CPU
// profile) and Unicorn, and fills in the oracle that decided (with the
// emulator's profile where silicon did) and what the case must expect: its
// verdict now, or a match where it diverges or is missing. It returns the
// verdict and which engines agreed.
func judgeCase(c *corpus.Case) (verdict, agreement string, err error) {
	o, err := startOracles()
	if err != nil {
		return "", "", err
	}
	defer o.Close()
	k, err := o.checker("")
	if err != nil {
		return "", "", err
	}
	cs, err := check.Build(k.Emu, c.Bytes, c.State, c.Seed, c.Regions()...)
	if err != nil {
		return "", "", fmt.Errorf("building the case: %w", err)
	}
	rep, err := k.Check(cs)
	if err != nil {
		return "", "", err
	}
	c.Oracle, c.CPU = cmp.Or(rep.Decider, "unicorn"), ""
	if rep.Decider == "native" {
		c.CPU = k.Profile().Name
	}
	verdict = rep.Verdict.String()
	c.Expect = verdict
	switch rep.Verdict {
	case check.OracleMistake:
		c.Expect = verdict + ": " + rep.Mistake
	case check.Divergence, check.Missing:
		c.Expect = "match" // what it must become
	}
	return verdict, rep.Agreement(), nil
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

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/unicorn"
	"github.com/twinstep/twinstep/reports"
)

const stepHelp = `Usage: twinstep step --bytes HEX [--state FILE] [--engine emulator|unicorn] [--seed N] [--diff]
       twinstep step --case FILE [--engine emulator|unicorn] [--diff]

Runs one instruction. The case is built the way the oracle checks build it
(check.Build): the bytes at the state's RIP on a page of NOPs, and every page
the emulator finds the instruction touching mapped and filled with
pseudo-random bytes from --seed, so a fuzz or corpus case reproduces exactly.

--case runs a regression case file (corpus/regressions/*.case, or one
'twinstep lockstep --case' wrote): its bytes, state, seed and memory.

Prints the post-state as JSON (the arch.State form, which --state reads back),
the instruction, the outcome and the memory written.

With --diff, runs the emulator and Unicorn, prints every field in which they
differ (RFLAGS bits the SDM leaves undefined for this instruction and state are
masked, as the fuzz target masks them) and the verdict: match, divergence,
missing, oracle unable, or known oracle mistake: NAME.
`

// defaultRIP is where code runs when no state file is given: the usual
// start of a non-PIE executable's text.
const defaultRIP = 0x400000

func runStep(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("step", stepHelp)
	statePath := fs.String("state", "", "a state `file` in the arch.State JSON form (default arch.Flat64 with rip 0x400000)")
	engineName := fs.String("engine", "emulator", "the engine to run: emulator or unicorn (ignored with --diff)")
	bytesHex := fs.String("bytes", "", "the instruction's bytes in `hex`, 1 to 15 (required)")
	seed := fs.Uint64("seed", 0, "fills the data pages the instruction touches")
	diff := fs.Bool("diff", false, "run both engines and compare them")
	casePath := fs.String("case", "", "run the regression case `file` (instead of --bytes, --state, --seed)")
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "twinstep step: %v\n", err)
		return exitError
	}
	misused := func(err error) int {
		fmt.Fprintf(stderr, "twinstep step: %v (run 'twinstep step -h')\n", err)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return misused(fmt.Errorf("unexpected argument %q (the bytes go in --bytes)", fs.Arg(0)))
	case *casePath != "" && (*bytesHex != "" || *statePath != "" || *seed != 0):
		return misused(errors.New("--case gives the bytes, state and seed: do not give them too"))
	case *bytesHex == "" && *casePath == "":
		return misused(errors.New("--bytes is required (or --case FILE)"))
	case *engineName != "emulator" && *engineName != "unicorn":
		return fail(fmt.Errorf("unknown engine %q (want emulator or unicorn)", *engineName))
	}
	cs, err := stepCase(*casePath, *bytesHex, *statePath, *seed)
	if err != nil {
		return fail(err)
	}
	emu := emulator.NewEngine()
	c, err := check.Build(emu, cs.Bytes, cs.State, cs.Seed, cs.Regions()...)
	if err != nil {
		return fail(fmt.Errorf("building the case: %w", err))
	}
	if *diff {
		err = stepDiff(stdout, emu, c)
	} else {
		err = stepOne(stdout, *engineName, emu, c)
	}
	if err != nil {
		return fail(err)
	}
	return exitOK
}

// stepCase is the case step runs: a case file, or the flags.
func stepCase(casePath, bytesHex, statePath string, seed uint64) (*corpus.Case, error) {
	if casePath != "" {
		text, err := os.ReadFile(casePath)
		if err != nil {
			return nil, fmt.Errorf("--case: %w", err)
		}
		c, err := corpus.Parse(filepath.Base(casePath), string(text))
		if err != nil {
			return nil, fmt.Errorf("--case: %w", err)
		}
		return &c, nil
	}
	code, err := parseCode(bytesHex)
	if err != nil {
		return nil, fmt.Errorf("--bytes: %w", err)
	}
	st, err := loadState(statePath)
	if err != nil {
		return nil, err
	}
	return &corpus.Case{Bytes: code, State: st, Seed: seed}, nil
}

func loadState(path string) (arch.State, error) {
	if path == "" {
		st := arch.Flat64()
		st.RIP = defaultRIP
		return st, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return arch.State{}, fmt.Errorf("--state: %w", err)
	}
	var st arch.State
	if err := json.Unmarshal(data, &st); err != nil {
		return arch.State{}, fmt.Errorf("--state %s: %w", path, err)
	}
	return st, nil
}

// newUnicorn starts the oracle in its worker process (a case that crashes
// Unicorn is then an outcome, not the end of twinstep); the caller closes it.
func newUnicorn() (*unicorn.Isolated, error) {
	u, err := unicorn.NewIsolated()
	if err != nil {
		return nil, fmt.Errorf("starting the Unicorn oracle: %w", err)
	}
	return u, nil
}

func stepOne(w io.Writer, name string, emu *emulator.Engine, c check.Case) error {
	var e engine.Engine = emu
	if name == "unicorn" {
		u, err := newUnicorn()
		if err != nil {
			return err
		}
		defer u.Close()
		e = u
	}
	r, err := engine.Run(e, &c.State, c.Mem, 1)
	if err != nil {
		return err
	}
	// State's own MarshalJSON, not json.Marshal, which would compact the
	// one-field-per-line form.
	js, err := r.State.MarshalJSON()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", js)
	fmt.Fprintf(w, "instruction: %s\n", instLine(c))
	fmt.Fprintf(w, "outcome: %s: %s\n", e.Name(), r.OutcomeString())
	fmt.Fprintf(w, "writes: %s\n", engine.FormatWrites(r.Writes))
	return nil
}

func stepDiff(w io.Writer, emu *emulator.Engine, c check.Case) error {
	u, err := newUnicorn()
	if err != nil {
		return err
	}
	defer u.Close()
	k := check.Checker{Emu: emu, Oracle: u, Mistakes: unicorn.KnownMistakes}
	rep, err := k.Check(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "instruction: %s\n", instLine(c))
	fmt.Fprintf(w, "outcome: emulator: %s\n", rep.Emu.OutcomeString())
	fmt.Fprintf(w, "outcome: unicorn: %s\n", rep.Oracle.OutcomeString())
	if m := maskLine(rep.Mask); m != "" {
		fmt.Fprintf(w, "masked: %s\n", m)
	}
	if len(rep.Diffs) == 0 {
		fmt.Fprintln(w, "no compared field differs")
	} else {
		t := reports.NewTable("field", "emulator", "unicorn")
		for _, d := range rep.Diffs {
			t.Add(d.What, d.A, d.B)
		}
		if err := t.Render(w); err != nil {
			return err
		}
	}
	verdict := rep.Verdict.String()
	if rep.Verdict == check.OracleMistake {
		verdict += ": " + rep.Mistake
	}
	fmt.Fprintf(w, "verdict: %s\n", verdict)
	if rep.Verdict == check.OracleMistake {
		for _, m := range unicorn.KnownMistakes {
			if m.Name == rep.Mistake {
				fmt.Fprintf(w, "why: %s\n", m.Why)
			}
		}
	}
	return nil
}

// instLine is the instruction as the decoder sees it, at its address.
func instLine(c check.Case) string {
	code := make([]byte, decoder.MaxLen)
	n := c.Read(c.State.RIP, code)
	in, err := decoder.Decode(code[:n])
	if err != nil {
		return fmt.Sprintf("(%v) at %#x", err, c.State.RIP)
	}
	return fmt.Sprintf("%s (% x) at %#x", in.Format(c.State.RIP), code[:in.Len], c.State.RIP)
}

// maskLine says what the comparison ignored, or "" when nothing.
func maskLine(m engine.Mask) string {
	var parts []string
	if m.Flags != 0 {
		var names []string
		for _, f := range []struct {
			bit  uint64
			name string
		}{{arch.CF, "CF"}, {arch.PF, "PF"}, {arch.AF, "AF"}, {arch.ZF, "ZF"}, {arch.SF, "SF"}, {arch.OF, "OF"}} {
			if m.Flags&f.bit != 0 {
				names = append(names, f.name)
			}
		}
		parts = append(parts, "undefined flags "+strings.Join(names, " "))
	}
	if len(m.Result) > 0 {
		parts = append(parts, "undefined result "+strings.Join(m.Result, " "))
	}
	if m.Memory {
		parts = append(parts, "memory written (undefined)")
	}
	return strings.Join(parts, "; ")
}

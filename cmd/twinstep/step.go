package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/internal/infile"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/oracles/unicorn"
	"github.com/twinstep/twinstep/reports"
)

const stepHelp = `Usage: twinstep step --bytes HEX [--state FILE] [--engine emulator|unicorn|native] [--cpu PROFILE] [--seed N] [--diff]
       twinstep step --case FILE [--engine emulator|unicorn|native] [--cpu PROFILE] [--diff]

Runs one instruction. The case is built the way the oracle checks build it
(check.Build): the bytes at the state's RIP on a page of NOPs, and every page
the emulator finds the instruction touching mapped and filled with
pseudo-random bytes from --seed, so a fuzz or corpus case reproduces exactly.

--case runs a regression case file (corpus/regressions/*.case, or one
'twinstep lockstep --case' wrote): its bytes, state, seed, memory and CPU
profile.

Prints the post-state as JSON (the arch.State form, which --state reads back),
the instruction, the outcome and the memory written. --engine native runs it
on this machine's CPU (oracles/native: a sandboxed helper process at CPL 3;
'make native' builds it).

With --diff, runs the emulator, the host CPU (where this host can) and
Unicorn, prints every field in which any two differ, one column per engine
(RFLAGS bits the SDM leaves undefined for this instruction and state are
masked, as the fuzz target masks them, unless the emulator runs the host's
measured CPU profile: then they are compared too), says which engines agreed
and gives the verdict against the deciding oracle (silicon where it answers,
else Unicorn): match, divergence, missing, oracle unable, unicorn disagrees
with silicon, or known oracle mistake: NAME.
`

// maxStateFile bounds a --state file: the JSON form of a whole state is
// about 5 KB.
const maxStateFile = 1 << 20

// defaultRIP is where code runs when no state file is given: the usual
// start of a non-PIE executable's text.
const defaultRIP = 0x400000

func runStep(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("step", stepHelp)
	statePath := fs.String("state", "", "a state `file` in the arch.State JSON form (default arch.Flat64 with rip 0x400000)")
	engineName := fs.String("engine", "emulator", "the engine to run: emulator, unicorn or native (ignored with --diff)")
	profile := fs.String("cpu", "", profileFlagHelp)
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
	case *engineName != "emulator" && *engineName != "unicorn" && *engineName != "native":
		return fail(fmt.Errorf("unknown engine %q (want emulator, unicorn or native)", *engineName))
	}
	cs, err := stepCase(*casePath, *bytesHex, *statePath, *seed)
	if err != nil {
		return fail(err)
	}
	if *profile == "" {
		*profile = cs.CPU
	}
	if *diff {
		err = stepDiff(stdout, *profile, cs)
	} else {
		err = stepOne(stdout, *engineName, *profile, cs)
	}
	if err != nil {
		return fail(err)
	}
	return exitOK
}

// stepCase is the case step runs: a case file, or the flags.
func stepCase(casePath, bytesHex, statePath string, seed uint64) (*corpus.Case, error) {
	if casePath != "" {
		text, err := infile.Read(casePath, corpus.MaxSize)
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
	data, err := infile.Read(path, maxStateFile)
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

func stepOne(w io.Writer, name, profile string, cs *corpus.Case) error {
	emu := emulator.NewEngine()
	if profile != "" {
		p, err := cpu.ProfileByName(profile)
		if err != nil {
			return err
		}
		emu.CPU.SetProfile(p)
	}
	c, err := check.Build(emu, cs.Bytes, cs.State, cs.Seed, cs.Regions()...)
	if err != nil {
		return fmt.Errorf("building the case: %w", err)
	}
	var e engine.Engine = emu
	switch name {
	case "unicorn":
		u, err := newUnicorn()
		if err != nil {
			return err
		}
		defer u.Close()
		e = u
	case "native":
		n, err := native.NewFound()
		if err != nil {
			return err
		}
		defer n.Close()
		e = n
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

func stepDiff(w io.Writer, profile string, cs *corpus.Case) error {
	o, err := startOracles()
	if err != nil {
		return err
	}
	defer o.Close()
	k, err := o.checker(profile)
	if err != nil {
		return err
	}
	c, err := check.Build(k.Emu, cs.Bytes, cs.State, cs.Seed, cs.Regions()...)
	if err != nil {
		return fmt.Errorf("building the case: %w", err)
	}
	rep, err := k.Check(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "instruction: %s\n", instLine(c))
	fmt.Fprintf(w, "%s\ncpu profile: %s", o.nativeLine(), k.Profile().Name)
	if k.Exact {
		fmt.Fprint(w, " (the host's, measured: undefined flags compared)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "outcome: emulator: %s\n", rep.Emu.OutcomeString())
	fmt.Fprintf(w, "outcome: native: %s\n", rep.Native.OutcomeString())
	fmt.Fprintf(w, "outcome: unicorn: %s\n", rep.Oracle.OutcomeString())
	if m := maskLine(rep.Mask); m != "" {
		fmt.Fprintf(w, "masked: %s\n", m)
	}
	if rows := rep.Table(); len(rows) == 0 {
		fmt.Fprintln(w, "no compared field differs")
	} else {
		t := reports.NewTable("field", "emulator", "native", "unicorn")
		for _, r := range rows {
			t.Add(r...)
		}
		if err := t.Render(w); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "agreement: %s\n", rep.Agreement())
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
	if rep.Gap != "" {
		for _, g := range k.Profile().Gaps {
			if g.ID == rep.Gap {
				fmt.Fprintf(w, "gap: %s: %s\n", g.ID, g.Why)
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

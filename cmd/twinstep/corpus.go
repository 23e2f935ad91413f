package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/oracles/check"
)

const corpusHelp = `Usage: twinstep corpus add --name NAME --bytes HEX --why TEXT [--state FILE] [--seed N] [--dir DIR] [--force]

Turns a case into a regression case: builds it as 'twinstep step' does, checks
it on the emulator, the host CPU (where this host can run it) and Unicorn, and
writes DIR/NAME.case with the oracle that decided (silicon where it answered)
and the verdict it got as the verdict it must keep ('go test ./fuzz -run
Regressions' replays them). A case silicon decided records the emulator's CPU
profile (--cpu, default the host's) and replays on hosts of that vendor. Only
a match, a known oracle mistake or "oracle unable" (say, a case that crashes
Unicorn) can be recorded: a divergence or a missing instruction is fixed
first, then recorded.
`

var caseName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

func runCorpus(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprint(stdout, corpusHelp)
			return exitOK
		}
		fmt.Fprintf(stderr, "twinstep corpus: want the subcommand add (run 'twinstep corpus -h')\n")
		return exitUsage
	}
	fs := newFlags("corpus add", corpusHelp)
	name := fs.String("name", "", "the case's file `name` (lower case, digits, '-' and '.')")
	bytesHex := fs.String("bytes", "", "the instruction's bytes in `hex`")
	why := fs.String("why", "", "why the case exists: what it found or proves")
	statePath := fs.String("state", "", "a state `file` in the arch.State JSON form (default arch.Flat64 with rip 0x400000)")
	seed := fs.Uint64("seed", 0, "fills the data pages the instruction touches")
	dir := fs.String("dir", filepath.Join(repoRoot(), corpus.Dir), "the regression corpus `dir`")
	force := fs.Bool("force", false, "overwrite an existing case")
	profile := fs.String("cpu", "", profileFlagHelp)
	if ok, code := parseFlags(fs, args[1:], stdout, stderr); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "twinstep corpus add: %v\n", err)
		return exitError
	}
	switch {
	case !caseName.MatchString(*name):
		return fail(fmt.Errorf("--name %q: use lower case letters, digits, '-' and '.'", *name))
	case *why == "":
		return fail(errors.New("--why is required: a case says what it proves"))
	}
	code, err := parseCode(*bytesHex)
	if err != nil {
		return fail(fmt.Errorf("--bytes: %w", err))
	}
	st, err := loadState(*statePath)
	if err != nil {
		return fail(err)
	}
	path := filepath.Join(*dir, *name+".case")
	if _, err := os.Stat(path); err == nil && !*force {
		return fail(fmt.Errorf("%s exists (use --force to replace it)", path))
	}
	o, err := startOracles()
	if err != nil {
		return fail(err)
	}
	defer o.Close()
	k, err := o.checker(*profile)
	if err != nil {
		return fail(err)
	}
	c, err := check.Build(k.Emu, code, st, *seed)
	if err != nil {
		return fail(err)
	}
	rep, err := k.Check(c)
	if err != nil {
		return fail(err)
	}
	expect := rep.Verdict.String()
	switch rep.Verdict {
	case check.Match, check.OracleUnable:
	case check.OracleMistake:
		expect += ": " + rep.Mistake
	default:
		return fail(fmt.Errorf("the case is a %s (%s; %s): fix it before recording it",
			rep.Verdict, rep.Agreement(), rep.Outcomes()))
	}
	cs := corpus.Case{Why: *why, Bytes: code, Seed: *seed, Oracle: cmp.Or(rep.Decider, "unicorn"), Expect: expect, State: st}
	if rep.Decider == "native" {
		cs.CPU = k.Profile().Name
	}
	text := corpus.Format(cs)
	if err := writeOutput(path, []byte(text)); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "%s: %s\n", path, expect)
	return exitOK
}

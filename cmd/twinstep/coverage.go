package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/twinstep/twinstep/corpus"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/internal/infile"
	"github.com/twinstep/twinstep/reports"
)

const coverageHelp = `Usage: twinstep coverage [--corpus DIR] [--fuzzcorpus DIR] [--fuzzcache DIR] [--seeds DIR] [--missing]

Lists every form of the decoder's opcode table with whether the emulator
implements it and whether it was exercised against an oracle: whether any
input of the regression corpus, the committed FuzzSemantics corpus, the local
fuzz cache or the oracle-checked seed encodings (corpus/seeds/*.hex, one hex
encoding per line) decodes to it. Default directories are found from the
repository root, so the command works from any directory inside it; a missing
default directory counts as empty, a missing directory given by flag is an
error. An input of the fuzz cache that is not a FuzzSemantics input (left by
an older signature, say) is skipped with a warning; one in a committed corpus
is an error.

With --missing, lists only the forms that need work: implemented but never
exercised, and not implemented.
`

// Where the inputs come from, in the order the table's "from" column lists
// them.
const (
	srcRegressions = iota
	srcFuzzCorpus
	srcFuzzCache
	srcSeeds
	numSources
)

var (
	sourceNames = [numSources]string{"regressions", "fuzz corpus", "fuzz cache", "seeds"}
	flagNames   = [numSources]string{"corpus", "fuzzcorpus", "fuzzcache", "seeds"}
	loaders     = [numSources]func(dir string) (inputs [][]byte, bad []error, err error){
		loadRegressions, loadFuzzDir, loadFuzzDir, loadSeeds,
	}
)

// fuzzPkg is the fuzz package's import path, under which Go keeps its
// fuzz cache.
const fuzzPkg = "github.com/twinstep/twinstep/fuzz"

func runCoverage(args []string, stdout, stderr io.Writer) int {
	root := repoRoot()
	fset := newFlags("coverage", coverageHelp)
	var dirs [numSources]*string
	dirs[srcRegressions] = fset.String(flagNames[srcRegressions], filepath.Join(root, corpus.Dir), "the regression corpus `dir` (*.case)")
	dirs[srcFuzzCorpus] = fset.String(flagNames[srcFuzzCorpus], filepath.Join(root, "fuzz", "testdata", "fuzz", "FuzzSemantics"),
		"the committed FuzzSemantics corpus `dir`")
	dirs[srcFuzzCache] = fset.String(flagNames[srcFuzzCache], filepath.Join(goCache(), "fuzz", fuzzPkg, "FuzzSemantics"),
		"the FuzzSemantics fuzz cache `dir`, which Go keeps under $(go env GOCACHE)/fuzz")
	dirs[srcSeeds] = fset.String(flagNames[srcSeeds], filepath.Join(root, "corpus", "seeds"), "the oracle-checked seed encodings `dir` (*.hex)")
	missing := fset.Bool("missing", false, "list only forms implemented but never exercised, and unimplemented forms")
	if ok, code := parseFlags(fset, args, stdout, stderr); !ok {
		return code
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "twinstep coverage: unexpected argument %q\n", fset.Arg(0))
		return exitUsage
	}
	given := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { given[f.Name] = true })
	cov := newCoverage()
	for src := range numSources {
		if err := cov.load(src, *dirs[src], given[flagNames[src]], stderr); err != nil {
			fmt.Fprintf(stderr, "twinstep coverage: %v\n", err)
			return exitError
		}
	}

	t := reports.NewTable("form", "implemented", "exercised", "inputs", "from")
	var impl, exercised, unexercised int
	for _, f := range decoder.Forms {
		u := cov.forms[f.ID]
		isImpl, isEx := cpu.Implemented(f), u.inputs > 0
		if isImpl {
			impl++
		}
		if isEx {
			exercised++
		}
		if isImpl && !isEx {
			unexercised++
		}
		if *missing && isEx && isImpl {
			continue
		}
		t.Add(f.Key(), yesNo(isImpl), yesNo(isEx), strconv.Itoa(u.inputs), u.fromString())
	}
	if err := t.Render(stdout); err != nil {
		fmt.Fprintf(stderr, "twinstep coverage: %v\n", err)
		return exitError
	}
	var counts []string
	for src := range numSources {
		counts = append(counts, fmt.Sprintf("%d %s", cov.inputs[src], sourceNames[src]))
	}
	fmt.Fprintf(stdout, "inputs: %s; %d decode to no form\n", strings.Join(counts, ", "), cov.undecodable)
	fmt.Fprintf(stdout, "forms: %d total, %d implemented, %d exercised against an oracle, %d implemented but never exercised\n",
		len(decoder.Forms), impl, exercised, unexercised)
	return exitOK
}

// formUse is how often inputs decoded to one form, and from where.
type formUse struct {
	inputs int
	from   [numSources]bool
}

func (u formUse) fromString() string {
	var s []string
	for src, ok := range u.from {
		if ok {
			s = append(s, sourceNames[src])
		}
	}
	return strings.Join(s, ", ")
}

type coverage struct {
	forms       []formUse // by form ID
	inputs      [numSources]int
	undecodable int
}

func newCoverage() *coverage { return &coverage{forms: make([]formUse, len(decoder.Forms))} }

// add counts one input. Like the fuzz target, it skips what cannot be an
// instruction (empty, or longer than 15 bytes); those count as decoding to
// no form.
func (c *coverage) add(src int, code []byte) {
	c.inputs[src]++
	if len(code) == 0 || len(code) > decoder.MaxLen {
		c.undecodable++
		return
	}
	in, err := decoder.Decode(code)
	if err != nil {
		c.undecodable++
		return
	}
	u := &c.forms[in.Form.ID]
	u.inputs++
	u.from[src] = true
}

// load reads one source's inputs from dir. A default directory that does
// not exist is an empty source; one named by flag is an error. Inputs that
// cannot be read are an error in committed sources and a warning in the
// fuzz cache, which keeps what older signatures of the target left.
func (c *coverage) load(src int, dir string, given bool, stderr io.Writer) error {
	if _, err := os.Stat(dir); err != nil {
		if given || !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("--%s: %w", flagNames[src], err)
		}
		return nil
	}
	inputs, bad, err := loaders[src](dir)
	if err == nil && len(bad) > 0 && src != srcFuzzCache {
		err = bad[0]
	}
	if err != nil {
		return fmt.Errorf("%s: %w", sourceNames[src], err)
	}
	for _, e := range bad {
		fmt.Fprintf(stderr, "twinstep coverage: warning: skipped: %v\n", e)
	}
	for _, code := range inputs {
		c.add(src, code)
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// maxSmallFile bounds the small files coverage reads: go.mod, and the
// fuzz inputs (one instruction each).
const maxSmallFile = 1 << 20

// repoRoot is the directory of the twinstep module's go.mod above the
// working directory, or "." outside the repository: defaults then are
// relative paths that most likely do not exist and count as empty.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for {
		if b, err := infile.Read(filepath.Join(dir, "go.mod"), maxSmallFile); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if strings.TrimSpace(l) == "module github.com/twinstep/twinstep" {
					return dir
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}

// goCache is Go's build cache directory, which holds the fuzz cache: what
// `go env GOCACHE` says, or, without a go command, Go's own default.
func goCache() string {
	if out, err := exec.Command("go", "env", "GOCACHE").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			return d
		}
	}
	if d := os.Getenv("GOCACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "go-build"
	}
	return filepath.Join(d, "go-build")
}

// The loaders return the inputs of one source, the files or lines they
// could not read as inputs, and an error when the source as a whole cannot
// be read.

func loadRegressions(dir string) ([][]byte, []error, error) {
	cases, err := corpus.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	var out [][]byte
	for _, c := range cases {
		out = append(out, c.Bytes)
	}
	return out, nil, nil
}

func loadFuzzDir(dir string) ([][]byte, []error, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var out [][]byte
	var bad []error
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := infile.Read(p, maxSmallFile)
		if err != nil {
			return nil, nil, err
		}
		code, err := parseFuzzInput(string(data))
		if err != nil {
			bad = append(bad, fmt.Errorf("%s: %w", p, err))
			continue
		}
		out = append(out, code)
	}
	return out, bad, nil
}

func loadSeeds(dir string) ([][]byte, []error, error) {
	seeds, err := corpus.LoadSeeds(dir)
	return seeds, nil, err
}

// fuzzHeader starts every file of Go's fuzz corpus format.
const fuzzHeader = "go test fuzz v1"

// parseFuzzInput reads one FuzzSemantics input in Go's fuzz corpus format:
// the header, then one Go literal per argument, here []byte("...") for the
// code and uint64(N) for the seed. The seed does not change which form the
// code decodes to, but it is checked: a file with other arguments belongs
// to another signature.
func parseFuzzInput(text string) ([]byte, error) {
	lines := strings.Split(text, "\n")
	if strings.TrimSuffix(lines[0], "\r") != fuzzHeader {
		return nil, fmt.Errorf("not a Go fuzz input: the first line is not %q", fuzzHeader)
	}
	var vals []string
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			vals = append(vals, l)
		}
	}
	if len(vals) != 2 {
		return nil, fmt.Errorf("%d values, FuzzSemantics takes 2 ([]byte, uint64)", len(vals))
	}
	code, err := fuzzLiteral(vals[0], "[]byte", strconv.Unquote)
	if err != nil {
		return nil, err
	}
	if _, err := fuzzLiteral(vals[1], "uint64", func(s string) (uint64, error) { return strconv.ParseUint(s, 0, 64) }); err != nil {
		return nil, err
	}
	return []byte(code), nil
}

// fuzzLiteral parses a "typ(value)" line, the value with parse.
func fuzzLiteral[T any](line, typ string, parse func(string) (T, error)) (T, error) {
	var zero T
	inner, ok := strings.CutPrefix(line, typ+"(")
	if !ok {
		return zero, fmt.Errorf("%q: want a %s value", line, typ)
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return zero, fmt.Errorf("%q: no closing parenthesis", line)
	}
	v, err := parse(inner)
	if err != nil {
		return zero, fmt.Errorf("%q: %v", line, err)
	}
	return v, nil
}

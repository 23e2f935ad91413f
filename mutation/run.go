package mutation

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/mutation/probe"
)

// Targets are the packages mutants are made in, relative to the module root.
var Targets = []string{"emulator/cpu", "emulator/decoder"}

// The module path the targets' import paths start with.
const module = "github.com/twinstep/twinstep"

// Config is one mutation run.
type Config struct {
	Root string // the module root
	Out  string // the directory for results and scratch files
	// N mutants are drawn (0: every one); Seed orders the draw.
	N    int
	Seed uint64
	// Ops, Files and IDs restrict the candidates (empty: all).
	Ops   []string
	Files []string
	IDs   []string
	// Detectors by name, in the order to run (empty: every make-test one;
	// Fuzz adds the 60 s fuzz run).
	Detectors []string
	Fuzz      bool
	// Baseline runs every detector on the unmutated tree first: a check
	// that fails there would "kill" every mutant.
	Baseline bool
	Log      io.Writer
	Go       string // the go command
	// Targets and Checks replace the package's Targets and Detectors
	// (a test runs the whole machinery on a small module of its own).
	Targets []string
	Checks  []Detector
}

// Status is what became of a mutant.
type Status string

const (
	Killed     Status = "killed"
	Survived   Status = "survived"
	Equivalent Status = "equivalent" // compiles to the same machine code as the original
	Stillborn  Status = "stillborn"  // does not compile
	Failed     Status = "error"      // a check could not run (build failure of a test)
)

// DetectorRun is one detector's run on one mutant.
type DetectorRun struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Killed  bool    `json:"killed"`
	Timeout bool    `json:"timeout,omitempty"`
}

// Result is one mutant's outcome.
type Result struct {
	Mutant
	Status   Status        `json:"status"`
	KilledBy string        `json:"killed_by,omitempty"`
	Detail   string        `json:"detail,omitempty"`  // the failing tests' lines, or the compiler's error
	Reached  int           `json:"reached,omitempty"` // encodings of sweep cases that ran the change
	Forms    []string      `json:"forms,omitempty"`   // their instruction forms (survivors)
	Runs     []DetectorRun `json:"runs,omitempty"`
	Seconds  float64       `json:"seconds"`
}

// Summary is a whole run.
type Summary struct {
	Seed       uint64            `json:"seed"`
	N          int               `json:"n"`
	Candidates int               `json:"candidates"` // mutants the operators make in the targets
	ByOp       map[string]int    `json:"candidates_by_op"`
	Detectors  []Detector        `json:"detectors"`
	Baseline   map[string]string `json:"baseline,omitempty"` // detector: seconds on the unmutated tree
	Results    []Result          `json:"results"`
	Started    time.Time         `json:"started"`
	Seconds    float64           `json:"seconds"`
}

func (c *Config) logf(format string, a ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", a...)
	}
}

// Candidates lists every mutant of the targets that the operator and file
// filters allow, in a fixed order.
func Candidates(root string, targets, ops, files []string) ([]Mutant, error) {
	var all []Mutant
	for _, t := range targets {
		ents, err := os.ReadDir(filepath.Join(root, t))
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			rel := t + "/" + name
			if len(files) > 0 && !slices.Contains(files, rel) && !slices.Contains(files, name) {
				continue
			}
			src, err := os.ReadFile(filepath.Join(root, rel))
			if err != nil {
				return nil, err
			}
			ms, err := Sites(rel, src)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				if len(ops) == 0 || slices.Contains(ops, m.Op) {
					all = append(all, m)
				}
			}
		}
	}
	return all, nil
}

// Draw orders the candidates for a seed: a reproducible permutation.
func Draw(cands []Mutant, seed uint64) []Mutant {
	r := rand.New(rand.NewPCG(seed, 0x6d7574616e74))
	out := make([]Mutant, len(cands))
	for i, j := range r.Perm(len(cands)) {
		out[i] = cands[j]
	}
	return out
}

// Run draws mutants and runs each through the detectors until N have
// compiled (or every candidate is done). Results are appended to
// Out/results.jsonl as they come, so a run interrupted and started again
// with the same configuration resumes.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	dets, err := cfg.detectors()
	if err != nil {
		return nil, err
	}
	if cfg.Targets == nil {
		cfg.Targets = Targets
	}
	cands, err := Candidates(cfg.Root, cfg.Targets, cfg.Ops, cfg.Files)
	if err != nil {
		return nil, err
	}
	if len(cfg.IDs) > 0 {
		cands = slices.DeleteFunc(cands, func(m Mutant) bool { return !slices.Contains(cfg.IDs, m.ID) })
	}
	if len(cands) == 0 {
		return nil, errors.New("no mutants: the operator and file filters leave nothing")
	}
	sum := &Summary{Seed: cfg.Seed, N: cfg.N, Candidates: len(cands), ByOp: map[string]int{}, Detectors: dets,
		Started: time.Now()}
	for _, m := range cands {
		sum.ByOp[m.Op]++
	}
	if err := os.MkdirAll(cfg.scratch(), 0o755); err != nil {
		return nil, err
	}
	if cfg.Baseline {
		sum.Baseline = map[string]string{}
		for _, d := range dets {
			cfg.logf("baseline: %s ...", d.Name)
			run, detail, err := cfg.runDetector(ctx, d, "")
			if err != nil {
				return nil, err
			}
			if run.Killed {
				return nil, fmt.Errorf("the %s check fails on the unmutated tree, so it would kill every mutant:\n%s", d.Name, detail)
			}
			sum.Baseline[d.Name] = fmt.Sprintf("%.1f", run.Seconds)
			cfg.logf("baseline: %s passed in %.1f s", d.Name, run.Seconds)
		}
	}
	refs := map[string]string{}
	for _, t := range cfg.Targets {
		h, err := cfg.assembly(ctx, t, "")
		if err != nil {
			return nil, fmt.Errorf("%s does not compile unmutated: %v", t, err)
		}
		refs[t] = h
	}
	done, err := cfg.resume(ctx, dets)
	if err != nil {
		return nil, err
	}
	results, err := os.OpenFile(filepath.Join(cfg.Out, "results.jsonl"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	defer results.Close()
	compiled := 0
	for _, m := range Draw(cands, cfg.Seed) {
		if cfg.N > 0 && compiled >= cfg.N {
			break
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		r, ok := done[m.ID]
		if !ok {
			r, err = cfg.runMutant(ctx, m, dets, refs)
			if err != nil {
				return sum, err
			}
			line, _ := json.Marshal(r)
			if _, err := results.Write(append(line, '\n')); err != nil {
				return sum, err
			}
		}
		if r.Status == Stillborn {
			continue
		}
		compiled++
		sum.Results = append(sum.Results, r)
		of := cfg.N
		if of == 0 {
			of = len(cands)
		}
		cfg.logf("%d/%d %s %s %s%s (%.0f s)", compiled, of, m.ID, m.String(), r.Status, by(r.KilledBy), r.Seconds)
	}
	sum.Seconds = time.Since(sum.Started).Seconds()
	return sum, nil
}

func by(d string) string {
	if d == "" {
		return ""
	}
	return " by " + d
}

func (cfg *Config) detectors() ([]Detector, error) {
	if cfg.Checks != nil {
		return cfg.Checks, nil
	}
	var out []Detector
	if len(cfg.Detectors) == 0 {
		for _, d := range Detectors {
			if d.MakeTest {
				out = append(out, d)
			}
		}
	} else {
		for _, n := range cfg.Detectors {
			d, ok := DetectorByName(n)
			if !ok {
				return nil, fmt.Errorf("no detector %q", n)
			}
			out = append(out, d)
		}
	}
	if cfg.Fuzz {
		d, _ := DetectorByName("fuzz")
		out = append(out, d)
	}
	return out, nil
}

// resume reads the results of an earlier run of the same detectors on the
// same tree (every file git knows or would add, hashed): results from
// other checks or other code do not carry over.
func (cfg *Config) resume(ctx context.Context, dets []Detector) (map[string]Result, error) {
	key := ""
	for _, d := range dets {
		key += d.Name + " "
	}
	tree, err := cfg.fingerprint(ctx)
	if err != nil {
		tree = "unknown " + time.Now().String() // no git: never resume
	}
	key += "\n" + tree + "\n"
	keyPath := filepath.Join(cfg.Out, "key")
	if old, err := os.ReadFile(keyPath); err != nil || string(old) != key {
		os.Remove(filepath.Join(cfg.Out, "results.jsonl"))
		if err := os.WriteFile(keyPath, []byte(key), 0o644); err != nil {
			return nil, err
		}
	}
	done := map[string]Result{}
	f, err := os.Open(filepath.Join(cfg.Out, "results.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return done, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r Result
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.ID != "" {
			done[r.ID] = r
		}
	}
	return done, nil
}

// fingerprint hashes the tree's files: those git tracks and the untracked
// ones it does not ignore.
func (cfg *Config) fingerprint(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "git", "ls-files", "-z", "-c", "-o", "--exclude-standard")
	cmd.Dir = cfg.Root
	out, err := cmd.Output()
	if err != nil {
		return "", err
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	slices.Sort(files)
	h := sha256.New()
	for _, f := range slices.Compact(files) {
		b, err := os.ReadFile(filepath.Join(cfg.Root, f))
		if err != nil {
			continue // deleted in the work tree
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// runMutant compiles one mutant, recognizes it as stillborn or
// equivalent, and otherwise runs the detectors on it in order.
func (cfg *Config) runMutant(ctx context.Context, m Mutant, dets []Detector, refs map[string]string) (r Result, err error) {
	start := time.Now()
	r = Result{Mutant: m}
	defer func() { r.Seconds = time.Since(start).Seconds() }()
	src, err := os.ReadFile(filepath.Join(cfg.Root, m.File))
	if err != nil {
		return r, err
	}
	var plain []byte
	plain, err = Apply(src, &m, false)
	if err != nil {
		return r, err
	}
	overlay, err := cfg.writeOverlay(m.File, plain)
	if err != nil {
		return r, err
	}
	pkg := filepath.Dir(m.File)
	h, err := cfg.assembly(ctx, pkg, overlay)
	switch {
	case err != nil:
		r.Status, r.Detail = Stillborn, err.Error()
		return r, nil
	case h == refs[pkg]:
		r.Status = Equivalent
		r.Detail = "the compiler emits the same machine code for the package"
		return r, nil
	}
	probed, err := Apply(src, &m, true)
	if err != nil {
		return r, err
	}
	if overlay, err = cfg.writeOverlay(m.File, probed); err != nil {
		return r, err
	}
	// Absolute: each test binary runs in its own package's directory.
	reachFile, err := filepath.Abs(filepath.Join(cfg.scratch(), "reached.txt"))
	if err != nil {
		return r, err
	}
	os.Remove(reachFile)
	r.Status = Survived
	for _, d := range dets {
		run, detail, err := cfg.runDetector(ctx, d, overlay, probe.OutEnv+"="+reachFile)
		if err != nil {
			return r, err
		}
		r.Runs = append(r.Runs, run)
		if run.Killed {
			r.Status, r.KilledBy, r.Detail = Killed, d.Name, detail
			break
		}
	}
	if r.Status == Survived {
		r.Reached, r.Forms = readReached(reachFile)
		if !m.Probed {
			r.Detail = "at package level: the sweeps could not tell which cases reach it"
		}
	}
	return r, nil
}

// readReached turns the encodings the sweeps noted into form names.
func readReached(path string) (int, []string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, nil
	}
	encs := map[string]bool{}
	forms := map[string]bool{}
	for _, l := range strings.Fields(string(b)) {
		encs[l] = true
		code, err := hex.DecodeString(l)
		if err != nil {
			continue
		}
		if in, err := decoder.Decode(code); err == nil && in.Form != nil {
			forms[in.Form.Key()] = true
		}
	}
	out := make([]string, 0, len(forms))
	for f := range forms {
		out = append(out, f)
	}
	slices.Sort(out)
	return len(encs), out
}

// scratch holds the mutant's source and the probe's output. The leading
// underscore keeps it out of ./... when --out is inside the module (the
// default, build/mutate): a mutant file there would break go build ./...
func (cfg *Config) scratch() string { return filepath.Join(cfg.Out, "_scratch") }

func (cfg *Config) writeOverlay(rel string, src []byte) (string, error) {
	dir := cfg.scratch()
	file := filepath.Join(dir, "mutant.go")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		return "", err
	}
	abs, err := filepath.Abs(filepath.Join(cfg.Root, rel))
	if err != nil {
		return "", err
	}
	absFile, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	j, _ := json.Marshal(map[string]map[string]string{"Replace": {abs: absFile}})
	overlay := filepath.Join(dir, "overlay.json")
	return overlay, os.WriteFile(overlay, j, 0o644)
}

// positions strips source positions from the compiler's assembly listing,
// so a mutant that only moves lines compares equal.
var positions = regexp.MustCompile(`\([^()\n]*\.go:\d+\)`)

// assembly compiles a target package (with the overlay, if any) and
// returns a hash of its assembly listing without source positions: two
// versions with the same hash compile to the same code (trivial compiler
// equivalence).
func (cfg *Config) assembly(ctx context.Context, pkg, overlay string) (string, error) {
	args := []string{"build", "-o", os.DevNull, "-gcflags=" + module + "/" + pkg + "=-S -c=1"}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.CommandContext(ctx, cfg.Go, append(args, "./"+pkg)...)
	cmd.Dir = cfg.Root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s", firstLines(out.String(), 5))
	}
	h := sha256.Sum256(positions.ReplaceAll(out.Bytes(), nil))
	return hex.EncodeToString(h[:]), nil
}

// runDetector runs one check; Killed means it failed.
func (cfg *Config) runDetector(ctx context.Context, d Detector, overlay string, env ...string) (DetectorRun, string, error) {
	args := []string{"test", "-count=1", "-vet=off", "-timeout", d.Timeout.String()}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(append(args, d.Args...), d.Pkgs...)
	var before map[string]bool
	if d.Name == "fuzz" {
		before = fuzzInputs(cfg.Root)
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, cfg.Go, args...)
	cmd.Dir = cfg.Root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	run := DetectorRun{Name: d.Name, Seconds: time.Since(start).Seconds()}
	if before != nil {
		removeNewFuzzInputs(cfg.Root, before)
	}
	if ctx.Err() != nil {
		return run, "", ctx.Err()
	}
	text := out.String()
	if err == nil {
		return run, "", nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return run, "", fmt.Errorf("go test for %s: %v", d.Name, err)
	}
	if strings.Contains(text, "[build failed]") || strings.Contains(text, "[setup failed]") {
		return run, "", fmt.Errorf("the %s check did not build:\n%s", d.Name, firstLines(text, 20))
	}
	if strings.Contains(text, probe.ErrPrefix) {
		// The harness failed, not the check: no verdict on the mutant.
		return run, "", fmt.Errorf("the %s check could not report the probe:\n%s", d.Name, failureLines(text))
	}
	run.Killed = true
	run.Timeout = strings.Contains(text, "panic: test timed out")
	return run, failureLines(text), nil
}

// fuzzInputs lists FuzzSemantics's committed inputs: a fuzz run on a
// mutant writes its failing input there, which must not stay.
func fuzzInputs(root string) map[string]bool {
	m := map[string]bool{}
	ents, _ := os.ReadDir(filepath.Join(root, "fuzz", "testdata", "fuzz", "FuzzSemantics"))
	for _, e := range ents {
		m[e.Name()] = true
	}
	return m
}

func removeNewFuzzInputs(root string, before map[string]bool) {
	dir := filepath.Join(root, "fuzz", "testdata", "fuzz", "FuzzSemantics")
	for name := range fuzzInputs(root) {
		if !before[name] {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// failureLines keeps what says why a check failed: the FAIL lines and the
// messages after them, at most 20 lines.
func failureLines(text string) string {
	var keep []string
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "--- FAIL") || strings.HasPrefix(t, "panic:") || strings.Contains(t, "_test.go:") {
			keep = append(keep, l)
			if strings.HasPrefix(t, "panic:") && i+1 < len(lines) {
				keep = append(keep, lines[i+1])
			}
		}
		if len(keep) >= 20 {
			break
		}
	}
	if len(keep) == 0 {
		return firstLines(text, 20)
	}
	return strings.Join(keep, "\n")
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

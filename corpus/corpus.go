// Package corpus reads and writes regression cases: one instruction, the
// state it ran from, the oracle it was checked against and the verdict that
// case must keep, in a text form a person can read and edit.
//
//	# why this case exists (free text; every line starting with # is kept)
//	bytes: 48 0f c8
//	seed: 42
//	oracle: unicorn
//	expect: match
//	state: {"rax":"0x1122334455667788","rip":"0x400000"}
//
//	memory: 0x7ffe0010 0011223344556677
//
// oracle is the one that decided the case: "unicorn", or "native" (the
// host CPU; such a case needs an x86-64 host to replay). cpu (optional:
// "intel", "amd") is the CPU profile the emulator runs for a rule that is
// the vendor's; a native case with cpu replays on that vendor's hosts.
// expect is "match" or "known oracle mistake: NAME". seed fills the data
// pages the instruction touches (see check.Build); state starts from
// arch.Flat64 and names only what differs. memory lines (any number) give
// bytes the instruction reads, as a lockstep replay recorded them: their
// pages are mapped, zero around the bytes given. A case is at most MaxSize
// bytes, and its memory lines fill at most MaxPages pages.
package corpus

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/internal/infile"
)

// Case is one regression case.
type Case struct {
	Name   string // the file name without .case
	Why    string
	Bytes  []byte
	Seed   uint64
	Oracle string // "unicorn" or "native"
	CPU    string // the emulator's CPU profile; "" is the default
	Expect string
	State  arch.State
	Memory []Bytes
}

// Bytes are bytes at an address.
type Bytes struct {
	Addr uint64
	Data []byte
}

// Regions returns the pages the case's memory lines fill, for check.Build.
func (c *Case) Regions() []engine.Region {
	pages := map[uint64][]byte{}
	var order []uint64
	for _, m := range c.Memory {
		for i, b := range m.Data {
			a := m.Addr + uint64(i)
			p := pages[a&^0xfff]
			if p == nil {
				p = make([]byte, 4096)
				pages[a&^0xfff] = p
				order = append(order, a&^0xfff)
			}
			p[a&0xfff] = b
		}
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	out := make([]engine.Region, len(order))
	for i, a := range order {
		out[i] = engine.Region{Addr: a, Data: pages[a]}
	}
	return out
}

// MaxSize bounds a case file: a case is one instruction, its state and
// the bytes it reads (the corpus's largest is under 2 KB). Larger input is
// refused before any work.
const MaxSize = 1 << 20

// MaxPages bounds the pages a case's memory lines fill: each becomes a
// 4 KiB page in every engine the case runs on, so lines scattered over
// many pages would cost far more memory than the file's size.
const MaxPages = 256

// Parse reads a case from its text form.
func Parse(name string, text string) (Case, error) {
	c := Case{Name: name, State: arch.Flat64()}
	if len(text) > MaxSize {
		return c, fmt.Errorf("%s: %d bytes; a case is at most %d", name, len(text), MaxSize)
	}
	seen := map[string]bool{}
	pages := map[uint64]bool{}
	var why []string // joined at the end: appending to a string is quadratic in the comment lines
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64*1024), MaxSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if w, ok := strings.CutPrefix(line, "#"); ok {
			why = append(why, strings.TrimSpace(w))
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return c, fmt.Errorf("%s:%d: want key: value", name, n)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if seen[k] && k != "memory" {
			return c, fmt.Errorf("%s:%d: %s given twice", name, n, k)
		}
		seen[k] = true
		var err error
		switch k {
		case "bytes":
			c.Bytes, err = hex.DecodeString(strings.ReplaceAll(v, " ", ""))
			if err == nil && (len(c.Bytes) == 0 || len(c.Bytes) > 15) {
				err = fmt.Errorf("%d bytes: an instruction is 1 to 15", len(c.Bytes))
			}
		case "seed":
			c.Seed, err = strconv.ParseUint(v, 0, 64)
		case "oracle":
			c.Oracle = v
			if v != "unicorn" && v != "native" {
				err = fmt.Errorf("%q: want unicorn or native", v)
			}
		case "cpu":
			c.CPU = v
		case "expect":
			c.Expect = v
		case "state":
			err = json.Unmarshal([]byte(v), &c.State)
		case "memory":
			var m Bytes
			addr, data, _ := strings.Cut(v, " ")
			if m.Addr, err = strconv.ParseUint(addr, 0, 64); err == nil {
				m.Data, err = hex.DecodeString(strings.ReplaceAll(data, " ", ""))
			}
			if err == nil && len(m.Data) == 0 {
				err = fmt.Errorf("no bytes at %#x", m.Addr)
			}
			if err == nil {
				err = addPages(pages, m)
			}
			c.Memory = append(c.Memory, m)
		default:
			err = fmt.Errorf("unknown key %q", k)
		}
		if err != nil {
			return c, fmt.Errorf("%s:%d: %s: %w", name, n, k, err)
		}
	}
	for _, k := range []string{"bytes", "oracle", "expect", "state"} {
		if !seen[k] {
			return c, fmt.Errorf("%s: missing %q", name, k)
		}
	}
	c.Why = strings.TrimSpace(strings.Join(why, "\n"))
	return c, sc.Err()
}

// addPages adds the pages m's bytes fall on to pages, and fails once they
// are more than MaxPages.
func addPages(pages map[uint64]bool, m Bytes) error {
	last := (m.Addr + uint64(len(m.Data)) - 1) &^ 0xfff
	for p := m.Addr &^ 0xfff; ; p += 0x1000 {
		if pages[p] = true; len(pages) > MaxPages {
			return fmt.Errorf("the memory lines fill more than %d pages; a case is one instruction", MaxPages)
		}
		if p == last {
			return nil
		}
	}
}

// Format writes a case's text form. The state names only the fields that
// differ from arch.Flat64.
func Format(c Case) string {
	var b strings.Builder
	for _, l := range strings.Split(c.Why, "\n") {
		if l != "" {
			fmt.Fprintf(&b, "# %s\n", l)
		}
	}
	fmt.Fprintf(&b, "bytes: % x\nseed: %d\noracle: %s\n", c.Bytes, c.Seed, c.Oracle)
	if c.CPU != "" {
		fmt.Fprintf(&b, "cpu: %s\n", c.CPU)
	}
	fmt.Fprintf(&b, "expect: %s\n", c.Expect)
	base := arch.Flat64()
	var parts []string
	for _, d := range arch.Diff(&base, &c.State) {
		parts = append(parts, fmt.Sprintf("%q:%q", d.Name, d.B))
	}
	fmt.Fprintf(&b, "state: {%s}\n", strings.Join(parts, ","))
	for _, m := range c.Memory {
		fmt.Fprintf(&b, "memory: %#x %x\n", m.Addr, m.Data)
	}
	return b.String()
}

// Load reads every *.case file in dir, sorted by name.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.case"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Case
	for _, f := range files {
		text, err := infile.Read(f, MaxSize)
		if err != nil {
			return nil, err
		}
		c, err := Parse(strings.TrimSuffix(filepath.Base(f), ".case"), string(text))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Dir is the regression corpus's directory relative to the repository root.
const Dir = "corpus/regressions"

// SeedsDir holds *.hex files: one instruction encoding per line, # comments.
const SeedsDir = "corpus/seeds"

// maxSeedsFile bounds a seeds file (the corpus's is 55 KB).
const maxSeedsFile = 16 << 20

// LoadSeeds reads every encoding in dir's *.hex files.
func LoadSeeds(dir string) ([][]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.hex"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		text, err := infile.Read(f, maxSeedsFile)
		if err != nil {
			return nil, err
		}
		for n, line := range strings.Split(string(text), "\n") {
			line, _, _ = strings.Cut(line, "#")
			line = strings.ReplaceAll(strings.TrimSpace(line), " ", "")
			if line == "" {
				continue
			}
			b, err := hex.DecodeString(line)
			if err != nil || len(b) == 0 || len(b) > 15 {
				return nil, fmt.Errorf("%s:%d: %q is not an instruction encoding", f, n+1, line)
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// Package check runs one case on the emulator and on the oracles (Unicorn,
// and the host CPU where it can run the case), compares the results field
// by field, and classifies the outcome: match, divergence, missing in the
// emulator, oracle unable, or a known oracle mistake.
//
// Where silicon answers, it is the truth: the emulator is compared with it,
// and a disagreement is a divergence even where Unicorn agrees with the
// emulator. Unicorn's known-mistake table then explains only Unicorn's own
// disagreements with silicon. Where silicon cannot answer (the native
// engine declines the case, or the host has none), Unicorn decides as it
// did before silicon was an oracle.
package check

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// Case is a starting state and the memory it runs in.
type Case = engine.Case

// Verdict classifies a case.
type Verdict uint8

// Verdicts.
const (
	Match         Verdict = iota // every compared field agrees
	Divergence                   // the emulator disagrees with the deciding oracle, and nothing explains it
	Missing                      // the emulator does not implement the instruction
	OracleUnable                 // no oracle can execute it
	OracleMistake                // a known oracle mistake explains the disagreement
	// UnicornWrong: the emulator agrees with silicon, Unicorn disagrees and
	// no known mistake says why: a Unicorn mistake for its table.
	UnicornWrong
)

var verdictNames = [...]string{"match", "divergence", "missing", "oracle unable", "known oracle mistake",
	"unicorn disagrees with silicon"}

func (v Verdict) String() string { return verdictNames[v] }

// Mistake is one known way an oracle is wrong. Applies decides, from the
// instruction, the pre-state and both results, whether it explains a
// disagreement; it must be narrow enough to explain nothing else. An entry
// is about instructions the decoder accepts, or, with Undecodable, about
// byte sequences it rejects as #UD (then in holds what the decoder got to:
// in.Form is nil for an undefined opcode, set for an illegal LOCK).
//
// A mistake with Corrects instead is about one field that can be set right
// (RF, say), so it can hide behind another mistake in the same case:
// Corrects returns the oracle's result with the field as the right answer
// has it, and the other mistakes are then asked about that.
type Mistake struct {
	Name        string
	Why         string
	Undecodable bool
	Applies     func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem Memory) bool
	Corrects    func(pre *arch.State, right, oracle *engine.Result) (engine.Result, bool)
}

// Memory reads the case's memory as it was before the instruction (see
// Case.Read).
type Memory func(addr uint64, b []byte) int

// Report is the outcome of checking one case.
type Report struct {
	Verdict     Verdict
	Inst        decoder.Inst
	DecodeError error
	Mask        engine.Mask // what the comparison with the decider ignored
	Emu, Oracle engine.Result
	Native      engine.Result // unsupported when the checker has no native engine
	// Decider names the oracle the emulator was judged by: "native" where
	// silicon answered, else "unicorn"; "" when neither could.
	Decider string
	// Diffs are the emulator's differences from the decider.
	Diffs []engine.Difference
	// OracleDiffs are Unicorn's differences from silicon, where silicon
	// decided.
	OracleDiffs []engine.Difference
	Mistake     string // the known mistake's name
	// Gap is the ID of the emulator profile's gap (cpu.Gap) that kept
	// silicon from deciding: a vendor rule the profile does not model.
	Gap string
}

// Agreement says which engines agreed: "emulator = native = unicorn",
// "emulator = native ≠ unicorn", "emulator ≠ native (unicorn unable)", ...
func (r *Report) Agreement() string {
	if r.Decider == "" {
		return "no oracle answered"
	}
	rel := func(same bool) string {
		if same {
			return " = "
		}
		return " ≠ "
	}
	s := "emulator" + rel(len(r.Diffs) == 0) + r.Decider
	switch {
	case r.Gap != "":
		s += " (native not judging: profile gap " + r.Gap + ")"
	case r.Decider == "unicorn" && r.Native.Outcome == engine.Unsupported, r.Decider == "unicorn" && r.Native.Outcome == engine.Failed:
		s += " (native unable: " + r.Native.Detail + ")"
	case r.Decider == "native" && (r.Oracle.Outcome == engine.Unsupported || r.Oracle.Outcome == engine.Failed):
		s += " (unicorn unable)"
	case r.Decider == "native":
		s += rel(len(r.OracleDiffs) == 0) + "unicorn"
	}
	return s
}

// Outcomes lists each engine's outcome, marking the decider: "emulator
// completed; native* exception #PF(0x6); unicorn exception #GP(0x0)".
func (r *Report) Outcomes() string {
	return "emulator " + r.Emu.OutcomeString() + "; native" + star(r.Decider == "native") + " " +
		r.Native.OutcomeString() + "; unicorn" + star(r.Decider == "unicorn") + " " + r.Oracle.OutcomeString()
}

func star(b bool) string {
	if b {
		return "*"
	}
	return ""
}

// Table lists every field on which any two engines differ (outside Mask),
// one row each: the field, then the emulator's, native's and Unicorn's
// values; "-" for an engine that did not answer.
func (r *Report) Table() [][]string {
	res := [3]*engine.Result{&r.Emu, &r.Native, &r.Oracle}
	able := func(i int) bool {
		o := res[i].Outcome
		return o != engine.Unsupported && o != engine.Failed && o != engine.Unimplemented
	}
	vals := map[string]*[3]string{}
	var order []string
	for _, p := range [][2]int{{0, 1}, {0, 2}, {2, 1}} {
		if !able(p[0]) || !able(p[1]) {
			continue
		}
		for _, d := range engine.Compare(res[p[0]], res[p[1]], r.Mask) {
			v := vals[d.What]
			if v == nil {
				v = &[3]string{}
				vals[d.What] = v
				order = append(order, d.What)
			}
			v[p[0]], v[p[1]] = d.A, d.B
		}
	}
	var rows [][]string
	for _, f := range order {
		v := vals[f]
		for i := range v {
			switch {
			case !able(i):
				v[i] = "-"
			case v[i] == "":
				// No difference with the engines it was compared with:
				// it holds their value.
				for j := range v {
					if j != i && able(j) && v[j] != "" {
						v[i] = v[j]
					}
				}
			}
		}
		rows = append(rows, []string{f, v[0], v[1], v[2]})
	}
	return rows
}

// Checker compares the emulator with the oracles.
type Checker struct {
	Emu    engine.Engine
	Oracle engine.Engine // Unicorn
	// Native is the host CPU (oracles/native), nil where it cannot run.
	Native   engine.Engine
	Mistakes []Mistake
	// Exact compares what the SDM leaves undefined too, with silicon: set
	// it when the emulator runs the host's CPU profile (cpu.HostProfile).
	Exact bool
}

// NewChecker compares the emulator with Unicorn (oracle) and, where silicon
// is non-nil, with the host CPU. With silicon the emulator runs the host's
// CPU profile (host, from native.Host.Profile; nil where the vendor has
// none), and a measured profile makes the comparison exact. Unicorn's
// known mistakes are the caller's (unicorn.KnownMistakes).
func NewChecker(oracle, silicon engine.Engine, host *cpu.Profile, mistakes []Mistake) *Checker {
	emu := emulator.NewEngine()
	k := &Checker{Emu: emu, Oracle: oracle, Mistakes: mistakes}
	if silicon != nil {
		k.Native = silicon
		emu.CPU.SetProfile(host)
		k.Exact = host != nil && host.Verified()
	}
	return k
}

// Profile is the CPU profile the emulator runs, nil when Emu is not the
// emulator.
func (k *Checker) Profile() *cpu.Profile {
	if e, ok := k.Emu.(*emulator.Engine); ok {
		return e.CPU.Profile()
	}
	return nil
}

// SetProfile makes the emulator run p (nil: the default).
func (k *Checker) SetProfile(p *cpu.Profile) {
	if e, ok := k.Emu.(*emulator.Engine); ok {
		e.CPU.SetProfile(p)
	}
}

// Check runs c on the engines for one instruction.
func (k *Checker) Check(c Case) (Report, error) {
	reps, err := k.CheckAll([]Case{c})
	if err != nil {
		return Report{}, err
	}
	return reps[0], nil
}

// CheckAll is Check for many cases: each oracle gets them all at once (see
// engine.Batcher), so a case costs no round trip to an oracle's process.
func (k *Checker) CheckAll(cases []Case) ([]Report, error) {
	reps := make([]Report, len(cases))
	sdm := make([]engine.Mask, len(cases))
	code := make([]byte, decoder.MaxLen)
	for i := range cases {
		c, rep := &cases[i], &reps[i]
		n := c.Read(c.State.RIP, code)
		rep.Inst, rep.DecodeError = decoder.Decode(code[:n])
		if rep.DecodeError == nil {
			sdm[i] = cpu.Undefined(&rep.Inst, &c.State)
		}
		var err error
		if rep.Emu, err = engine.Run(k.Emu, &c.State, c.Mem, 1); err != nil {
			return nil, err
		}
	}
	orc, err := engine.RunAll(k.Oracle, cases, 1)
	if err != nil {
		return nil, err
	}
	var nat []engine.Result
	if k.Native != nil {
		if nat, err = engine.RunAll(k.Native, cases, 1); err != nil {
			return nil, err
		}
	}
	for i := range reps {
		reps[i].Oracle = orc[i]
		reps[i].Native = engine.Result{Outcome: engine.Unsupported, Detail: "no native engine on this host"}
		if nat != nil {
			reps[i].Native = nat[i]
		}
		k.judge(&reps[i], &cases[i], sdm[i])
	}
	return reps, nil
}

// judge compares the engines' results in rep and gives the verdict; sdm is
// what the SDM leaves undefined for the case.
func (k *Checker) judge(rep *Report, c *Case, sdm engine.Mask) {
	in := &rep.Inst
	unable := func(r *engine.Result) bool { return r.Outcome == engine.Unsupported || r.Outcome == engine.Failed }
	if p := k.Profile(); p != nil && k.Native != nil {
		if g := p.Gap(in); g != nil {
			rep.Gap = g.ID
		}
	}
	if k.Native != nil && !unable(&rep.Native) && rep.Gap == "" {
		rep.Decider = "native"
		if !k.Exact {
			rep.Mask = sdm
		}
		rep.Diffs = engine.Compare(&rep.Emu, &rep.Native, rep.Mask)
		if !unable(&rep.Oracle) {
			rep.OracleDiffs = engine.Compare(&rep.Oracle, &rep.Native, sdm)
		}
		switch {
		case rep.Emu.Outcome == engine.Unimplemented:
			rep.Verdict = Missing
		case len(rep.Diffs) > 0:
			rep.Verdict = Divergence
		case len(rep.OracleDiffs) == 0:
			rep.Verdict = Match
		default:
			// The emulator is silicon here: Unicorn's disagreement is
			// Unicorn's, explained by its table or new.
			rep.Verdict, rep.Mistake = UnicornWrong, k.explain(rep, c, &rep.Native)
			if rep.Mistake != "" {
				rep.Verdict = OracleMistake
			}
		}
		return
	}
	rep.Mask = sdm
	if !unable(&rep.Oracle) {
		rep.Decider = "unicorn"
	}
	rep.Diffs = engine.Compare(&rep.Emu, &rep.Oracle, rep.Mask)
	switch {
	case rep.Emu.Outcome == engine.Unimplemented:
		rep.Verdict = Missing
	case rep.Oracle.Outcome == engine.Unsupported:
		rep.Verdict = OracleUnable
	case len(rep.Diffs) == 0:
		rep.Verdict = Match
	default:
		rep.Verdict = Divergence
		if rep.Mistake = k.explain(rep, c, &rep.Emu); rep.Mistake != "" {
			rep.Verdict = OracleMistake
		}
	}
}

// explain names the known Unicorn mistakes that account for Unicorn's
// answer where the right one is right's, or "".
func (k *Checker) explain(rep *Report, c *Case, right *engine.Result) string {
	return Explain(k.Mistakes, &rep.Inst, rep.DecodeError == nil, &c.State, right, &rep.Oracle, c.Read)
}

// Explain names the mistakes of the table that account for the oracle's
// answer where the right one is right's ("A; B" for two), or "": the one
// way every check (the Checker, lockstep) classifies an oracle's answer.
func Explain(mistakes []Mistake, in *decoder.Inst, decoded bool, pre *arch.State, right, orc *engine.Result,
	mem Memory) string {
	undecodable := !decoded
	// With TF a #DB is the single-step trap after an instruction that
	// completed (INT1's own #DB aside): the mistakes are about what the
	// instruction did, so they are asked about the completion.
	completion := func(r *engine.Result) engine.Result {
		c := *r
		if pre.RFLAGS&arch.TF != 0 && r.Raised(arch.VecDB) && (in.Form == nil || in.Form.Mnemonic != "int1") {
			c.Outcome, c.Vector = engine.Completed, 0
		}
		return c
	}
	r := completion(right)
	right = &r
	oracle := completion(orc)
	var names []string
	for _, m := range mistakes {
		if m.Corrects != nil && m.Undecodable == undecodable {
			if o, ok := m.Corrects(pre, right, &oracle); ok {
				oracle = o
				names = append(names, m.Name)
			}
		}
	}
	if len(names) > 0 {
		var mask engine.Mask
		if !undecodable {
			mask = cpu.Undefined(in, pre)
		}
		if len(engine.Compare(right, &oracle, mask)) == 0 {
			return strings.Join(names, "; ")
		}
	}
	for _, m := range mistakes {
		if m.Applies != nil && m.Undecodable == undecodable && m.Applies(in, pre, right, &oracle, mem) {
			return strings.Join(append(names, m.Name), "; ")
		}
	}
	return ""
}

// Build returns a case running code at st.RIP, with the data regions given
// and every page the instruction touches mapped: pages are added where the
// emulator's try faults on an unmapped canonical address, filled with
// pseudo-random bytes from seed so a case is reproducible. At most maxPages
// pages are added; an access beyond that, or at or above MaxCaseAddr,
// stays a #PF.
func Build(emu engine.Engine, code []byte, st arch.State, seed uint64, data ...engine.Region) (Case, error) {
	if len(code) > decoder.MaxLen {
		return Case{}, fmt.Errorf("code is %d bytes, longer than an instruction", len(code))
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	page := st.RIP &^ 0xfff
	c := Case{State: st}
	have := map[uint64]bool{}
	addPage := func(a uint64) {
		if have[a] {
			return
		}
		have[a] = true
		buf := make([]byte, 4096)
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		c.Mem = append(c.Mem, engine.Region{Addr: a, Data: buf})
	}
	for _, r := range data {
		for a := r.Addr; a < r.Addr+uint64(len(r.Data)); a += 4096 {
			have[a] = true
		}
		c.Mem = append(c.Mem, r)
	}
	// The code pages hold NOPs up to 64 bytes past the instruction's start
	// (what an instruction reads of its own neighbourhood: a truncated
	// encoding's missing bytes, a nearby RIP-relative operand) and INT3
	// after them. Unicorn translates past the instruction it runs: random
	// bytes there aborted its code generator (tcg.c:3073, "tcg fatal
	// error") on one case in a few thousand, and a page of NOPs made every
	// case translate some 500 instructions (INT3 ends the block).
	// Code near the end of its page gets the next page too, since Unicorn
	// translates ahead and would fault on it.
	const nopsPast = 64
	addPage(page)
	if st.RIP&0xfff > 4096-nopsPast {
		addPage(page + 4096)
	}
	// Only the pages Build added: a code page the case gave (its memory:
	// lines) keeps its recorded bytes, so code reading itself reads them.
	for _, r := range c.Mem[len(data):] {
		if r.Addr == page || r.Addr == page+4096 && st.RIP&0xfff > 4096-nopsPast {
			for i := range r.Data {
				r.Data[i] = 0x90
				if r.Addr+uint64(i) >= st.RIP+nopsPast {
					r.Data[i] = 0xcc
				}
			}
		}
	}
	if err := writeMem(c.Mem, st.RIP, code); err != nil {
		return c, err
	}
	const maxPages = 6
	for range maxPages {
		r, err := engine.Run(emu, &c.State, c.Mem, 1)
		if err != nil {
			return c, err
		}
		if r.Outcome != engine.Exception || r.Vector != arch.VecPF {
			break
		}
		a := r.State.CR2 &^ 0xfff
		if have[a] || a >= MaxCaseAddr {
			break
		}
		addPage(a)
	}
	return c, nil
}

// MaxCaseAddr bounds the pages a case maps: the lower canonical half.
// Unicorn maps guest virtual addresses as physical ones and cannot map the
// upper half, so an access there stays unmapped (#PF) in both engines.
const MaxCaseAddr = 1 << 47

func writeMem(mem []engine.Region, addr uint64, b []byte) error {
	for i, c := range b {
		a := addr + uint64(i)
		ok := false
		for _, r := range mem {
			if a >= r.Addr && a < r.Addr+uint64(len(r.Data)) {
				r.Data[a-r.Addr] = c
				ok = true
				break
			}
		}
		if !ok {
			return errors.New("check: code address not mapped")
		}
	}
	return nil
}

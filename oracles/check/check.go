// Package check runs one case on the emulator and on an oracle, compares the
// results field by field, and classifies the outcome: match, divergence,
// missing in the emulator, oracle unable, or a known oracle mistake.
package check

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// Case is a starting state and the memory it runs in.
type Case struct {
	State arch.State
	Mem   []engine.Region
}

// Verdict classifies a case.
type Verdict uint8

// Verdicts.
const (
	Match         Verdict = iota // every compared field agrees
	Divergence                   // the engines disagree and no known oracle mistake explains it
	Missing                      // the emulator does not implement the instruction
	OracleUnable                 // the oracle cannot execute it
	OracleMistake                // a known oracle mistake explains the disagreement
)

var verdictNames = [...]string{"match", "divergence", "missing", "oracle unable", "known oracle mistake"}

func (v Verdict) String() string { return verdictNames[v] }

// Mistake is one known way an oracle is wrong. Applies decides, from the
// instruction, the pre-state and both results, whether it explains a
// disagreement; it must be narrow enough to explain nothing else. An entry
// is about instructions the decoder accepts, or, with Undecodable, about
// byte sequences it rejects as #UD (then in holds what the decoder got to:
// in.Form is nil for an undefined opcode, set for an illegal LOCK).
type Mistake struct {
	Name        string
	Why         string
	Undecodable bool
	Applies     func(in *decoder.Inst, pre *arch.State, emu, oracle *engine.Result, mem Memory) bool
}

// Memory reads the case's memory as it was before the instruction (see
// Case.Read).
type Memory func(addr uint64, b []byte) int

// Report is the outcome of checking one case.
type Report struct {
	Verdict     Verdict
	Inst        decoder.Inst
	DecodeError error
	Mask        engine.Mask
	Emu, Oracle engine.Result
	Diffs       []engine.Difference
	Mistake     string // the known mistake's name
}

// Checker compares the emulator with an oracle.
type Checker struct {
	Emu, Oracle engine.Engine
	Mistakes    []Mistake
}

// Check runs c on both engines for one instruction.
func (k *Checker) Check(c Case) (Report, error) {
	var rep Report
	code := make([]byte, decoder.MaxLen)
	n := c.Read(c.State.RIP, code)
	in, err := decoder.Decode(code[:n])
	rep.Inst, rep.DecodeError = in, err
	if err == nil {
		rep.Mask = cpu.Undefined(&in, &c.State)
	}
	if rep.Emu, err = engine.Run(k.Emu, &c.State, c.Mem, 1); err != nil {
		return rep, err
	}
	if rep.Oracle, err = engine.Run(k.Oracle, &c.State, c.Mem, 1); err != nil {
		return rep, err
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
		undecodable := rep.DecodeError != nil
		for _, m := range k.Mistakes {
			if m.Undecodable == undecodable && m.Applies(&rep.Inst, &c.State, &rep.Emu, &rep.Oracle, c.Read) {
				rep.Verdict, rep.Mistake = OracleMistake, m.Name
				break
			}
		}
	}
	return rep, nil
}

// Read copies what the case's memory holds at addr into b, stopping at the
// first unmapped byte; it returns how many bytes it copied.
func (c Case) Read(addr uint64, b []byte) int {
	n := 0
	for n < len(b) {
		found := false
		for _, r := range c.Mem {
			if a := addr + uint64(n); a >= r.Addr && a < r.Addr+uint64(len(r.Data)) {
				n += copy(b[n:], r.Data[a-r.Addr:])
				found = true
				break
			}
		}
		if !found {
			break
		}
	}
	return n
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
	// The code pages hold NOPs around the instruction: Unicorn translates
	// past the instruction it runs, and random bytes there aborted its code
	// generator (tcg.c:3073, "tcg fatal error") on one case in a few
	// thousand.
	// Code near the end of its page gets the next page too, since Unicorn
	// translates ahead and would fault on it.
	addPage(page)
	if st.RIP&0xfff > 4096-64 {
		addPage(page + 4096)
	}
	for _, r := range c.Mem {
		if r.Addr == page || r.Addr == page+4096 && st.RIP&0xfff > 4096-64 {
			for i := range r.Data {
				r.Data[i] = 0x90
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

package check_test

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	. "github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
)

// undefinedForms are the instruction forms whose flags or results the SDM
// leaves undefined (cpu.Undefined), in every operand size, register and
// memory forms: what the CPU profiles fix.
var undefinedForms = []string{
	"21d8", "09d8", "31d8", "85d8", "20d8", "4821d8", "2118", // logic: AF
	"f6e3", "66f7e3", "f7e3", "48f7e3", "f6eb", "48f7eb", "480fafc3", "660fafc3", "6bc305", "48f720", // mul, imul
	"f6f3", "66f7f3", "f7f3", "48f7f3", "f6fb", "66f7fb", "f7fb", "48f7fb", // div, idiv
	"480fa3d8", "0fabd8", "660fb3d8", "0fbbd8", "0fbae005", "480fba2805", // bt*
	"0fbcc3", "480fbdc3", "660fbcc3", "0fbd03", // bsf, bsr
	"f30fbdc3", "f3480fbdc3", "66f30fbdc3", // lzcnt
	"d2e0", "66d3e0", "d3e8", "48d3f8", "c1e005", "48c1e83f", "d1e0", "d0e8", "48d1f8", "d320", "66d328", // shifts
	"48d3c0", "d3c8", "d2d0", "66d3d8", "c0c003", "48d1c8", // rotates
	"0fa5d8", "660fa5d8", "480fa5d8", "0fadd8", "660fadd8", "480fadd8", "0fa4d805", "660facd811", "660fa518", // shld, shrd
	"660fcb", "66480fcb", // bswap r16
}

// acForms are the accesses whose alignment-check width the SDM leaves to
// the processor (the profiles' ac-width rule), each run with alignment
// checking on and RSP and RDI at every offset in a 16-byte line.
var acForms = []string{
	"f30f6f0c24", "f30f7f0c24", "0f100c24", "660f110c24", "f20ff00c24", "660f3a630c2400", // 16-byte SSE
	"0fae0424",               // fxsave
	"660ff7c1", "67660ff7c1", // maskmovdqu
}

// acState turns a random state into one with alignment checking on and
// RSP and RDI at offset i%16 of a line.
func acState(st *arch.State, i int) {
	st.RFLAGS |= arch.AC
	st.CR0 |= arch.CR0AM
	st.GPR[arch.RSP] = 0x7ff000 + uint64(i%16)
	st.GPR[arch.RDI] = 0x7ff800 + uint64(i%16)
}

// TestProfileOnHost runs every form with undefined flags or results from
// random states on the emulator with the host's CPU profile and on silicon,
// and compares everything, undefined flags and results included (exact
// mode). A rule of a measured profile that silicon contradicts fails; for a
// profile not yet measured the test prints the table of what disagrees (the
// measurement to make it a verified profile) and skips.
//
// The acForms measure the ac-width rule the same way, with the host's
// profile only.
//
// It also checks cpu.Undefined itself: run with every other profile, only
// what cpu.Undefined masks may differ from silicon, so an entry it lacks
// is found.
func TestProfileOnHost(t *testing.T) {
	nat, err := nativetest.Native()
	if err != nil {
		t.Fatal(err)
	}
	if nat == nil {
		t.Skip("no native engine on this host (not x86-64 Linux): the profiles cannot be measured")
	}
	host := nat.Host()
	prof := host.Profile()
	if prof == nil {
		t.Skipf("no CPU profile for %s", host)
	}
	emu := emulator.NewEngine()
	const n = 300
	type tally struct{ ran, differ int }
	rules := map[string]*tally{}
	var examples []string
	for _, p := range cpu.ProfileNames() {
		emu.CPU.SetProfile(cpu.Profiles[p])
		exact := cpu.Profiles[p] == prof
		for _, h := range append(slices.Clone(undefinedForms), acForms...) {
			ac := slices.Contains(acForms, h)
			if ac && !exact {
				continue // a rule, not undefined flags: only the host's profile follows it
			}
			code, _ := hex.DecodeString(h)
			in, derr := decoder.Decode(code)
			if derr != nil {
				t.Fatalf("%s: %v", h, derr)
			}
			key := fmt.Sprintf("%-7s %s", in.Form.Mnemonic, h)
			for i := range n {
				seed := uint64(i)*7919 + 17
				st := RandomState(rand.New(rand.NewPCG(seed, 11)))
				if ac {
					acState(&st, i)
				}
				c, err := Build(emu, code, st, seed)
				if err != nil {
					t.Fatal(err)
				}
				e, err := engine.Run(emu, &c.State, c.Mem, 1)
				if err != nil {
					t.Fatal(err)
				}
				s, err := engine.Run(nat, &c.State, c.Mem, 1)
				if err != nil {
					t.Fatal(err)
				}
				if s.Outcome == engine.Unsupported || s.Outcome == engine.Failed {
					continue
				}
				var mask engine.Mask
				if !exact {
					mask = cpu.Undefined(&in, &c.State)
				}
				d := engine.Compare(&e, &s, mask)
				if exact {
					r := rules[key]
					if r == nil {
						r = &tally{}
						rules[key] = r
					}
					r.ran++
					if len(d) > 0 {
						r.differ++
					}
				}
				if len(d) > 0 && (prof.Verified() || !exact) {
					if len(examples) < 12 {
						examples = append(examples, fmt.Sprintf("%s profile %s (seed %d): %v", key, p, seed, d))
					}
					if !exact {
						t.Errorf("%s: with the %s profile, silicon differs beyond cpu.Undefined (seed %d): %v", key, p, seed, d)
					}
				}
			}
		}
	}
	var table []string
	total, bad := 0, 0
	for k, r := range rules {
		total += r.ran
		bad += r.differ
		table = append(table, fmt.Sprintf("  %s  %d/%d agree", k, r.ran-r.differ, r.ran))
	}
	sort.Strings(table)
	t.Logf("%s, profile %s: %d of %d cases agree exactly\n%s", host, prof.Name, total-bad, total, strings.Join(table, "\n"))
	if total == 0 {
		t.Fatal("silicon ran none of the cases")
	}
	if bad > 0 {
		if !prof.Verified() {
			t.Skipf("the %s profile is not measured yet: %d of %d cases disagree with %s (table above); "+
				"fix its rules to what silicon does, then set Measured", prof.Name, bad, total, host)
		}
		t.Errorf("the %s profile disagrees with %s on %d of %d cases:\n%s", prof.Name, host, bad, total,
			strings.Join(examples, "\n"))
	}
}

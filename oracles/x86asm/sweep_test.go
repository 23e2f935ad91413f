package x86asm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/oracles/native/nativetest"
)

// The sweep: every 1- and 2-byte opcode sequence and every 3-byte sequence
// in the 0F, 0F 38 and 0F 3A maps, under each prefix combination, followed
// by two tails: zeros (SIB, displacement and immediate bytes that decode as
// [rax]) and C5 bytes (mod=3 ModRMs; as a SIB, a base of 5 with its disp32).
var (
	sweepPrefixes = [][]byte{nil, {0x66}, {0xf2}, {0xf3}, {0x48}, {0x41}, {0x66, 0x48}, {0xf3, 0x48}, {0x67}}
	sweepTails    = [][]byte{bytes.Repeat([]byte{0x00}, 14), bytes.Repeat([]byte{0xc5}, 14)}
)

// sweep calls f with every sequence of the sweep, in a fixed order. b is
// reused between calls; prefix indexes sweepPrefixes and oneByte says the
// opcode sequence is a single byte.
func sweep(f func(b []byte, prefix int, oneByte bool)) {
	var seqs [][]byte
	for a := range 256 {
		seqs = append(seqs, []byte{byte(a)})
		for b := range 256 {
			seqs = append(seqs, []byte{byte(a), byte(b)}, []byte{0x0f, byte(a), byte(b)},
				[]byte{0x0f, 0x38, byte(a), byte(b)}, []byte{0x0f, 0x3a, byte(a), byte(b)})
		}
	}
	var buf [32]byte
	for i, p := range sweepPrefixes {
		for _, s := range seqs {
			for _, tail := range sweepTails {
				f(append(append(append(buf[:0], p...), s...), tail...), i, len(s) == 1)
			}
		}
	}
}

// TestSweep compares the decode length of every sequence of the sweep with
// x86asm's.
func TestSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the sweep takes a few seconds")
	}
	var (
		n, mismatches int
		classes       = map[Class]int{}
		reasons       = map[string]int{}
	)
	sweep(func(b []byte, prefix int, _ bool) {
		r := Compare(b)
		n++
		classes[r.Class]++
		switch r.Class {
		case Explained:
			reasons[r.Reason]++
		case Mismatch:
			if mismatches++; mismatches <= 30 {
				t.Errorf("% x: %v", b[:len(sweepPrefixes[prefix])+6], r)
			}
		}
	})
	t.Logf("sequences compared %d: match %d, both undecodable %d, explained %d, mismatches %d",
		n, classes[Match], classes[BothUndecodable], classes[Explained], classes[Mismatch])
	logCounts(t, reasons)
	if mismatches > 0 {
		t.Errorf("%d unexplained mismatches", mismatches)
	}
}

// sweepFullEnv set to "full" makes TestSweepSilicon probe the whole sweep.
const sweepFullEnv = "TWINSTEP_SILICON_SWEEP"

// TestSweepSilicon asks the host CPU (native.Engine.Lengths, the
// page-boundary technique) the length of the sweep's sequences that our
// decoder decodes, and compares it with ours; a difference that a vendor's
// processors explain (VendorLengths) is counted by its ID, any other fails.
// Sequences our decoder rejects are not probed (there is no length of ours
// to compare; where x86asm decodes one, TestSweep has explained why). Each
// distinct instruction
// (the bytes our decoder consumed) is probed once, with our length as the
// guess: two probes when silicon agrees.
//
// By default it probes a deterministic subset, about a fifth of the
// distinct instructions (238,344): every sequence without a prefix, every
// one-byte opcode under each prefix, and a sixteenth of the other prefixed
// sequences, chosen by a PCG with a fixed seed; about 20 s on the 2-core
// AMD EPYC host. The full sweep (1,274,980 distinct instructions, about
// two minutes there) runs with TWINSTEP_SILICON_SWEEP=full:
//
//	TWINSTEP_SILICON_SWEEP=full go test -run TestSweepSilicon -timeout 30m ./oracles/x86asm
func TestSweepSilicon(t *testing.T) {
	if testing.Short() {
		t.Skip("the silicon sweep takes seconds")
	}
	e, err := nativetest.Native()
	if err != nil {
		t.Fatal(err)
	}
	if e == nil {
		t.Skipf("no host CPU oracle: %v", native.Supported())
	}
	host := e.Host()
	full := os.Getenv(sweepFullEnv) == "full"
	sample := rand.New(rand.NewPCG(0x5eed, 16))

	type pending struct {
		ours decoder.Inst
		x86  Result
	}
	var (
		seen                       = map[string]bool{}
		qs                         []native.LengthQuery
		ps                         []pending
		decoded, probed, agree     int
		untold, unexplained        int
		vendor, groups             = map[string]int{}, map[string]int{}
		x86Right, x86Wrong, x86Bad = map[string]int{}, map[string]int{}, map[string]int{}
	)
	flush := func() {
		rs, err := e.Lengths(qs)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			p, code := &ps[i], qs[i].Code
			probed++
			ourLen := int(p.ours.Len)
			if p.x86.Class == Explained {
				// Silicon says who is right where x86asm's answer differs.
				switch {
				case r.Len == ourLen:
					x86Right[p.x86.Reason]++
				case r.Len == p.x86.TheirLen:
					x86Wrong[p.x86.Reason]++
				default:
					x86Bad[p.x86.Reason]++
				}
			}
			switch {
			case r.Len == ourLen:
				agree++
			case r.Len == 0:
				if untold++; untold <= 10 {
					t.Errorf("% x: ours %d, silicon cannot tell: %s (%s)", code[:ourLen], ourLen, r.Detail,
						r.Result.OutcomeString())
				}
			default:
				c := SiliconCase{Bytes: code, Ours: &p.ours, SiliconLen: r.Len, Vendor: host.Vendor, Enc: scan(code)}
				if id := explainSilicon(&c); id != "" {
					vendor[id]++
					break
				}
				// One example per opcode, counted: a decoder bug shows as
				// thousands of sequences of a few opcodes.
				unexplained++
				key := fmt.Sprintf("opcode %s%02x", mapBytes[c.Enc.Map], c.Enc.Opcode)
				if groups[key]++; groups[key] == 1 {
					t.Errorf("% x: ours %d (%s), silicon %d (%s)", code[:max(ourLen, r.Len)], ourLen, p.ours.String(),
						r.Len, r.Result.OutcomeString())
				}
			}
		}
		qs, ps = qs[:0], ps[:0]
	}
	sweep(func(b []byte, prefix int, oneByte bool) {
		pick := sample.IntN(16) == 0 // drawn for every sequence, so the sample does not depend on the decoder
		in, err := decoder.Decode(b)
		if err != nil {
			return
		}
		decoded++
		if !full && prefix != 0 && !oneByte && !pick {
			return
		}
		code := b[:min(len(b), decoder.MaxLen)]
		if seen[string(code[:in.Len])] {
			return
		}
		seen[string(code[:in.Len])] = true
		qs = append(qs, native.LengthQuery{Code: bytes.Clone(code), Guess: int(in.Len)})
		ps = append(ps, pending{in, Compare(b)})
		if len(qs) == 8192 {
			flush()
		}
	})
	flush()
	what := "subset (" + sweepFullEnv + "=full for all)"
	if full {
		what = "full sweep"
	}
	t.Logf("%s on %v: sequences decoded by ours %d", what, host, decoded)
	t.Logf("distinct instructions probed %d: agree %d, disagree %d (vendor %d, unexplained %d), silicon could not tell %d",
		probed, agree, probed-agree-untold, probed-agree-untold-unexplained, unexplained, untold)
	logCounts(t, vendor)
	t.Logf("where x86asm differs from ours (explained), silicon sides with ours / with x86asm / with neither:")
	reasons := map[string]int{}
	for _, m := range []map[string]int{x86Right, x86Wrong, x86Bad} {
		for k, v := range m {
			reasons[k] += v
		}
	}
	var names []string
	for k := range reasons {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("  %8d %8d %8d %s", x86Right[k], x86Wrong[k], x86Bad[k], k)
	}
	if unexplained > 0 {
		t.Logf("unexplained, by opcode:")
		logCounts(t, groups)
	}
	if unexplained > 0 || untold > 0 {
		t.Errorf("%d unexplained disagreements with silicon, %d instructions silicon could not size", unexplained, untold)
	}
}

// mapBytes are the escape bytes that select each opcode map.
var mapBytes = map[decoder.Map]string{decoder.Map0F: "0f ", decoder.Map0F38: "0f 38 ", decoder.Map0F3A: "0f 3a "}

func logCounts(t *testing.T, counts map[string]int) {
	t.Helper()
	var names []string
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("  %8d %s", counts[k], k)
	}
}

package x86asm

import (
	"bytes"
	"sort"
	"testing"
)

// TestSweep compares the decode length of every 1- and 2-byte opcode
// sequence and every 3-byte sequence in the 0F, 0F 38 and 0F 3A maps, under
// each prefix combination, followed by two tails: zeros (SIB, displacement
// and immediate bytes that decode as [rax]) and C5 bytes (mod=3 ModRMs; as a
// SIB, a base of 5 with its disp32).
func TestSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the sweep takes a few seconds")
	}
	prefixes := [][]byte{nil, {0x66}, {0xf2}, {0xf3}, {0x48}, {0x41}, {0x66, 0x48}, {0xf3, 0x48}, {0x67}}
	tails := [][]byte{bytes.Repeat([]byte{0x00}, 14), bytes.Repeat([]byte{0xc5}, 14)}
	var seqs [][]byte
	for a := range 256 {
		seqs = append(seqs, []byte{byte(a)})
		for b := range 256 {
			seqs = append(seqs, []byte{byte(a), byte(b)}, []byte{0x0f, byte(a), byte(b)},
				[]byte{0x0f, 0x38, byte(a), byte(b)}, []byte{0x0f, 0x3a, byte(a), byte(b)})
		}
	}
	var (
		n, mismatches int
		classes       = map[Class]int{}
		reasons       = map[string]int{}
		buf           [32]byte
	)
	for _, p := range prefixes {
		for _, s := range seqs {
			for _, tail := range tails {
				b := append(append(append(buf[:0], p...), s...), tail...)
				r := Compare(b)
				n++
				classes[r.Class]++
				switch r.Class {
				case Explained:
					reasons[r.Reason]++
				case Mismatch:
					if mismatches++; mismatches <= 30 {
						t.Errorf("% x: %v", b[:len(p)+len(s)+2], r)
					}
				}
			}
		}
	}
	t.Logf("sequences compared %d: match %d, both undecodable %d, explained %d, mismatches %d",
		n, classes[Match], classes[BothUndecodable], classes[Explained], classes[Mismatch])
	var names []string
	for k := range reasons {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("  %8d %s", reasons[k], k)
	}
	if mismatches > 0 {
		t.Errorf("%d unexplained mismatches", mismatches)
	}
}

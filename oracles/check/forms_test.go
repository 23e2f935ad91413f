package check_test

import (
	"encoding/hex"
	"testing"

	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// formEncodings finds, for each implemented form of the opcode table, a
// register and a memory encoding (and their REX.W variants) by decoding
// candidates built from the form's own prefix, map and opcode: the table
// drives the sweep, so a form added to it is checked against the oracle
// without anyone writing its bytes.
func formEncodings() []string {
	escapes := [][]byte{{}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}}
	filler := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x08, 0x09, 0x0a}
	var out []string
	seen := map[string]bool{}
	for _, f := range decoder.Forms {
		if !cpu.Implemented(f) || decoder.IsVEX(f) {
			continue
		}
		var pre []byte
		switch f.Prefix {
		case decoder.Prefix66:
			pre = []byte{0x66}
		case decoder.PrefixF3:
			pre = []byte{0xf3}
		case decoder.PrefixF2:
			pre = []byte{0xf2}
		}
		for _, rex := range [][]byte{nil, {0x48}} {
			found := map[bool]bool{} // by "has a memory operand"
			for modrm := 0; modrm < 256 && len(found) < 2; modrm++ {
				b := append(append(append(append([]byte{}, pre...), rex...), escapes[f.Map]...), f.Opcode, byte(modrm))
				b = append(b, filler...)
				in, err := decoder.Decode(b)
				if err != nil || in.Form != f {
					continue
				}
				mem := in.Mem.Seg != 0 || hasMem(&in)
				if found[mem] {
					continue
				}
				found[mem] = true
				h := hex.EncodeToString(b[:in.Len])
				if !seen[h] {
					seen[h] = true
					out = append(out, h)
				}
			}
		}
	}
	return out
}

func hasMem(in *decoder.Inst) bool {
	for _, a := range in.Args {
		if a.Kind == decoder.ArgMem {
			return true
		}
	}
	return false
}

// TestFormSweep checks every implemented form against Unicorn from random
// states, through encodings the opcode table itself yields.
func TestFormSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the form sweep runs every implemented form against Unicorn; skipped with -short")
	}
	encs := formEncodings()
	if len(encs) < 600 {
		t.Fatalf("only %d encodings for %d forms: the generator lost forms", len(encs), len(decoder.Forms))
	}
	t.Logf("%d encodings", len(encs))
	sweepEncodings(t, 40, true, encs)
}

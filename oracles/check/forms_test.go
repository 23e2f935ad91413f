package check_test

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// A base encoding of a form: its mandatory prefix, REX, opcode bytes and
// the ModRM byte found for it.
type base struct {
	form   *decoder.Form
	pre    []byte // the mandatory prefix, if any
	rex    byte   // 0 or 0x48
	opcode []byte // escape bytes and the opcode
	modrm  byte
	mem    bool
}

var filler = []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x08, 0x09, 0x0a}

// encode assembles legacy prefixes, the mandatory prefix, REX and the rest,
// and decodes it: the encoding (cut to its length) if it decodes to an
// implemented form.
func encode(legacy, pre []byte, rex byte, rest []byte) (string, *decoder.Inst) {
	b := append(append([]byte{}, legacy...), pre...)
	if rex != 0 {
		b = append(b, rex)
	}
	b = append(append(b, rest...), filler...)
	if len(b) > 24 {
		return "", nil
	}
	in, err := decoder.Decode(b)
	if err != nil || in.Form == nil || !cpu.Implemented(in.Form) {
		return "", nil
	}
	return hex.EncodeToString(b[:in.Len]), &in
}

// formBases finds, for each implemented form of the opcode table, a
// register and a memory encoding (and their REX.W variants) by decoding
// candidates built from the form's own prefix, map and opcode: the table
// drives the sweep, so a form added to it is checked against the oracle
// without anyone writing its bytes.
func formBases() []base {
	escapes := [][]byte{{}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}}
	var out []base
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
		op := append(append([]byte{}, escapes[f.Map]...), f.Opcode)
		for _, rex := range []byte{0, 0x48} {
			found := map[bool]bool{} // by "has a memory operand"
			for modrm := 0; modrm < 256 && len(found) < 2; modrm++ {
				_, in := encode(nil, pre, rex, append(slices.Clone(op), byte(modrm)))
				if in == nil || in.Form != f {
					continue
				}
				mem := in.Mem.Seg != 0 || hasMem(in)
				if found[mem] {
					continue
				}
				found[mem] = true
				out = append(out, base{form: f, pre: pre, rex: rex, opcode: op, modrm: byte(modrm), mem: mem})
			}
		}
	}
	return out
}

// formEncodings is one encoding per base: the form sweep's main list.
func formEncodings() []string {
	var out []string
	seen := map[string]bool{}
	for _, b := range formBases() {
		if h, _ := encode(nil, b.pre, b.rex, append(slices.Clone(b.opcode), b.modrm)); h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// The prefixes a form is swept with beyond its base encodings: the
// operand- and address-size prefixes, F2/F3 (hints, REP, or selecting
// another form), segment overrides (FS and GS change the address, CS must
// be ignored), and REX extension bits (REX.R/X/B pick r8-r15 or must be
// ignored; a bare REX selects SPL-DIL over AH-BH). REX.W has its own bases.
var (
	legacyVariants = [][]byte{{0x66}, {0x67}, {0xf2}, {0xf3}, {0x2e}, {0x64}, {0x65}}
	rexVariants    = []byte{0x40, 0x41, 0x42, 0x44}
)

// Addressing shapes of a memory operand (ModRM mod and rm, SIB, and the
// displacement), for ModRM.reg = reg: [rbx]; disp8 and disp32, positive and
// negative; RIP-relative, forwards and back (the base is the end of the
// instruction, immediates included); RBP's base-needs-a-displacement form;
// SIB without an index, with base and index at scales 1, 2 and 4. The last
// two, scale 8 and no base (disp32 + index*4), also go with 32-bit
// addressing and with r8-r15 (REX.X and REX.B).
func shapes(reg byte) (plain, sib [][]byte) {
	r := reg << 3
	sb := func(scale, index, base byte) byte { return scale<<6 | index<<3 | base }
	plain = [][]byte{
		{0x00 | r | 3},
		{0x40 | r | 3, 0x10},
		{0x40 | r | 3, 0x80},
		{0x80 | r | 3, 0x00, 0x10, 0x00, 0x00},
		{0x80 | r | 3, 0x00, 0xf0, 0xff, 0xff},
		{0x00 | r | 5, 0x00, 0x01, 0x00, 0x00},
		{0x00 | r | 5, 0x00, 0xff, 0xff, 0xff},
		{0x40 | r | 5, 0x08},
		{0x40 | r | 4, sb(0, 4, 3), 0x7f},
	}
	for scale := range byte(3) {
		plain = append(plain, []byte{0x00 | r | 4, sb(scale, 1, 3)})
	}
	sib = [][]byte{{0x40 | r | 4, sb(3, 6, 2), 0xf8}, {0x00 | r | 4, sb(2, 1, 5), 0x00, 0x10, 0x00, 0x00}}
	return plain, sib
}

// variantEncodings are the form sweep's prefix and addressing-shape
// variants of every base encoding, those that decode to an implemented
// form and are not already in the main list.
func variantEncodings(main []string) []string {
	seen := map[string]bool{}
	for _, h := range main {
		seen[h] = true
	}
	var out []string
	add := func(h string) {
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	done := map[*decoder.Form]map[bool]bool{} // forms and memory-ness already varied
	for _, b := range formBases() {
		if done[b.form] == nil {
			done[b.form] = map[bool]bool{}
		}
		if done[b.form][b.mem] {
			continue // one base each: the REX.W one is a variant itself
		}
		done[b.form][b.mem] = true
		body := append(slices.Clone(b.opcode), b.modrm)
		for _, l := range legacyVariants {
			if !b.mem && (l[0] == 0x67 || l[0] == 0x65) {
				continue // the address size and a second segment mean nothing to a register form
			}
			h, _ := encode(l, b.pre, b.rex, body)
			add(h)
		}
		for _, x := range rexVariants {
			if x == 0x42 && !b.mem {
				continue
			}
			h, _ := encode(nil, b.pre, b.rex|x, body)
			add(h)
		}
		if !b.mem {
			continue
		}
		plain, sib := shapes(b.modrm >> 3 & 7)
		for _, sh := range plain {
			h, _ := encode(nil, b.pre, b.rex, append(slices.Clone(b.opcode), sh...))
			add(h)
		}
		for _, sh := range sib {
			rest := append(slices.Clone(b.opcode), sh...)
			for _, v := range []struct {
				legacy []byte
				rex    byte
			}{{nil, 0}, {[]byte{0x67}, 0}, {nil, 0x43}} {
				h, _ := encode(v.legacy, b.pre, b.rex|v.rex, rest)
				add(h)
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

// TestFormSweep checks every implemented form against the oracles from
// random states, through encodings the opcode table itself yields.
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

// TestFormVariantSweep checks every form again under each prefix that
// changes its meaning or must be ignored and with every addressing shape
// of its memory operand. Prefixes and shapes are about decoding and
// address arithmetic, so fewer states each than the main sweep: four, one
// of each kind (random, result-directed, address-aimed, both).
func TestFormVariantSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("the variant sweep runs every implemented form against Unicorn; skipped with -short")
	}
	encs := variantEncodings(formEncodings())
	if len(encs) < 8000 {
		t.Fatalf("only %d variant encodings: the generator lost prefixes or shapes", len(encs))
	}
	t.Logf("%d encodings", len(encs))
	sweepEncodings(t, 4, true, encs)
}

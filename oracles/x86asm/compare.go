package x86asm

import (
	"errors"
	"fmt"

	"github.com/twinstep/twinstep/emulator/decoder"
)

// Class is the outcome of comparing the two decoders on one byte string.
type Class int

// Comparison outcomes. Explained covers both a KnownMistakes entry and one of
// our decoder's documented length-only classes; Result.Reason says which.
const (
	Match           Class = iota // both decode, same length
	BothUndecodable              // neither decodes
	Explained                    // they differ, for a documented reason
	Mismatch                     // they differ and nothing explains it
)

var classNames = [...]string{"match", "both undecodable", "explained", "mismatch"}

func (c Class) String() string { return classNames[c] }

// Result is the comparison of our decoder and x86asm on one byte string.
type Result struct {
	Class     Class
	Reason    string // for Explained
	OurLen    int    // 0 when our decoder rejects the bytes
	OurErr    error
	TheirLen  int // 0 when x86asm cannot decode the bytes
	TheirText string
}

func (r Result) String() string {
	our := fmt.Sprint(r.OurLen)
	if r.OurErr != nil {
		our = r.OurErr.Error()
	}
	their := "cannot decode"
	if r.TheirLen > 0 {
		their = fmt.Sprintf("%d %q", r.TheirLen, r.TheirText)
	}
	s := fmt.Sprintf("%s: ours %s, x86asm %s", r.Class, our, their)
	if r.Reason != "" {
		s += " (" + r.Reason + ")"
	}
	return s
}

// Case is what a KnownMistakes predicate sees: both decoders' answers and
// the encoding's prefixes and opcode, scanned independently of either.
type Case struct {
	Bytes     []byte
	Ours      *decoder.Inst // nil when our decoder rejects the bytes
	OurErr    error
	TheirLen  int
	TheirOK   bool
	TheirText string
	Enc       Encoding
}

// Encoding is the prefix and opcode structure of a byte string.
type Encoding struct {
	Legacy       []byte // legacy prefixes, in order
	REX          byte   // the REX prefix right before the opcode, 0 if none
	MisplacedREX bool   // a REX prefix followed by another prefix
	Map          decoder.Map
	Opcode       byte
	ModRM        byte // the byte after the opcode (meaningful only if HasModRM)
	HasModRM     bool // there is a byte after the opcode
}

// Has reports whether legacy prefix p is present.
func (e *Encoding) Has(p byte) bool {
	for _, c := range e.Legacy {
		if c == p {
			return true
		}
	}
	return false
}

// Is reports whether the opcode is op in map m.
func (e *Encoding) Is(m decoder.Map, op byte) bool { return e.Map == m && e.Opcode == op }

// Reg is the ModRM reg field; Mem reports a memory ModRM.
func (e *Encoding) Reg() byte { return e.ModRM >> 3 & 7 }

// Mem reports whether the ModRM byte selects a memory operand.
func (e *Encoding) Mem() bool { return e.ModRM>>6 != 3 }

func scan(b []byte) Encoding {
	var e Encoding
	i := 0
	for ; i < len(b) && isPrefix(b[i]); i++ {
		if b[i]&0xf0 == 0x40 {
			if i+1 < len(b) && isPrefix(b[i+1]) {
				e.MisplacedREX = true
			}
			e.REX = b[i]
			continue
		}
		e.Legacy = append(e.Legacy, b[i])
		e.REX = 0
	}
	if i < len(b) && b[i] == 0x0f {
		e.Map, i = decoder.Map0F, i+1
		if i < len(b) && (b[i] == 0x38 || b[i] == 0x3a) {
			e.Map = decoder.Map0F38
			if b[i] == 0x3a {
				e.Map = decoder.Map0F3A
			}
			i++
		}
	}
	if i < len(b) {
		e.Opcode = b[i]
	}
	if i+1 < len(b) {
		e.ModRM, e.HasModRM = b[i+1], true
	}
	return e
}

// Compare decodes b with our decoder and with x86asm and classifies the
// outcome. It never panics, whatever b holds.
func Compare(b []byte) Result {
	c := Case{Bytes: b, Enc: scan(b)}
	in, err := decoder.Decode(b)
	if err == nil {
		c.Ours = &in
	}
	c.OurErr = err
	c.TheirLen, c.TheirText, c.TheirOK = Decode(b)
	r := Result{OurErr: err, TheirLen: c.TheirLen, TheirText: c.TheirText}
	if c.Ours != nil {
		r.OurLen = int(in.Len)
	}
	switch {
	case c.Ours != nil && c.TheirOK && r.OurLen == c.TheirLen:
		r.Class = Match
	case c.Ours == nil && !c.TheirOK:
		r.Class = BothUndecodable
	default:
		r.Class, r.Reason = explain(&c)
	}
	return r
}

// explain names the reason for a difference, or returns Mismatch.
func explain(c *Case) (Class, string) {
	for i := range KnownMistakes {
		if KnownMistakes[i].Match(c) {
			return Explained, "known x86asm mistake: " + KnownMistakes[i].Name
		}
	}
	if c.Ours != nil && !c.TheirOK {
		switch m := c.Ours.Form.Mnemonic; m {
		case "vex", "evex":
			// Our decoder sizes every VEX/EVEX encoding without checking
			// that the opcode exists (the emulator runs none of them).
			return Explained, "x86asm rejects, we size: " + m
		case "into":
			// INTO is #UD in 64-bit mode; the table keeps it so that the
			// CPU, which binds it to #UD, reports it by name.
			return Explained, "we decode for #UD: into"
		}
	}
	return Mismatch, ""
}

// npStripped reports whether c is an SDM "NP" instruction under a 66, F2 or
// F3 prefix: our decoder rejects it, x86asm decodes it, and without those
// prefixes our decoder finds a prefix-selected (sse) form of the length
// x86asm gave minus the prefixes dropped.
func npStripped(c *Case) bool {
	if c.Ours != nil || !c.TheirOK || !errors.Is(c.OurErr, decoder.ErrUndefined) {
		return false
	}
	var s []byte
	inPrefixes := true
	for _, x := range c.Bytes {
		inPrefixes = inPrefixes && isPrefix(x)
		if inPrefixes && (x == 0x66 || x == 0xf2 || x == 0xf3) {
			continue
		}
		s = append(s, x)
	}
	dropped := len(c.Bytes) - len(s)
	if dropped == 0 {
		return false
	}
	in, err := decoder.Decode(s)
	return err == nil && in.Form.Attr&(decoder.AttrSSE|decoder.AttrNoRep) != 0 && int(in.Len) == c.TheirLen-dropped
}

// Package decoder turns x86-64 machine code into decoded instructions. It is
// driven by one opcode table (table.go) and knows nothing of execution, so its
// output can be cached and it can be tested on its own.
package decoder

import (
	"fmt"
	"strconv"
	"strings"
)

// Map is an opcode map.
type Map uint8

// The opcode maps of legacy encoding.
const (
	MapOne  Map = iota // one-byte opcodes
	Map0F              // 0F xx
	Map0F38            // 0F 38 xx
	Map0F3A            // 0F 3A xx
	numMaps
)

var mapNames = [...]string{"", "0F ", "0F 38 ", "0F 3A "}

// Prefix is a mandatory prefix (for a form) or the REP prefix given (for an
// instruction).
type Prefix uint8

// Mandatory and repeat prefixes.
const (
	PrefixNone Prefix = iota
	Prefix66
	PrefixF3
	PrefixF2
)

var prefixNames = [...]string{"", "66 ", "F3 ", "F2 "}

// Attr are the attributes of a form (see the table's header comment).
type Attr uint16

// Form attributes.
const (
	AttrLock Attr = 1 << iota
	AttrD64
	AttrF64
	AttrSSE
	AttrRep
	AttrAlign16
	AttrModReg
	AttrNoRep
)

var attrNames = map[string]Attr{"lock": AttrLock, "d64": AttrD64, "f64": AttrF64, "sse": AttrSSE,
	"rep": AttrRep, "a16": AttrAlign16, "modreg": AttrModReg, "norep": AttrNoRep}

// Form is one instruction form of the opcode table.
type Form struct {
	ID       int    // index in Forms
	Mnemonic string // lower case, as the SDM spells it
	Args     string // operand syntax, "" for none
	Map      Map
	Opcode   byte
	Prefix   Prefix // mandatory prefix
	Attr     Attr

	modRM   bool
	mod     int8 // -1 any, 0 memory only, 3 register only
	reg     int8 // -1 any
	rm      int8 // -1 any
	plusReg bool // opcode+r: this form covers Opcode..Opcode+7
	ops     []operand
}

// Forms is every form in the table, in table order; Form.ID indexes it.
var Forms []*Form

// Key names the form the way the coverage and flag tables do: the opcode
// with its mandatory prefix and ModRM selector, the mnemonic and the syntax.
func (f *Form) Key() string {
	var b strings.Builder
	b.WriteString(prefixNames[f.Prefix])
	b.WriteString(mapNames[f.Map])
	fmt.Fprintf(&b, "%02X", f.Opcode)
	if f.plusReg {
		b.WriteString("+r")
	}
	switch {
	case f.reg >= 0 && f.rm >= 0:
		fmt.Fprintf(&b, " /%d.%d", f.reg, f.rm)
	case f.reg >= 0:
		fmt.Fprintf(&b, " /%d", f.reg)
	}
	switch f.mod {
	case 0:
		b.WriteString(" mem")
	case 3:
		b.WriteString(" reg")
	}
	b.WriteString(" " + f.Mnemonic)
	if f.Args != "" {
		b.WriteString(" " + f.Args)
	}
	return b.String()
}

func (f *Form) String() string { return f.Key() }

// OpcodeExtension reports whether ModRM.reg selects this form (a group
// member such as C7 /0) rather than naming a register.
func (f *Form) OpcodeExtension() bool { return f.reg >= 0 }

// RegisterOnly reports whether opcode op of map m has forms only for
// register operands (ModRM.mod = 3), such as MOVMSKPS.
func RegisterOnly(m Map, op byte) bool {
	cands := lookup[m&3][op]
	for _, f := range cands {
		if f.mod != 3 {
			return false
		}
	}
	return len(cands) > 0
}

// MemoryOnly reports whether opcode op of map m, with mandatory prefix p,
// has forms only for memory operands (MOVHPD, LDDQU, ...).
func MemoryOnly(m Map, op byte, p Prefix) bool {
	n := 0
	for _, f := range lookup[m&3][op] {
		if f.Prefix != p {
			continue
		}
		if f.mod != 0 {
			return false
		}
		n++
	}
	return n > 0
}

// PrefixSelected reports whether the prefixes 66/F2/F3 select among the
// forms of opcode op of map m (the vector instructions: attribute sse).
func PrefixSelected(m Map, op byte) bool {
	for _, f := range lookup[m&3][op] {
		if f.Attr&AttrSSE != 0 {
			return true
		}
	}
	return false
}

// HasModRM reports whether the form's encoding has a ModRM byte.
func (f *Form) HasModRM() bool { return f.modRM }

// lookup[map][opcode] lists the candidate forms, most specific first.
var lookup [numMaps][256][]*Form

func init() {
	for n, line := range strings.Split(opcodeTable, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if err := addForm(line); err != nil {
			// The table is part of the source: a bad line is a programming
			// error caught by every test run, never a runtime condition.
			panic(fmt.Sprintf("decoder table line %d %q: %v", n, line, err))
		}
	}
	for _, f := range []*Form{vexForm, evexForm} {
		f.ID = len(Forms)
		Forms = append(Forms, f)
	}
	for m := range lookup {
		for op := range lookup[m] {
			c := lookup[m][op]
			if len(c) == 0 {
				continue
			}
			for _, f := range c[1:] {
				if f.modRM != c[0].modRM {
					panic(fmt.Sprintf("decoder table: %s and %s disagree on ModRM", c[0].Key(), f.Key()))
				}
			}
			sortSpecificFirst(c)
		}
	}
}

func specificity(f *Form) int {
	s := 0
	if f.rm >= 0 {
		s += 4
	}
	if f.reg >= 0 {
		s += 2
	}
	if f.mod >= 0 {
		s++
	}
	return s
}

func sortSpecificFirst(c []*Form) {
	for i := 1; i < len(c); i++ {
		for j := i; j > 0 && specificity(c[j]) > specificity(c[j-1]); j-- {
			c[j], c[j-1] = c[j-1], c[j]
		}
	}
}

func addForm(line string) error {
	fs := strings.Fields(line)
	f := &Form{mod: -1, reg: -1, rm: -1}
	i := 0
	switch fs[0] {
	case "66":
		f.Prefix, i = Prefix66, 1
	case "F3":
		f.Prefix, i = PrefixF3, 1
	case "F2":
		f.Prefix, i = PrefixF2, 1
	}
	if fs[i] == "0F" {
		f.Map = Map0F
		i++
		switch fs[i] {
		case "38":
			f.Map, i = Map0F38, i+1
		case "3A":
			f.Map, i = Map0F3A, i+1
		}
	}
	op := fs[i]
	if p, ok := strings.CutSuffix(op, "+r"); ok {
		f.plusReg, op = true, p
	}
	v, err := strconv.ParseUint(op, 16, 8)
	if err != nil {
		return fmt.Errorf("opcode %q", op)
	}
	f.Opcode = byte(v)
	i++
	if len(fs) < i+3 {
		return fmt.Errorf("want SELECT MNEMONIC ARGS after the opcode")
	}
	if err := f.parseSelect(fs[i]); err != nil {
		return err
	}
	f.Mnemonic = fs[i+1]
	if fs[i+2] != "-" {
		f.Args = fs[i+2]
	}
	for _, a := range fs[i+3:] {
		at, ok := attrNames[a]
		if !ok {
			return fmt.Errorf("attribute %q", a)
		}
		f.Attr |= at
	}
	if f.ops, err = parseOperands(f.Args); err != nil {
		return err
	}
	for _, o := range f.ops {
		if o.kind.usesModRM() && !f.modRM {
			return fmt.Errorf("operand needs ModRM but SELECT is -")
		}
	}
	f.ID = len(Forms)
	Forms = append(Forms, f)
	n := 1
	if f.plusReg {
		n = 8
	}
	for k := range n {
		lookup[f.Map][int(f.Opcode)+k] = append(lookup[f.Map][int(f.Opcode)+k], f)
	}
	return nil
}

func (f *Form) parseSelect(s string) error {
	if s == "-" {
		return nil
	}
	f.modRM = true
	switch {
	case strings.HasPrefix(s, "m"):
		f.mod, s = 0, s[1:]
	case strings.HasPrefix(s, "x"):
		f.mod, s = 3, s[1:]
	case s == "r":
		return nil
	}
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "/") {
		return fmt.Errorf("select %q", s)
	}
	s = s[1:]
	regS, rmS, hasRM := strings.Cut(s, ".")
	r, err := strconv.Atoi(regS)
	if err != nil || r > 7 {
		return fmt.Errorf("select reg %q", regS)
	}
	f.reg = int8(r)
	if hasRM {
		m, err := strconv.Atoi(rmS)
		if err != nil || m > 7 || f.mod != 3 {
			return fmt.Errorf("select rm %q (needs x/)", rmS)
		}
		f.rm = int8(m)
	}
	return nil
}

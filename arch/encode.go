package arch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// The JSON form is one object whose keys are the field names of Fields, in
// that order, each value a hexadecimal string ("0x1f80": "0x" and hex
// digits, no sign): JSON numbers cannot carry 64-bit values exactly. XMM and
// ST registers are one number each (xmm0 = high quadword then low
// quadword). Decoding starts from Flat64, so a file may name only the fields
// it cares about; an unknown key is an error, and so is null.

// MarshalJSON writes the stable JSON form.
func (s State) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, f := range fields {
		fmt.Fprintf(&b, "  %q: %q", f.Name, FieldHex(f.get(&s)))
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.Bytes(), nil
}

// UnmarshalJSON reads the JSON form onto Flat64 defaults. It must be an
// object: null (which encoding/json would otherwise take for "nothing to
// say") is an error, not a state.
func (s *State) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return errors.New("state JSON: null is not a state (want an object such as {\"rip\":\"0x400000\"})")
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("state JSON: %w (values must be hex strings such as \"0x10\")", err)
	}
	st := Flat64()
	byName := fieldIndex()
	for k, v := range m {
		f, ok := byName[k]
		if !ok {
			return fmt.Errorf("state JSON: unknown field %q", k)
		}
		if err := parseHexInto(f.get(&st), v); err != nil {
			return fmt.Errorf("state JSON: field %q: %w", k, err)
		}
	}
	*s = st
	return nil
}

func fieldIndex() map[string]*field {
	m := make(map[string]*field, len(fields))
	for i := range fields {
		m[fields[i].Name] = &fields[i]
	}
	return m
}

// FieldHex formats a little-endian field value as a minimal hex number.
func FieldHex(le []byte) string {
	be := make([]byte, len(le))
	for i, c := range le {
		be[len(le)-1-i] = c
	}
	return "0x" + new(big.Int).SetBytes(be).Text(16)
}

func parseHexInto(dst []byte, v string) error {
	h, ok := strings.CutPrefix(strings.ToLower(v), "0x")
	// Digits only: big.Int also takes a sign, which would read "0x-1" as 1.
	if !ok || h == "" || strings.Trim(h, "0123456789abcdef") != "" {
		return fmt.Errorf("%q is not a 0x-prefixed hex number", v)
	}
	n, _ := new(big.Int).SetString(h, 16)
	be := n.Bytes()
	if len(be) > len(dst) {
		return fmt.Errorf("%q does not fit in %d bytes", v, len(dst))
	}
	clear(dst)
	for i, c := range be {
		dst[len(be)-1-i] = c
	}
	return nil
}

// The binary form: magic "TSST", a version byte, then every field of Fields
// in order, little-endian, packed. Its length is fixed for a version.
const (
	binaryMagic   = "TSST"
	binaryVersion = 1
)

// BinarySize is the length of the binary form.
func BinarySize() int {
	n := len(binaryMagic) + 1
	for _, f := range fields {
		n += f.Width
	}
	return n
}

// MarshalBinary writes the compact binary form.
func (s State) MarshalBinary() ([]byte, error) {
	return s.AppendBinary(make([]byte, 0, BinarySize()))
}

// AppendBinary appends the compact binary form to b: a recorder encodes a
// state per instruction, so this allocates nothing when b has room.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, binaryMagic...)
	b = append(b, binaryVersion)
	for _, f := range fields {
		b = append(b, f.get(s)...)
	}
	return b, nil
}

// ErrBadState reports a binary state that cannot be decoded.
var ErrBadState = errors.New("bad binary state")

// UnmarshalBinary reads the compact binary form.
func (s *State) UnmarshalBinary(data []byte) error {
	if len(data) < len(binaryMagic)+1 || string(data[:4]) != binaryMagic {
		return fmt.Errorf("%w: missing %q magic", ErrBadState, binaryMagic)
	}
	if data[4] != binaryVersion {
		return fmt.Errorf("%w: version %d, this build reads version %d", ErrBadState, data[4], binaryVersion)
	}
	if len(data) != BinarySize() {
		return fmt.Errorf("%w: %d bytes, want %d", ErrBadState, len(data), BinarySize())
	}
	var st State
	p := data[5:]
	for _, f := range fields {
		copy(f.get(&st), p[:f.Width])
		p = p[f.Width:]
	}
	*s = st
	return nil
}

// FieldDiff is one field that differs between two states.
type FieldDiff struct {
	Name string
	A, B string // hex values
}

// Diff lists every field in which a and b differ, in field order. Lockstep
// replay diffs states several times an instruction, so equal states (the
// usual case) cost one pass over their memory.
func Diff(a, b *State) []FieldDiff {
	ra, rb := Raw(a), Raw(b)
	var out []FieldDiff
	for i, f := range fields {
		o := fieldOffsets[i]
		x, y := ra[o:o+f.Width], rb[o:o+f.Width]
		if !bytes.Equal(x, y) {
			out = append(out, FieldDiff{f.Name, FieldHex(x), FieldHex(y)})
		}
	}
	return out
}

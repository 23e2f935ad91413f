package traces

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/twinstep/twinstep/arch"
)

// The steps of a recorded run, as a KindSteps chunk holds them (see
// docs/TRACE.md). A chunk is a checkpoint and what follows it:
//
//	first instruction number u64, state length u32, state (arch binary form)
//	steps, to the end of the chunk
//
// so any chunk replays on its own. Each step is a tag byte and the fields
// the tag announces; its register changes are runs of bytes that differ
// between the binary forms of the state before and after it.

// StepKind says what a step is.
type StepKind uint8

// Step kinds.
const (
	Retired  StepKind = iota // an instruction completed
	Raised                   // an instruction faulted or trapped; a Delivery follows
	Delivery                 // an exception or external interrupt went through the IDT
	numKinds
)

var kindNames = [...]string{"retired", "raised", "delivery"}

func (k StepKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind %d", uint8(k))
}

// Tag bits.
const (
	tagKind   = 0x03
	tagCode   = 0x04 // the instruction's bytes follow (else: as last time at this address in the chunk)
	tagSeq    = 0x08 // RIP moved to the next instruction
	tagOracle = 0x10 // the oracle executed it: the emulator lacks it
	tagReads  = 0x20
	tagWrites = 0x40
	tagDelta  = 0x80
)

// Access is one memory or port access of a step.
type Access struct {
	Addr uint64 // linear address, or the I/O port
	Data []byte // the bytes read or written
	Port bool   // an I/O port read
}

// Step is one step of a recorded run.
type Step struct {
	Kind StepKind
	// Index is the instruction number: this instruction's, or for a
	// Delivery that of the instruction that follows it.
	Index uint64
	Code  []byte // the instruction's bytes (none for a Delivery, or a fetch that faulted)
	// Pre and Post are the state before and after. For a Raised step Post
	// is the instruction's result before delivery: unchanged for a fault,
	// past the instruction for a trap.
	Pre, Post     arch.State
	Reads, Writes []Access
	ByOracle      bool // the oracle executed it while recording: the emulator lacks it

	Vector       uint8 // Raised and Delivery
	ErrorCode    uint32
	HasErrorCode bool
	Address      uint64 // a #PF's linear address
	External     bool   // a Delivery of an external interrupt
}

// IsInstruction reports whether the step is an instruction (not a delivery).
func (s *Step) IsInstruction() bool { return s.Kind != Delivery }

// stepEncoder builds one KindSteps chunk.
type stepEncoder struct {
	buf      []byte
	first    uint64            // the chunk's first instruction number
	n        uint64            // instructions in the chunk so far
	prev     arch.State        // the state after the last step
	code     map[uint64][]byte // the bytes last recorded at each address
	lastAddr uint64
	changed  []int
}

// The state's fields, where they lie in memory, and which fields overlap
// each 8-byte word of it: a step's register changes are found by comparing
// words and recorded as whole fields.
var (
	stateFields  = arch.Fields()
	fieldOffsets = arch.FieldOffsets()
	ripField     = fieldIndex("rip")
	wordFields   = func() [][]int {
		var st arch.State
		out := make([][]int, (len(arch.Raw(&st))+7)/8)
		for i, f := range stateFields {
			for w := fieldOffsets[i] / 8; w <= (fieldOffsets[i]+f.Width-1)/8; w++ {
				out[w] = append(out[w], i)
			}
		}
		return out
	}()
)

func fieldIndex(name string) int {
	for i, f := range stateFields {
		if f.Name == name {
			return i
		}
	}
	panic("traces: no state field " + name)
}

func fieldBytes(st *arch.State, i int) []byte {
	return arch.Raw(st)[fieldOffsets[i] : fieldOffsets[i]+stateFields[i].Width]
}

// begin starts a chunk at instruction first, in state st.
func (e *stepEncoder) begin(first uint64, st *arch.State) {
	e.first, e.n, e.lastAddr = first, 0, 0
	e.code = map[uint64][]byte{}
	e.prev = *st
	e.buf = binary.LittleEndian.AppendUint64(e.buf[:0], first)
	e.buf = binary.LittleEndian.AppendUint32(e.buf, uint32(arch.BinarySize()))
	e.buf, _ = st.AppendBinary(e.buf)
}

// add appends step s; s.Pre is taken to be the state after the last step.
func (e *stepEncoder) add(s *Step) {
	tag := byte(s.Kind)
	preRIP := e.prev.RIP
	skip := -1
	if s.Kind != Delivery && len(s.Code) > 0 && s.Post.RIP == preRIP+uint64(len(s.Code)) {
		tag |= tagSeq
		skip = ripField // the decoder knows it
	}
	if s.Kind != Delivery && !bytes.Equal(e.code[preRIP], s.Code) {
		tag |= tagCode
		e.code[preRIP] = append([]byte(nil), s.Code...)
	}
	if s.ByOracle {
		tag |= tagOracle
	}
	if len(s.Reads) > 0 {
		tag |= tagReads
	}
	if len(s.Writes) > 0 {
		tag |= tagWrites
	}
	e.changed = changedFields(e.changed[:0], &e.prev, &s.Post, skip)
	if len(e.changed) > 0 {
		tag |= tagDelta
	}
	b := append(e.buf, tag)
	if tag&tagCode != 0 {
		b = append(b, byte(len(s.Code)))
		b = append(b, s.Code...)
	}
	if s.Kind != Retired {
		flags := byte(0)
		if s.HasErrorCode {
			flags |= 1
		}
		if s.External {
			flags |= 2
		}
		b = append(b, s.Vector, flags)
		b = binary.AppendUvarint(b, uint64(s.ErrorCode))
		b = binary.AppendUvarint(b, s.Address)
	}
	if len(e.changed) > 0 {
		// The changed fields: their number, then per field its distance
		// from the one before (in the field list) and its new bytes.
		b = binary.AppendUvarint(b, uint64(len(e.changed)))
		last := -1
		for _, f := range e.changed {
			b = binary.AppendUvarint(b, uint64(f-last-1))
			b = append(b, fieldBytes(&s.Post, f)...)
			last = f
		}
	}
	if tag&tagReads != 0 {
		b = e.appendAccesses(b, s.Reads)
	}
	if tag&tagWrites != 0 {
		b = e.appendAccesses(b, s.Writes)
	}
	e.buf = b
	e.prev = s.Post
	if s.IsInstruction() {
		e.n++
	}
}

// changedFields appends to out, in field order, the fields other than skip
// in which a and b differ.
func changedFields(out []int, a, b *arch.State, skip int) []int {
	ra, rb := arch.Raw(a), arch.Raw(b)
	for w := 0; w < len(ra); w += 8 {
		end := min(w+8, len(ra))
		if bytes.Equal(ra[w:end], rb[w:end]) {
			continue
		}
		for _, f := range wordFields[w/8] {
			if f == skip || bytes.Equal(fieldBytes(a, f), fieldBytes(b, f)) {
				continue
			}
			i := len(out)
			for i > 0 && out[i-1] >= f {
				i--
			}
			if i < len(out) && out[i] == f {
				continue // a field spanning two words, seen in the first
			}
			out = append(out, 0)
			copy(out[i+1:], out[i:])
			out[i] = f
		}
	}
	return out
}

func (e *stepEncoder) appendAccesses(b []byte, as []Access) []byte {
	b = binary.AppendUvarint(b, uint64(len(as)))
	for _, a := range as {
		flags := byte(0)
		if a.Port {
			flags = 1
		}
		b = append(b, flags)
		b = binary.AppendUvarint(b, a.Addr^e.lastAddr)
		e.lastAddr = a.Addr
		b = binary.AppendUvarint(b, uint64(len(a.Data)))
		b = append(b, a.Data...)
	}
	return b
}

// errShort is a step cut off by the end of its chunk.
var errShort = errors.New("a step runs past the end of the chunk")

// StepDecoder reads the steps of one KindSteps chunk.
type StepDecoder struct {
	data     []byte
	pos      int
	index    uint64
	state    arch.State // the state before the next step
	code     map[uint64][]byte
	lastAddr uint64
	step     Step
	chunk    int   // the container chunk, for errors
	offset   int64 // its offset in the file
}

// NewStepDecoder starts reading a KindSteps chunk's payload.
func NewStepDecoder(payload []byte) (*StepDecoder, error) {
	if len(payload) < 12 {
		return nil, fmt.Errorf("steps chunk: %d bytes, too short for its checkpoint", len(payload))
	}
	first := binary.LittleEndian.Uint64(payload)
	n := int(binary.LittleEndian.Uint32(payload[8:]))
	if n != arch.BinarySize() || 12+n > len(payload) {
		return nil, fmt.Errorf("steps chunk: checkpoint of %d bytes, want %d", n, arch.BinarySize())
	}
	d := &StepDecoder{data: payload, pos: 12 + n, index: first, code: map[uint64][]byte{}}
	if err := d.state.UnmarshalBinary(payload[12 : 12+n]); err != nil {
		return nil, fmt.Errorf("steps chunk checkpoint: %w", err)
	}
	d.step.Post = d.state
	return d, nil
}

// Again returns a decoder of the same chunk from its start, sharing the
// payload (a replay reads a chunk twice: its code first, then its steps).
func (d *StepDecoder) Again() *StepDecoder {
	again, _ := NewStepDecoder(d.data) // it decoded once already
	again.chunk, again.offset = d.chunk, d.offset
	return again
}

// First is the chunk's first instruction number.
func (d *StepDecoder) First() uint64 { return binary.LittleEndian.Uint64(d.data) }

// Checkpoint is the state the chunk starts in.
func (d *StepDecoder) Checkpoint() (arch.State, error) {
	var st arch.State
	n := int(binary.LittleEndian.Uint32(d.data[8:]))
	return st, st.UnmarshalBinary(d.data[12 : 12+n])
}

// Next returns the next step, or nil at the end of the chunk. The step and
// its slices are valid until the following call.
func (d *StepDecoder) Next() (*Step, error) {
	if d.pos >= len(d.data) {
		return nil, nil
	}
	s := &d.step
	s.Pre = s.Post
	if err := d.next(s); err != nil {
		err = d.chunkError(fmt.Errorf("step of instruction %d at payload offset %d: %w", d.index, d.pos, err))
		d.pos = len(d.data) // the rest of the chunk cannot be trusted
		return nil, err
	}
	return s, nil
}

// PeekCode returns the address and bytes of the next instruction without
// decoding its step, if the next step is an instruction: a replay supplies
// code ahead, because Unicorn translates the next block before it stops.
func (d *StepDecoder) PeekCode() (rip uint64, code []byte, ok bool) {
	if d.pos >= len(d.data) {
		return 0, nil, false
	}
	tag := d.data[d.pos]
	if StepKind(tag&tagKind) == Delivery {
		return 0, nil, false
	}
	rip = d.state.RIP
	if tag&tagCode == 0 {
		code, ok = d.code[rip]
		return rip, code, ok
	}
	if d.pos+2 > len(d.data) || d.pos+2+int(d.data[d.pos+1]) > len(d.data) {
		return 0, nil, false
	}
	return rip, d.data[d.pos+2 : d.pos+2+int(d.data[d.pos+1])], true
}

func (d *StepDecoder) next(s *Step) error {
	tag, err := d.byte()
	if err != nil {
		return err
	}
	*s = Step{Kind: StepKind(tag & tagKind), Pre: s.Pre, Reads: s.Reads[:0], Writes: s.Writes[:0], ByOracle: tag&tagOracle != 0}
	if s.Kind >= numKinds {
		return fmt.Errorf("unknown step kind %d", s.Kind)
	}
	s.Index = d.index
	rip := s.Pre.RIP
	if s.Kind != Delivery {
		if tag&tagCode != 0 {
			n, err := d.byte()
			if err != nil {
				return err
			}
			b, err := d.bytes(int(n))
			if err != nil {
				return err
			}
			d.code[rip] = append(d.code[rip][:0], b...)
		} else if _, ok := d.code[rip]; !ok {
			return fmt.Errorf("no instruction bytes recorded at %#x", rip)
		}
		s.Code = d.code[rip]
	}
	if s.Kind != Retired {
		if s.Vector, err = d.byte(); err != nil {
			return err
		}
		flags, err := d.byte()
		if err != nil {
			return err
		}
		s.HasErrorCode, s.External = flags&1 != 0, flags&2 != 0
		code, err := d.uvarint()
		if err != nil {
			return err
		}
		s.ErrorCode = uint32(code)
		if s.Address, err = d.uvarint(); err != nil {
			return err
		}
	}
	if tag&tagDelta != 0 {
		if err := d.applyDelta(); err != nil {
			return err
		}
	}
	if tag&tagSeq != 0 {
		d.state.RIP = rip + uint64(len(s.Code))
	}
	s.Post = d.state
	if tag&tagReads != 0 {
		if s.Reads, err = d.accesses(s.Reads); err != nil {
			return err
		}
	}
	if tag&tagWrites != 0 {
		if s.Writes, err = d.accesses(s.Writes); err != nil {
			return err
		}
	}
	if s.IsInstruction() {
		d.index++
	}
	return nil
}

func (d *StepDecoder) applyDelta() error {
	n, err := d.uvarint()
	if err != nil {
		return err
	}
	f := -1
	for range n {
		gap, err := d.uvarint()
		if err != nil {
			return err
		}
		if gap >= uint64(len(stateFields)-f-1) {
			return fmt.Errorf("a register change names field %d of %d", uint64(f+1)+gap, len(stateFields))
		}
		f += int(gap) + 1
		b, err := d.bytes(stateFields[f].Width)
		if err != nil {
			return err
		}
		copy(fieldBytes(&d.state, f), b)
	}
	return nil
}

func (d *StepDecoder) accesses(out []Access) ([]Access, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.data)-d.pos) {
		return nil, errShort
	}
	for range n {
		flags, err := d.byte()
		if err != nil {
			return nil, err
		}
		x, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		size, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		if size > uint64(len(d.data)-d.pos) {
			return nil, errShort
		}
		b, _ := d.bytes(int(size))
		d.lastAddr ^= x
		out = append(out, Access{Addr: d.lastAddr, Data: b, Port: flags&1 != 0})
	}
	return out, nil
}

func (d *StepDecoder) byte() (byte, error) {
	if d.pos >= len(d.data) {
		return 0, errShort
	}
	d.pos++
	return d.data[d.pos-1], nil
}

func (d *StepDecoder) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(d.data)-d.pos {
		return nil, errShort
	}
	d.pos += n
	return d.data[d.pos-n : d.pos], nil
}

func (d *StepDecoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.data[d.pos:])
	if n <= 0 {
		return 0, errShort
	}
	d.pos += n
	return v, nil
}

package traces

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
)

// Trace is a recorded run opened for reading.
type Trace struct {
	f     *os.File
	r     *Reader
	steps []int // container chunk numbers of the steps chunks, in order
	// Meta is the last metadata chunk that reads: the closing one, with End
	// and the symbols, when the recording finished and the file is whole.
	Meta *Meta
	// Damage is the first damage found (nil if none), the closing metadata
	// missing included. The chunks before it replay; Steps lists only
	// those. A reading is whole only if Whole says so too.
	Damage error
}

// Open opens a trace file. A damaged or truncated trace opens as far as it
// is readable, with Damage set; a file that is not a trace at all, or has
// no readable metadata, is an error.
func Open(path string) (*Trace, error) {
	// The reader needs the size, which only a regular file has (and
	// opening a pipe would wait for a writer).
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	r, err := NewReader(f, fi.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	t := &Trace{f: f, r: r, Damage: r.Damage}
	for i, c := range r.Chunks() {
		switch c.Kind {
		case KindSteps:
			t.steps = append(t.steps, i)
		case KindMeta:
			_, payload, err := r.Chunk(i)
			if err == nil {
				var m *Meta
				if m, err = decodeMeta(payload); err == nil {
					t.Meta = m
				}
			}
			if err != nil && t.Damage == nil {
				t.Damage = err
			}
		}
	}
	if t.Meta != nil && t.Meta.End == nil && t.Damage == nil {
		t.Damage = errors.New("the closing metadata is missing: the recording was cut short")
	}
	if t.Meta == nil {
		f.Close()
		if t.Damage != nil {
			return nil, fmt.Errorf("%s: no readable metadata: %w", path, t.Damage)
		}
		return nil, fmt.Errorf("%s: the trace holds no metadata chunk", path)
	}
	return t, nil
}

// Close closes the file.
func (t *Trace) Close() error { return t.f.Close() }

// Chunks is the number of steps chunks.
func (t *Trace) Chunks() int { return len(t.steps) }

// Steps opens steps chunk i (0-based, in recording order) for decoding.
// Damage inside it is a *CorruptError naming the container chunk.
func (t *Trace) Steps(i int) (*StepDecoder, error) {
	n := t.steps[i]
	_, payload, err := t.r.Chunk(n)
	if err != nil {
		return nil, err
	}
	c := t.r.Chunks()[n]
	d, err := NewStepDecoder(payload)
	if err == nil && t.r.Indexed() && d.First() != c.First {
		err = fmt.Errorf("the index says it starts at instruction %d, its checkpoint says %d", c.First, d.First())
	}
	if err != nil {
		return nil, &CorruptError{Chunk: n, Offset: c.Offset, Reason: err.Error()}
	}
	d.chunk, d.offset = n, c.Offset
	return d, nil
}

// Span is what a reader found in one steps chunk: the chunk's first
// instruction number and how many instructions it held.
type Span struct{ First, Count uint64 }

// Whole says whether a reading saw the whole recording: spans are what
// the reader found in each steps chunk, in order. The trace must have no
// damage, each chunk must start where the one before ended (from
// instruction 0), and together they must hold the number of instructions
// the closing metadata gives. The error names what is missing or repeated.
// A verdict on a trace needs this, not just the absence of read errors.
func (t *Trace) Whole(spans []Span) error {
	if t.Damage != nil {
		return t.Damage
	}
	if len(spans) != len(t.steps) {
		return fmt.Errorf("read %d of the trace's %d steps chunks", len(spans), len(t.steps))
	}
	var next uint64
	for i, s := range spans {
		c := t.r.Chunks()[t.steps[i]]
		switch {
		case s.First > next:
			return &CorruptError{Chunk: t.steps[i], Offset: c.Offset, Reason: fmt.Sprintf(
				"starts at instruction %d, but the chunk before ends at %d: instructions %d to %d are missing", s.First, next, next, s.First-1)}
		case s.First < next:
			return &CorruptError{Chunk: t.steps[i], Offset: c.Offset, Reason: fmt.Sprintf(
				"starts at instruction %d, but the chunk before ends at %d: instructions %d to %d are there twice", s.First, next, s.First, next-1)}
		}
		next = s.First + s.Count
	}
	if total := t.Meta.End.Instructions; next != total {
		return fmt.Errorf("the steps chunks hold instructions 0 to %d, but the closing metadata says %d were recorded", next, total)
	}
	return nil
}

// ChunkError wraps a decoding error of steps chunk d as a *CorruptError.
func (d *StepDecoder) chunkError(err error) error {
	var ce *CorruptError
	if errors.As(err, &ce) {
		return err
	}
	return &CorruptError{Chunk: d.chunk, Offset: d.offset, Reason: err.Error()}
}

// Walk calls f with every step of the readable chunks from chunk first
// on, in order, until f returns false. The step is valid only during the
// call. A walk from chunk 0 to the end returns Whole's verdict on what it
// read: a consumer of the whole trace learns of any damage or gap.
func (t *Trace) Walk(first int, f func(*Step) bool) error {
	var spans []Span
	for i := first; i < len(t.steps); i++ {
		d, err := t.Steps(i)
		if err != nil {
			return err
		}
		span := Span{First: d.First()}
		for {
			s, err := d.Next()
			if err != nil {
				return err
			}
			if s == nil {
				break
			}
			if s.IsInstruction() {
				span.Count++
			}
			if !f(s) {
				return nil
			}
		}
		spans = append(spans, span)
	}
	if first == 0 {
		return t.Whole(spans)
	}
	return nil
}

// Instruction returns a copy of the step of instruction n, reached from the
// nearest checkpoint before it (found through the index when the trace has
// one).
func (t *Trace) Instruction(n uint64) (*Step, error) {
	first := t.chunkOf(n)
	if first < 0 {
		return nil, fmt.Errorf("the trace has no instruction %d", n)
	}
	var found *Step
	err := t.Walk(first, func(s *Step) bool {
		if s.IsInstruction() && s.Index == n {
			c := *s
			c.Code = bytes.Clone(s.Code)
			c.Reads, c.Writes = cloneAccesses(s.Reads), cloneAccesses(s.Writes)
			found = &c
		}
		return found == nil && (!s.IsInstruction() || s.Index < n)
	})
	if err == nil && found == nil {
		err = fmt.Errorf("the trace has no instruction %d (it ends before)", n)
	}
	return found, err
}

// chunkOf is the steps chunk (an index into t.steps) holding instruction n,
// or -1.
func (t *Trace) chunkOf(n uint64) int {
	if t.r.Indexed() { // first instruction numbers are known
		c, ok := t.r.Locate(KindSteps, n)
		if !ok {
			return -1
		}
		return sort.SearchInts(t.steps, c)
	}
	return sort.Search(len(t.steps), func(i int) bool {
		d, err := t.Steps(i)
		return err != nil || d.First() > n
	}) - 1
}

func cloneAccesses(as []Access) []Access {
	out := make([]Access, len(as))
	for i, a := range as {
		out[i] = Access{Addr: a.Addr, Data: bytes.Clone(a.Data), Port: a.Port}
	}
	return out
}

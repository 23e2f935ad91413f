// Package traces holds recorded executions. This file is the container
// every trace is stored in: a versioned header, then chunks, each
// compressed on its own and guarded by a checksum, then an index of the
// chunks so a reader can reach any part without reading what comes before.
//
//	header  "TWTRACE\x00"  version u16  reserved u16  reserved u32          16 bytes
//	chunk   kind u8  reserved [3]  raw length u32  stored length u32        16 bytes
//	        CRC-32C of the stored bytes u32, then the stored bytes (DEFLATE)
//	...
//	index   a chunk of kind KindIndex: per earlier chunk, its offset u64,
//	        its first instruction number u64 and its kind u8
//	footer  "TWTRIDX\x00"  offset of the index chunk u64                    16 bytes
//
// All integers are little-endian. A writer streams chunks as they fill, so
// its memory does not grow with the trace (the index keeps 17 bytes a
// chunk). A file cut short, or damaged, still reads up to the damage: the
// reader then scans chunk by chunk and its error names the chunk.
package traces

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Version is the container format's version.
const Version = 1

// Kind says what a chunk holds.
type Kind uint8

// Chunk kinds; the recorder defines what their payloads hold.
const (
	KindIndex Kind = 0 // the container's own index
	KindMeta  Kind = 1 // what was recorded: the machine, kernel, command line, input
	KindSteps Kind = 2 // instructions, with their effects and events
	KindState Kind = 3 // a checkpoint: the full machine state
)

const (
	headerSize      = 16
	chunkHeaderSize = 16
	footerSize      = 16
	indexEntrySize  = 17
	// maxChunk bounds a chunk's sizes: a larger length is damage, not data
	// (and a reader never allocates more than this for one chunk).
	maxChunk = 64 << 20
)

var (
	headerMagic = []byte("TWTRACE\x00")
	footerMagic = []byte("TWTRIDX\x00")
	castagnoli  = crc32.MakeTable(crc32.Castagnoli)
)

// ChunkInfo locates one chunk.
type ChunkInfo struct {
	Offset int64
	First  uint64 // the first instruction number the chunk covers
	Kind   Kind
}

// Writer writes a trace container.
type Writer struct {
	w     io.Writer
	off   int64
	index []ChunkInfo
	buf   bytes.Buffer
	fl    *flate.Writer
	err   error
}

// NewWriter writes the header to w and returns a Writer.
func NewWriter(w io.Writer) (*Writer, error) {
	fl, err := flate.NewWriter(nil, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	tw := &Writer{w: w, fl: fl}
	h := make([]byte, headerSize)
	copy(h, headerMagic)
	binary.LittleEndian.PutUint16(h[8:], Version)
	tw.write(h)
	return tw, tw.err
}

func (w *Writer) write(b []byte) {
	if w.err != nil {
		return
	}
	n, err := w.w.Write(b)
	w.off += int64(n)
	w.err = err
}

// WriteChunk compresses payload and appends it as a chunk of kind, whose
// first instruction number is first.
func (w *Writer) WriteChunk(kind Kind, first uint64, payload []byte) error {
	if kind == KindIndex {
		return errors.New("traces: the index chunk is the writer's own")
	}
	w.index = append(w.index, ChunkInfo{Offset: w.off, First: first, Kind: kind})
	w.chunk(kind, payload)
	return w.err
}

func (w *Writer) chunk(kind Kind, payload []byte) {
	if w.err != nil {
		return
	}
	if len(payload) > maxChunk {
		w.err = fmt.Errorf("traces: a %d-byte chunk is over the %d-byte limit", len(payload), maxChunk)
		return
	}
	w.buf.Reset()
	w.fl.Reset(&w.buf)
	if _, err := w.fl.Write(payload); err != nil {
		w.err = err
		return
	}
	if err := w.fl.Close(); err != nil {
		w.err = err
		return
	}
	stored := w.buf.Bytes()
	h := make([]byte, chunkHeaderSize)
	h[0] = byte(kind)
	binary.LittleEndian.PutUint32(h[4:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[8:], uint32(len(stored)))
	binary.LittleEndian.PutUint32(h[12:], crc32.Checksum(stored, castagnoli))
	w.write(h)
	w.write(stored)
}

// Close writes the index and the footer. It does not close the underlying
// writer.
func (w *Writer) Close() error {
	at := w.off
	idx := make([]byte, 0, len(w.index)*indexEntrySize)
	for _, c := range w.index {
		idx = binary.LittleEndian.AppendUint64(idx, uint64(c.Offset))
		idx = binary.LittleEndian.AppendUint64(idx, c.First)
		idx = append(idx, byte(c.Kind))
	}
	w.chunk(KindIndex, idx)
	f := make([]byte, footerSize)
	copy(f, footerMagic)
	binary.LittleEndian.PutUint64(f[8:], uint64(at))
	w.write(f)
	return w.err
}

// CorruptError reports damage: which chunk, where, and what is wrong.
type CorruptError struct {
	Chunk  int   // the chunk's number, from 0; ChunkHeader or ChunkIndex for those parts
	Offset int64 // where in the file
	Reason string
}

// Chunk numbers of the parts of a container that are not numbered chunks.
const (
	ChunkHeader = -1 // the file header
	ChunkIndex  = -2 // the index and the footer
)

func (e *CorruptError) Error() string {
	switch e.Chunk {
	case ChunkHeader:
		return fmt.Sprintf("trace header: %s", e.Reason)
	case ChunkIndex:
		return fmt.Sprintf("trace index: %s", e.Reason)
	}
	return fmt.Sprintf("trace chunk %d (at byte %d): %s", e.Chunk, e.Offset, e.Reason)
}

// Reader reads a trace container.
type Reader struct {
	r      io.ReaderAt
	size   int64
	chunks []ChunkInfo
	// Damage is the first damage found (nil if none): a damaged chunk met
	// while scanning, or an index or footer that is missing or does not
	// list exactly the chunks the file holds. The chunks listed are
	// readable; without a usable index they are found by scanning.
	Damage error
}

// NewReader checks the header and finds the chunks: from the index when
// the footer and index are intact and list every chunk in the file,
// otherwise by scanning, which stops at the first damaged chunk (see
// Reader.Damage).
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	h := make([]byte, headerSize)
	if size < headerSize {
		return nil, &CorruptError{Chunk: ChunkHeader, Reason: fmt.Sprintf("the file is %d bytes, shorter than the header", size)}
	}
	if _, err := r.ReadAt(h, 0); err != nil {
		return nil, &CorruptError{Chunk: ChunkHeader, Reason: err.Error()}
	}
	if !bytes.Equal(h[:8], headerMagic) {
		return nil, &CorruptError{Chunk: ChunkHeader, Reason: "not a twinstep trace (bad magic)"}
	}
	if v := binary.LittleEndian.Uint16(h[8:]); v != Version {
		return nil, &CorruptError{Chunk: ChunkHeader, Reason: fmt.Sprintf("format version %d; this reader knows version %d", v, Version)}
	}
	tr := &Reader{r: r, size: size}
	ierr := tr.readIndex()
	if ierr == nil {
		return tr, nil
	}
	tr.chunks = nil
	tr.scan()
	if tr.Damage == nil {
		tr.Damage = &CorruptError{Chunk: ChunkIndex, Offset: size, Reason: ierr.Error()}
	}
	return tr, nil
}

// readIndex loads the index through the footer and checks that it lists
// every chunk between the header and itself, in file order: an index that
// lists a chunk twice or leaves one out would make a reader skip or repeat
// part of the recording. It returns what is wrong.
func (tr *Reader) readIndex() error {
	f := make([]byte, footerSize)
	if tr.size < headerSize+footerSize {
		return errors.New("the file ends without an index and footer (cut short)")
	}
	if _, err := tr.r.ReadAt(f, tr.size-footerSize); err != nil || !bytes.Equal(f[:8], footerMagic) {
		return errors.New("the file ends without an index and footer (cut short)")
	}
	at := int64(binary.LittleEndian.Uint64(f[8:]))
	if at < headerSize || at > tr.size-footerSize {
		return fmt.Errorf("the footer points at byte %d, outside the file", at)
	}
	kind, payload, end, err := tr.readAt(at, -1)
	switch {
	case err != nil:
		var ce *CorruptError
		errors.As(err, &ce) // readAt's errors are all CorruptErrors
		return fmt.Errorf("the index chunk at byte %d: %s", at, ce.Reason)
	case kind != KindIndex || len(payload)%indexEntrySize != 0:
		return fmt.Errorf("the footer points at byte %d, where there is no index chunk", at)
	case end != tr.size-footerSize:
		return fmt.Errorf("the index chunk ends at byte %d, the footer starts at byte %d", end, tr.size-footerSize)
	}
	next := int64(headerSize)
	h := make([]byte, chunkHeaderSize)
	for i := 0; i < len(payload); i += indexEntrySize {
		c := ChunkInfo{
			Offset: int64(binary.LittleEndian.Uint64(payload[i:])),
			First:  binary.LittleEndian.Uint64(payload[i+8:]),
			Kind:   Kind(payload[i+16]),
		}
		n := i / indexEntrySize
		if c.Offset != next {
			return fmt.Errorf("entry %d lists a chunk at byte %d, where chunk %d is at byte %d (a chunk listed twice, left out or out of order)",
				n, c.Offset, n, next)
		}
		if _, err := tr.r.ReadAt(h, c.Offset); err != nil || Kind(h[0]) != c.Kind {
			return fmt.Errorf("entry %d lists a chunk of kind %d at byte %d, which holds another", n, c.Kind, c.Offset)
		}
		next = c.Offset + chunkHeaderSize + int64(binary.LittleEndian.Uint32(h[8:]))
		tr.chunks = append(tr.chunks, c)
	}
	if next != at {
		return fmt.Errorf("the chunks listed end at byte %d, the index starts at byte %d: the index leaves chunks out", next, at)
	}
	return nil
}

// scan walks the chunks from the header on, stopping at the index or at
// the first damage. Chunks found by scanning carry no instruction number.
func (tr *Reader) scan() {
	for off, n := int64(headerSize), 0; off < tr.size; n++ {
		kind, _, next, err := tr.readAt(off, n)
		if err != nil {
			tr.Damage = err
			return
		}
		if kind == KindIndex {
			return
		}
		tr.chunks = append(tr.chunks, ChunkInfo{Offset: off, Kind: kind})
		off = next
	}
}

// Indexed reports whether the chunks were found through the index, so
// their first instruction numbers are known.
func (tr *Reader) Indexed() bool { return tr.Damage == nil }

// Chunks lists the chunks (the index itself excluded), in file order.
func (tr *Reader) Chunks() []ChunkInfo { return tr.chunks }

// Locate returns the last chunk of kind whose first instruction number is
// at most n: where a replay of instruction n starts reading. Chunks are
// written in instruction order, so this is a binary search.
func (tr *Reader) Locate(kind Kind, n uint64) (int, bool) {
	lo, hi, found := 0, len(tr.chunks)-1, -1
	for lo <= hi {
		mid := (lo + hi) / 2
		if tr.chunks[mid].First <= n {
			found, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	for ; found >= 0; found-- {
		if tr.chunks[found].Kind == kind {
			return found, true
		}
	}
	return 0, false
}

// Chunk reads chunk i: its kind and payload, checked and decompressed.
func (tr *Reader) Chunk(i int) (Kind, []byte, error) {
	if i < 0 || i >= len(tr.chunks) {
		return 0, nil, fmt.Errorf("traces: no chunk %d (the trace has %d)", i, len(tr.chunks))
	}
	kind, payload, _, err := tr.readAt(tr.chunks[i].Offset, i)
	return kind, payload, err
}

// readAt reads the chunk at off (number n, for errors) and returns its
// kind, payload and the offset after it.
func (tr *Reader) readAt(off int64, n int) (Kind, []byte, int64, error) {
	bad := func(format string, a ...any) (Kind, []byte, int64, error) {
		return 0, nil, 0, &CorruptError{Chunk: n, Offset: off, Reason: fmt.Sprintf(format, a...)}
	}
	if off+chunkHeaderSize > tr.size {
		return bad("cut short: %d bytes left, a chunk header is %d", tr.size-off, chunkHeaderSize)
	}
	h := make([]byte, chunkHeaderSize)
	if _, err := tr.r.ReadAt(h, off); err != nil {
		return bad("%v", err)
	}
	kind := Kind(h[0])
	raw := binary.LittleEndian.Uint32(h[4:])
	stored := binary.LittleEndian.Uint32(h[8:])
	sum := binary.LittleEndian.Uint32(h[12:])
	if kind > KindState {
		return bad("unknown kind %d", kind)
	}
	if raw > maxChunk || stored > maxChunk {
		return bad("absurd lengths (%d raw, %d stored)", raw, stored)
	}
	end := off + chunkHeaderSize + int64(stored)
	if end > tr.size {
		return bad("cut short: %d of %d stored bytes present", tr.size-off-chunkHeaderSize, stored)
	}
	data := make([]byte, stored)
	if _, err := tr.r.ReadAt(data, off+chunkHeaderSize); err != nil {
		return bad("%v", err)
	}
	if crc32.Checksum(data, castagnoli) != sum {
		return bad("checksum mismatch")
	}
	payload, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), int64(raw)+1))
	if err != nil {
		return bad("cannot decompress: %v", err)
	}
	if len(payload) != int(raw) {
		return bad("decompresses to %d bytes, the header says %d", len(payload), raw)
	}
	return kind, payload, end, nil
}

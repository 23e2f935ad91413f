package traces

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// nopChunk is a steps chunk of n NOPs from instruction first.
func nopChunk(first uint64, n int) []byte {
	st := arch.Flat64()
	st.RIP = 0x401000 + first
	var e stepEncoder
	e.begin(first, &st)
	for range n {
		s := Step{Kind: Retired, Code: []byte{0x90}, Pre: st, Post: st}
		s.Post.RIP++
		e.add(&s)
		st = s.Post
	}
	return e.buf
}

// synthTrace is a trace of chunks steps chunks of per NOPs each; skip and
// twice name a chunk the writer leaves out or writes twice (-1: none), and
// total is what the closing metadata says (-1: the true count).
func synthTrace(t *testing.T, chunks, per, skip, twice, total int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	m := Meta{Kernel: "synthetic", MemoryMiB: 1}
	head, _ := m.encode()
	w.WriteChunk(KindMeta, 0, head)
	for i := range chunks {
		first := uint64(i * per)
		for range 1 + btoi(i == twice) - btoi(i == skip) {
			w.WriteChunk(KindSteps, first, nopChunk(first, per))
		}
	}
	if total < 0 {
		total = chunks * per
	}
	m.End = &End{Instructions: uint64(total), Exit: "instruction limit"}
	tail, _ := m.encode()
	w.WriteChunk(KindMeta, uint64(chunks*per), tail)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// withIndex replaces b's index with the entries edit makes of it, the
// index chunk's checksum and the footer recomputed: a forged but
// well-formed index.
func withIndex(t *testing.T, b []byte, edit func([]ChunkInfo) []ChunkInfo) []byte {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || r.Damage != nil {
		t.Fatal(err, r.Damage)
	}
	at := int64(binary.LittleEndian.Uint64(b[len(b)-8:])) // the footer says where the index is
	var out bytes.Buffer
	w, err := NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	w.off, w.index = at, edit(append([]ChunkInfo(nil), r.Chunks()...))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return append(append([]byte(nil), b[:at]...), out.Bytes()...)
}

// A verdict needs the whole trace: a trace cut at a chunk boundary, an
// index that lists a chunk twice or leaves one out, chunks that skip or
// repeat instructions, a total that does not match: each is damage that
// names what is missing, for a consumer walking the whole trace (the Tenet
// export) as for one that checks what it read (lockstep's replay).
func TestWhole(t *testing.T) {
	const chunks, per = 4, 100
	good := synthTrace(t, chunks, per, -1, -1, -1)
	r, err := NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	offsets := r.Chunks() // meta, 4 steps, meta
	for _, tc := range []struct {
		name  string
		trace []byte
		open  string // in Damage after Open ("" none)
		walk  string // in Walk's error ("" none)
	}{
		{"whole", good, "", ""},
		{"cut after the first metadata chunk", good[:offsets[1].Offset], "without an index and footer (cut short)", "without an index"},
		{"cut before the closing metadata", good[:offsets[5].Offset], "without an index and footer (cut short)", "without an index"},
		{"footer cut", good[:len(good)-footerSize], "without an index and footer", "without an index"},
		{"index lists a chunk twice", withIndex(t, good, func(c []ChunkInfo) []ChunkInfo {
			return append(c[:3], append([]ChunkInfo{c[2]}, c[3:]...)...)
		}), "entry 3 lists a chunk at byte", "a chunk listed twice, left out or out of order"},
		{"index leaves a chunk out", withIndex(t, good, func(c []ChunkInfo) []ChunkInfo {
			return append(c[:2], c[3:]...)
		}), "entry 2 lists a chunk at byte", "trace index:"},
		{"index leaves the last chunk out", withIndex(t, good, func(c []ChunkInfo) []ChunkInfo { return c[:5] }),
			"the index leaves chunks out", "the index leaves chunks out"},
		{"index says another first instruction", withIndex(t, good, func(c []ChunkInfo) []ChunkInfo {
			c[3].First = 7
			return c
		}), "", "the index says it starts at instruction 7, its checkpoint says 200"},
		{"a chunk missing from the file", synthTrace(t, chunks, per, 2, -1, -1), "",
			"starts at instruction 300, but the chunk before ends at 200: instructions 200 to 299 are missing"},
		{"a chunk twice in the file", synthTrace(t, chunks, per, -1, 1, -1), "",
			"starts at instruction 100, but the chunk before ends at 200: instructions 100 to 199 are there twice"},
		{"the total says more", synthTrace(t, chunks, per, -1, -1, 2_000_000), "",
			"the steps chunks hold instructions 0 to 400, but the closing metadata says 2000000 were recorded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "t.trace")
			if err := os.WriteFile(path, tc.trace, 0o644); err != nil {
				t.Fatal(err)
			}
			tr, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if got := errText(tr.Damage); tc.open == "" && got != "" || !strings.Contains(got, tc.open) {
				t.Errorf("damage %q, want %q", got, tc.open)
			}
			var n int
			err = tr.Walk(0, func(s *Step) bool { n++; return true })
			if got := errText(err); tc.walk == "" && got != "" || !strings.Contains(got, tc.walk) {
				t.Errorf("walk (%d steps): %q, want %q", n, got, tc.walk)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

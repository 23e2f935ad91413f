package traces

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// sample writes a container of n step chunks (with a state checkpoint
// every fourth) and returns its bytes and the payloads written.
func sample(t testing.TB, n int) ([]byte, [][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var payloads [][]byte
	for i := range n {
		kind := KindSteps
		if i%4 == 0 {
			kind = KindState
		}
		p := bytes.Repeat([]byte(fmt.Sprintf("chunk %d;", i)), 100+i)
		if err := w.WriteChunk(kind, uint64(i)*1000, p); err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, p)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), payloads
}

func TestRoundTrip(t *testing.T) {
	b, payloads := sample(t, 9)
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if r.Damage != nil || len(r.Chunks()) != len(payloads) {
		t.Fatalf("%d chunks, damage %v", len(r.Chunks()), r.Damage)
	}
	for i := len(payloads) - 1; i >= 0; i-- { // any order: random access
		kind, p, err := r.Chunk(i)
		if err != nil || !bytes.Equal(p, payloads[i]) || r.Chunks()[i].First != uint64(i)*1000 {
			t.Errorf("chunk %d: kind %d, %d bytes, err %v", i, kind, len(p), err)
		}
	}
	if raw := len(payloads) * 1200; len(b) > raw/4 {
		t.Errorf("%d bytes for %d raw: compression is not working", len(b), raw)
	}
}

func TestLocate(t *testing.T) {
	b, _ := sample(t, 9)
	r, err := NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind Kind
		n    uint64
		want int
	}{
		{KindSteps, 5500, 5}, {KindState, 5500, 4}, {KindState, 3999, 0}, {KindSteps, 1000, 1}, {KindState, 99999, 8},
	} {
		if got, ok := r.Locate(tc.kind, tc.n); !ok || got != tc.want {
			t.Errorf("Locate(%d, %d) = %d %v, want %d", tc.kind, tc.n, got, ok, tc.want)
		}
	}
	if _, ok := r.Locate(KindSteps, 500); ok {
		t.Error("found a steps chunk before the first one")
	}
}

// A damaged or truncated trace reads up to the damage, and the error names
// the chunk.
func TestDamage(t *testing.T) {
	good, payloads := sample(t, 6)
	chunk2 := func() int64 {
		r, _ := NewReader(bytes.NewReader(good), int64(len(good)))
		return r.Chunks()[2].Offset
	}()
	tests := []struct {
		name     string
		damage   func(b []byte) []byte
		readable int    // chunks still listed
		want     string // in Damage or the read error
		failRead int    // the chunk whose read fails (-1: none)
	}{
		{"cut inside chunk 2", func(b []byte) []byte { return b[:chunk2+20] }, 2, "chunk 2 (at byte", -1},
		{"cut inside a chunk header", func(b []byte) []byte { return b[:chunk2+5] }, 2, "cut short", -1},
		{"footer missing", func(b []byte) []byte { return b[:len(b)-footerSize] }, 6, "trace index: the file ends without an index", -1},
		{"a flipped byte in chunk 2", func(b []byte) []byte { b[chunk2+chunkHeaderSize+3] ^= 0x40; return b }, 6,
			"chunk 2 (at byte", 2},
		{"a flipped byte without an index", func(b []byte) []byte {
			b[chunk2+chunkHeaderSize+3] ^= 0x40
			return b[:len(b)-footerSize]
		}, 2, "checksum mismatch", -1},
		{"absurd length", func(b []byte) []byte {
			b[chunk2+8], b[chunk2+9], b[chunk2+10], b[chunk2+11] = 0xff, 0xff, 0xff, 0x7f
			return b[:len(b)-footerSize]
		}, 2, "absurd lengths", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.damage(append([]byte(nil), good...))
			r, err := NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Chunks()) != tc.readable {
				t.Fatalf("%d chunks readable, want %d (damage %v)", len(r.Chunks()), tc.readable, r.Damage)
			}
			var msgs []string
			if r.Damage != nil {
				msgs = append(msgs, r.Damage.Error())
			}
			for i := range r.Chunks() {
				_, p, err := r.Chunk(i)
				switch {
				case i == tc.failRead && err == nil:
					t.Errorf("chunk %d read despite the damage", i)
				case i == tc.failRead:
					var ce *CorruptError
					if !errors.As(err, &ce) || ce.Chunk != i {
						t.Errorf("chunk %d: error %v does not name it", i, err)
					}
					msgs = append(msgs, err.Error())
				case err != nil || !bytes.Equal(p, payloads[i]):
					t.Errorf("chunk %d before the damage: %v", i, err)
				}
			}
			if all := strings.Join(msgs, "\n"); !strings.Contains(all, tc.want) {
				t.Errorf("errors %q lack %q", all, tc.want)
			}
		})
	}
}

func TestBadHeader(t *testing.T) {
	good, _ := sample(t, 1)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "shorter than the header"},
		{"not a trace", []byte("PK\x03\x04 this is a zip file, not a trace"), "bad magic"},
		{"future version", append(append([]byte(nil), good[:8]...), append([]byte{9, 0}, good[10:]...)...), "format version 9"},
	} {
		if _, err := NewReader(bytes.NewReader(tc.b), int64(len(tc.b))); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzReader: no input makes the reader panic or hang, and what it lists
// it can read or report as damaged.
func FuzzReader(f *testing.F) {
	good, _ := sample(f, 3)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for i := range r.Chunks() {
			_, _, _ = r.Chunk(i)
		}
	})
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/twinstep/twinstep/traces"
)

// loopCode counts ECX down from 100,000 and ends the run: 200,002
// instructions, four steps chunks.
var loopCode = []byte{
	0xb9, 0xa0, 0x86, 0x01, 0x00, // mov ecx, 100000
	0xff, 0xc9, // dec ecx
	0x75, 0xfc, // jnz the dec
	0xe7, 0xf4, // out 0xf4, eax
	0xf4, // hlt
}

// recordLoop records loopCode and returns the trace's path.
func recordLoop(t *testing.T) string {
	t.Helper()
	trace := filepath.Join(t.TempDir(), "loop.trace")
	kernel := writeFile(t, "kernel", tinyKernel(0x100000, loopCode))
	if out, errOut, code := runCmd(t, "", "record", kernel, "-o", trace); code != exitOK {
		t.Fatalf("record: exit %d\n%s%s", code, out, errOut)
	}
	return trace
}

// rewrite is the trace b with its chunks in the order given (chunk
// numbers; repeats and gaps allowed) and a fresh, consistent index.
func rewrite(t *testing.T, b []byte, order ...int) []byte {
	t.Helper()
	r, err := traces.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w, err := traces.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range order {
		kind, p, err := r.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteChunk(kind, r.Chunks()[i].First, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A verdict, and an export, need the whole trace. Each damaged trace is
// replayed or exported as far as it reads, and the command exits 1 naming
// what is missing; an export to a file leaves no file.
func TestDamagedTraces(t *testing.T) {
	good, err := os.ReadFile(recordLoop(t))
	if err != nil {
		t.Fatal(err)
	}
	r, err := traces.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil || len(r.Chunks()) != 6 { // metadata, 4 steps chunks, metadata
		t.Fatalf("%d chunks, %v", len(r.Chunks()), err)
	}
	at := func(i int) int64 { return r.Chunks()[i].Offset }
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		trace []byte
		want  string // on stderr ("" for a whole trace)
	}{
		{"whole", good, ""},
		{"cut after the first metadata chunk", good[:at(1)], "the file ends without an index and footer (cut short)"},
		{"cut before the closing metadata", good[:at(5)], "the file ends without an index and footer (cut short)"},
		{"cut inside a steps chunk", good[:at(3)+40], "trace chunk 3 (at byte"},
		{"a chunk twice", rewrite(t, good, 0, 1, 2, 2, 3, 4, 5), "instructions 65536 to 131071 are there twice"},
		{"a chunk left out", rewrite(t, good, 0, 1, 3, 4, 5), "instructions 65536 to 131071 are missing"},
		{"the last steps chunk left out", rewrite(t, good, 0, 1, 2, 3, 5), "the steps chunks hold instructions 0 to 196608, but the closing metadata says 200002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".trace")
			if err := os.WriteFile(path, tc.trace, 0o644); err != nil {
				t.Fatal(err)
			}
			want := exitOK
			if tc.want != "" {
				want = exitError
			}
			out, errOut, code := runCmd(t, "", "lockstep", path, "--native", "off", "--workers", "1")
			if code != want || !strings.Contains(errOut, tc.want) {
				t.Errorf("lockstep: exit %d, want %d and %q on stderr\n%s%s", code, want, tc.want, out, errOut)
			}
			if tc.want != "" && !strings.Contains(out, "verdict  none: the trace is not whole") {
				t.Errorf("lockstep gave a verdict on a damaged trace:\n%s", out)
			}
			tenet := path + ".tenet"
			out, errOut, code = runCmd(t, "", "trace", "export", "--tenet", path, "-o", tenet)
			_, statErr := os.Stat(tenet)
			if code != want || !strings.Contains(errOut, tc.want) || (statErr == nil) != (want == exitOK) {
				t.Errorf("trace export: exit %d, the file there: %v; want %d and %q on stderr\n%s%s", code, statErr == nil, want, tc.want, out, errOut)
			}
		})
	}
}

// Every command that writes a file refuses, before doing the work, a path
// that exists and is not a regular file, and leaves it as it was.
func TestOutputPathsMustBeFiles(t *testing.T) {
	trace := recordLoop(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	kernel := writeFile(t, "kernel", tinyKernel(0x100000, loopCode))
	js := filepath.Join(dir, "r.json")
	if _, errOut, code := runCmd(t, "", "lockstep", trace, "--native", "off", "--json", js); code != exitOK {
		t.Fatalf("lockstep --json: exit %d: %s", code, errOut)
	}
	for _, path := range []string{dir, fifo} {
		for _, args := range [][]string{
			{"record", kernel, "-o", path},
			{"trace", "export", "--tenet", trace, "-o", path},
			{"lockstep", trace, "--native", "off", "--json", path},
			{"lockstep", trace, "--native", "off", "--html", path},
			{"report", js, "-o", path},
		} {
			out, errOut, code := runCmd(t, "", args...)
			if code != exitError || !strings.Contains(errOut, path+" exists and is not a regular file") {
				t.Errorf("twinstep %s: exit %d, stderr %q; want 1 and a refusal", strings.Join(args, " "), code, errOut)
			}
			if args[0] == "record" && out != "" {
				t.Errorf("record wrote %q: it recorded before refusing", out)
			}
			if fi, err := os.Lstat(path); err != nil || fi.Mode().IsRegular() {
				t.Fatalf("twinstep %s replaced %s", strings.Join(args, " "), path)
			}
			if _, err := os.Lstat(path + ".partial"); err == nil {
				t.Errorf("twinstep %s left %s.partial", strings.Join(args, " "), path)
			}
		}
	}
}

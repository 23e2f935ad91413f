package traces

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/machine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
)

const cmdline = `init=C:\Windows\System32\cmd.exe`

// recordBoot records the first n instructions of the boot to cmd.exe into
// a file and returns its path and the kernel and initrd.
func recordBoot(t *testing.T, n uint64, chunk int) (string, []byte, []byte, *Recording) {
	t.Helper()
	kernel, initrd, err := kernelbuild.Images()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "boot.trace")
	rec, err := RecordFile(path, RecordConfig{Kernel: kernel, Initrd: initrd, KernelName: "kernel.elf", InitrdName: "initrd.tar",
		Cmdline: cmdline, Limit: n, ChunkInstructions: chunk})
	if err != nil {
		t.Fatal(err)
	}
	return path, kernel, initrd, rec
}

// A recording replays to the state the machine reaches without recording:
// every step's changes chain up to the same registers, instruction for
// instruction.
func TestRecordReachesTheSameState(t *testing.T) {
	const n = 400_000
	path, kernel, initrd, rec := recordBoot(t, n, 50_000)
	m, err := machine.New(machine.Config{Kernel: kernel, Initrd: initrd, Cmdline: cmdline})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Run(n); err != nil {
		t.Fatal(err)
	}
	want := m.CPU().State()

	tr, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if tr.Damage != nil || tr.Meta.End == nil {
		t.Fatalf("damage %v, end %v", tr.Damage, tr.Meta.End)
	}
	var last arch.State
	var instructions, deliveries uint64
	for i := range tr.Chunks() {
		d, err := tr.Steps(i)
		if err != nil {
			t.Fatal(err)
		}
		if d.First() != instructions {
			t.Fatalf("chunk %d starts at instruction %d, want %d", i, d.First(), instructions)
		}
		if cp, _ := d.Checkpoint(); i > 0 && cp != last {
			t.Fatalf("chunk %d's checkpoint differs from the state the chunk before ended in: %v", i, arch.Diff(&cp, &last))
		}
		for {
			s, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if s == nil {
				break
			}
			if s.IsInstruction() {
				instructions++
				if len(s.Code) == 0 && s.Kind == Retired {
					t.Fatalf("instruction %d has no bytes", s.Index)
				}
			} else {
				deliveries++
			}
			last = s.Post
		}
	}
	if d := arch.Diff(&last, &want); len(d) != 0 {
		t.Fatalf("the trace ends in a different state: %v", d)
	}
	if instructions != rec.Instructions || deliveries != rec.Deliveries || instructions < n {
		t.Fatalf("%d instructions and %d deliveries read, recorded %d and %d", instructions, deliveries, rec.Instructions, rec.Deliveries)
	}
	t.Logf("%d instructions, %d deliveries, %d bytes (%.2f bytes/instruction), %d chunks, %v",
		instructions, deliveries, rec.Bytes, float64(rec.Bytes)/float64(instructions), rec.Chunks, rec.Elapsed)
}

// A trace cut short opens with its damage named, and what precedes the
// damage still reads.
func TestTruncatedTraceReadsUpToTheDamage(t *testing.T) {
	path, _, _, _ := recordBoot(t, 200_000, 50_000)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.trace")
	if err := os.WriteFile(cut, b[:len(b)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Open(cut)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var ce *CorruptError
	if !errors.As(tr.Damage, &ce) || ce.Chunk < 1 {
		t.Fatalf("damage %v, want a CorruptError naming a chunk", tr.Damage)
	}
	if tr.Chunks() == 0 {
		t.Fatal("no steps chunk survives")
	}
	var steps int
	if err := tr.Walk(0, func(*Step) bool { steps++; return true }); err != tr.Damage || steps == 0 {
		t.Fatalf("a walk of the whole trace read %d steps and returned %v, want the damage", steps, err)
	}
	// Flip a byte inside a steps chunk: its checksum names it.
	bad := bytes.Clone(b)
	bad[len(b)/3] ^= 0x40
	badPath := filepath.Join(t.TempDir(), "bad.trace")
	os.WriteFile(badPath, bad, 0o644)
	tr2, err := Open(badPath)
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.Close()
	var failed error
	for i := range tr2.Chunks() {
		if _, err := tr2.Steps(i); err != nil {
			failed = err
		}
	}
	if !errors.As(failed, &ce) {
		t.Fatalf("a flipped byte gave %v, want a CorruptError", failed)
	}
	t.Logf("cut: %v; flipped: %v", tr.Damage, failed)
}

// failingWriter takes n bytes and then fails as a full disk does.
type failingWriter struct{ n int }

func (w *failingWriter) Write(b []byte) (int, error) {
	if len(b) > w.n {
		k := w.n
		w.n = 0
		return k, syscall.ENOSPC
	}
	w.n -= len(b)
	return len(b), nil
}

// A write error ends the recording at once, not at the end of the run, and
// is the error returned; RecordFile then keeps no file at all.
func TestRecordStopsAtWriteError(t *testing.T) {
	kernel, initrd, err := kernelbuild.Images()
	if err != nil {
		t.Fatal(err)
	}
	const limit = 2_000_000
	cfg := RecordConfig{Kernel: kernel, Initrd: initrd, KernelName: "kernel.elf", InitrdName: "initrd.tar",
		Cmdline: cmdline, Limit: limit, ChunkInstructions: 10_000}
	for _, room := range []int{0, 100, 20_000} { // bytes the disk takes before it is full
		rec, err := Record(&failingWriter{n: room}, cfg)
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "writing the trace") {
			t.Fatalf("room for %d bytes: error %v, want ENOSPC writing the trace", room, err)
		}
		if rec != nil && rec.Instructions > 100_000 {
			t.Fatalf("room for %d bytes: the recording went on for %d instructions after the write failed", room, rec.Instructions)
		}
	}
}

// RecordFile refuses a path that is not a regular file before recording,
// and leaves it as it was.
func TestRecordFileRefusesNonRegularPaths(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, fifo} {
		rec, err := RecordFile(path, RecordConfig{Kernel: []byte("never read")})
		if rec != nil || err == nil || !strings.Contains(err.Error(), "is not a regular file") {
			t.Errorf("%s: recording %v, error %v; want a refusal", path, rec, err)
		}
		if fi, err := os.Lstat(path); err != nil || fi.Mode().IsRegular() {
			t.Errorf("%s is now %v (%v)", path, fi.Mode(), err)
		}
		if _, err := os.Lstat(path + ".partial"); err == nil {
			t.Errorf("%s.partial was created", path)
		}
	}
}

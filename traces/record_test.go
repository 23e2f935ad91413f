package traces

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
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
	if err := tr.Walk(0, func(*Step) bool { return true }); err != nil {
		t.Fatal(err)
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

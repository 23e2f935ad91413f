package lockstep

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/traces"
)

const cmdline = `init=C:\Windows\System32\cmd.exe`

// record records the boot to cmd.exe for n instructions, with disabled
// mnemonics treated as missing, and opens the trace.
func record(t *testing.T, n uint64, disabled ...string) (*traces.Trace, string, *traces.Recording) {
	t.Helper()
	kpath, ipath, err := kernelbuild.Build()
	if err != nil {
		t.Fatal(err)
	}
	kernel, err := os.ReadFile(kpath)
	if err != nil {
		t.Fatal(err)
	}
	initrd, err := os.ReadFile(ipath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "boot.trace")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := traces.Record(f, traces.RecordConfig{Kernel: kernel, Initrd: initrd, KernelName: "kernel.elf",
		InitrdName: "initrd.tar", Cmdline: cmdline, Limit: n, Disabled: disabled, ChunkInstructions: 1 << 14})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := traces.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr, path, rec
}

func TestReplayBoot(t *testing.T) {
	tr, path, rec := record(t, 500_000)
	rep, err := Replay(tr, path, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d in %v; replayed %d in %v (%.0f/s, %d restarts): %+v", rec.Instructions, rec.Elapsed, rep.Instructions, rep.Elapsed, rep.Rate(), rep.OracleRestarts, rep.Counts)
	for _, g := range rep.Divergences {
		t.Logf("divergence %s %s %v x%d at %s %d: %s", g.Form, g.Who, g.Fields, g.Count, g.First.Symbol, g.First.Index, g.First.Text)
		for _, r := range g.First.States {
			if r.Differs {
				t.Logf("   %s pre=%s rec=%s emu=%s orc=%s", r.Field, r.Pre, r.Recorded, r.Emulator, r.Oracle)
			}
		}
	}
	for _, g := range rep.Unable {
		t.Logf("unable %q x%d", g.Key, g.Count)
	}
	for _, g := range rep.Mistakes {
		t.Logf("mistake %q x%d", g.Key, g.Count)
	}
}

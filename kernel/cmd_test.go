package kernel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/emulator/machine"
)

// cmdInit starts Wine's cmd.exe as the first process.
const cmdInit = `init=C:\Windows\System32\cmd.exe`

// bootCmd boots the kernel with cmd.exe as init on the emulator, types
// script at it, and returns the console output, how the run ended and the
// final machine fingerprint.
func bootCmd(t testing.TB, script string) (string, machine.Exit, machine.Fingerprint) {
	out, exit, fp, _ := bootCmdAt(t, script)
	return out, exit, fp
}

// bootCmdAt is bootCmd, also returning the instruction count at which cmd
// had read the whole script and waited for more (machine.ScriptDone).
func bootCmdAt(t testing.TB, script string) (string, machine.Exit, machine.Fingerprint, uint64) {
	t.Helper()
	out, m, exit := boot(t, cmdInit, script)
	return out, exit, m.Fingerprint(), m.ScriptDone()
}

// TestCmdPrompt boots to cmd.exe's prompt and reports the figures of that
// boot: instructions, non-zero pages of RAM, time.
func TestCmdPrompt(t *testing.T) {
	start := time.Now()
	out, exit, fp, prompt := bootCmdAt(t, "")
	wall := time.Since(start)
	if exit.Reason != machine.InputExhausted || !strings.HasSuffix(out, `C:\>`) {
		t.Fatalf("run ended with %v (%s); want cmd.exe waiting at its prompt. Console:\n%s", exit.Reason, exit.Detail, out)
	}
	t.Logf("prompt ready after %d instructions; run ended after %d (idle waits); RAM %v; %v",
		prompt, exit.Instructions, fp, wall.Round(time.Millisecond))
}

// The same boot and typed session replay bit for bit: instruction count
// and final state hash.
func TestCmdDeterministic(t *testing.T) {
	const script = "echo one\rdir\rmkdir x\rexit 4\r"
	_, e1, f1 := bootCmd(t, script)
	_, e2, f2 := bootCmd(t, script)
	if e1.Reason != machine.DebugExit || e1.Status != 4 {
		t.Errorf("run ended with %v (%s) status %d, want debug exit 4", e1.Reason, e1.Detail, e1.Status)
	}
	if e1 != e2 || f1 != f2 {
		t.Errorf("two runs differ: %+v %v vs %+v %v", e1, f1, e2, f2)
	}
}

// BenchmarkCmdBoot measures the emulator booting to cmd.exe's prompt: the
// NT layer, the PE loader, our DLLs and Wine's cmd.exe.
func BenchmarkCmdBoot(b *testing.B) {
	var insns uint64
	start := time.Now()
	for b.Loop() {
		_, m, exit := boot(b, cmdInit, "")
		if exit.Reason != machine.InputExhausted || m.ScriptDone() == 0 {
			b.Fatalf("boot ended with %v: %s", exit.Reason, exit.Detail)
		}
		insns += exit.Instructions
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(insns)/elapsed/1e6, "MIPS")
	b.ReportMetric(float64(insns)/float64(b.N), "instructions/boot")
	b.ReportMetric(elapsed*1e3/float64(b.N), "ms/boot")
}

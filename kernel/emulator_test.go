package kernel_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/emulator/machine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
)

// bootLimit bounds an emulator run: the self-tests take about 33 M
// instructions and the boot to cmd.exe's prompt about 25 M, so a kernel
// stuck in a loop ends as InstructionLimit.
const bootLimit = 3_000_000_000

// bootEmulator boots the kernel on the twinstep emulator with the twinstep
// loader and returns the console output and how the run ended.
func bootEmulator(t testing.TB, cmdline string) (string, machine.Exit) {
	t.Helper()
	out, _, exit := boot(t, cmdline, "")
	return out, exit
}

// boot boots the kernel on the emulator with cmdline, types script (see
// machine.Config.Script), and returns the console output, the machine and
// how the run ended.
func boot(t testing.TB, cmdline, script string) (string, *machine.Machine, machine.Exit) {
	t.Helper()
	return bootConfig(t, machine.Config{Cmdline: cmdline, Script: []byte(script)})
}

// bootConfig is boot with more of the machine's configuration (its memory
// size, say); the kernel, initrd and console are filled in.
func bootConfig(t testing.TB, cfg machine.Config) (string, *machine.Machine, machine.Exit) {
	t.Helper()
	k, rd, err := kernelbuild.Images()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cfg.Kernel, cfg.Initrd, cfg.Console = k, rd, &out
	m, err := machine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	exit, err := m.Run(bootLimit)
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), m, exit
}

func TestEmulatorSelftest(t *testing.T) {
	out, exit := bootEmulator(t, "selftest")
	if exit.Reason != machine.DebugExit || exit.Status != 0 {
		t.Errorf("run ended with %v (%s), want debug exit 0", exit.Reason, exit.Detail)
	}
	names := checkSelftests(t, out)
	t.Logf("%d self-tests passed in %d instructions: %s", len(names), exit.Instructions, strings.Join(names, " "))
}

// The same kernel reports the same self-tests, all passing, on QEMU (an
// independent machine) and on the emulator.
func TestSameSelftestsAsQEMU(t *testing.T) {
	qout, status, err := bootQEMU(t, 2*time.Minute, "selftest", "-accel", "tcg", "-cpu", "max")
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, qout)
	}
	want := check(t, qout, status)
	eout, _ := bootEmulator(t, "selftest")
	if got := checkSelftests(t, eout); !slices.Equal(got, want) {
		t.Errorf("emulator self-tests\n%v\nQEMU self-tests\n%v", got, want)
	}
}

// Two boots retire the same instructions and print the same bytes: the
// timer counts instructions, so nothing depends on the host.
func TestEmulatorBootIsDeterministic(t *testing.T) {
	out1, exit1 := bootEmulator(t, "selftest")
	out2, exit2 := bootEmulator(t, "selftest")
	if exit1 != exit2 || out1 != out2 {
		t.Errorf("boots differ: %+v vs %+v (output equal: %v)", exit1, exit2, out1 == out2)
	}
}

// An unrecoverable kernel exception prints a report and exits with status
// 3, as under QEMU.
func TestEmulatorPanic(t *testing.T) {
	out, exit := bootEmulator(t, "crash")
	if exit.Reason != machine.DebugExit || exit.Status != 3 {
		t.Errorf("run ended with %v status %d (%s), want debug exit 3", exit.Reason, exit.Status, exit.Detail)
	}
	for _, want := range []string{"kernel exception: invalid opcode (vector 6)", "KERNEL PANIC"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// BenchmarkBoot measures the emulator on the kernel's boot and self-tests
// (paging on, interrupts, context switches, user processes).
func BenchmarkBoot(b *testing.B) {
	var insns uint64
	start := time.Now()
	for b.Loop() {
		out, exit := bootEmulator(b, "selftest")
		if exit.Reason != machine.DebugExit || exit.Status != 0 {
			b.Fatalf("boot ended with %v: %s\n%s", exit.Reason, exit.Detail, out)
		}
		insns += exit.Instructions
	}
	elapsed := time.Since(start).Seconds()
	b.ReportMetric(float64(insns)/elapsed/1e6, "MIPS")
	b.ReportMetric(float64(insns)/float64(b.N), "instructions/boot")
	b.ReportMetric(elapsed*1e3/float64(b.N), "ms/boot")
}

package bench

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

// Measure is one run of one workload on one engine.
type Measure struct {
	CPU          time.Duration // CPU time of the run alone (qemu-user: less its start-up)
	Checksum     uint32        // run()'s answer, or its low ChecksumBits
	ChecksumBits uint8         // 32, or 8 for qemu-user (the exit status)
	Retired      uint64        // instructions, counted by the emulator only
}

// Runner runs a workload on one engine.
type Runner interface {
	Name() string
	Run(b *Blob, n int) (Measure, error)
}

// threadCPU is the CPU time of the calling OS thread.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // RUSAGE_THREAD
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// onThread runs f locked to one OS thread and returns the thread's CPU
// time f took.
func onThread(f func() error) (time.Duration, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	err := f()
	return threadCPU() - start, err
}

// maxInstructions bounds a workload (each needs under 200 M): a blob that
// never returns is an error, not a hang.
const maxInstructions = 1 << 32

// Emulator runs workloads in-process on the emulator's flat engine.
type Emulator struct{}

func (Emulator) Name() string { return "emulator" }

func (Emulator) Run(b *Blob, n int) (Measure, error) {
	e := emulator.NewEngine()
	s := b.State(n)
	if err := e.Load(&s, b.Memory()); err != nil {
		return Measure{}, err
	}
	var r engine.Result
	cpu, err := onThread(func() (err error) {
		r, err = e.Step(maxInstructions)
		return err
	})
	if err != nil {
		return Measure{}, err
	}
	if r.Outcome != engine.Halted {
		return Measure{}, fmt.Errorf("emulator: workload %d ended with %s at %#x, not at HLT", n, r.OutcomeString(), r.State.RIP)
	}
	return Measure{CPU: cpu, Checksum: uint32(r.State.GPR[arch.RAX]), ChecksumBits: 32, Retired: e.CPU.Retired - 1}, nil
}

// Unicorn runs workloads free (no count hook) to run()'s return address.
type Unicorn struct{}

func (Unicorn) Name() string { return "unicorn" }

func (Unicorn) Run(b *Blob, n int) (Measure, error) {
	u, err := unicorn.New()
	if err != nil {
		return Measure{}, err
	}
	defer u.Close()
	s := b.State(n)
	s.CPL = 3
	if err := u.Load(&s, b.Memory()); err != nil {
		return Measure{}, err
	}
	var r engine.Result
	cpu, err := onThread(func() (err error) {
		r, err = u.RunTo(b.Halt)
		return err
	})
	if err != nil {
		return Measure{}, err
	}
	if r.Outcome != engine.Completed || r.State.RIP != b.Halt {
		return Measure{}, fmt.Errorf("unicorn: workload %d ended with %s at %#x (%s)", n, r.OutcomeString(), r.State.RIP, r.Detail)
	}
	return Measure{CPU: cpu, Checksum: uint32(r.State.GPR[arch.RAX]), ChecksumBits: 32}, nil
}

// QEMUUser runs the blob as a Linux program under qemu-user (a JIT), from
// its _start, which exits with the checksum's low byte. Its start-up cost
// (the blob run with workload 0, which does nothing) is measured once and
// taken off.
type QEMUUser struct {
	Path    string // qemu-x86_64
	startup time.Duration
}

// NewQEMUUser finds qemu-x86_64 and measures its start-up cost.
func NewQEMUUser(b *Blob) (*QEMUUser, error) {
	path, err := exec.LookPath("qemu-x86_64")
	if err != nil {
		return nil, errors.New("qemu-x86_64 is not installed (Debian package qemu-user)")
	}
	q := &QEMUUser{Path: path}
	best := time.Duration(1<<63 - 1)
	for range 5 {
		m, err := q.Run(b, 0)
		if err != nil {
			return nil, err
		}
		best = min(best, m.CPU)
	}
	q.startup = best
	return q, nil
}

func (q *QEMUUser) Name() string { return "qemu-user" }

func (q *QEMUUser) Run(b *Blob, n int) (Measure, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a blob that never exits
	defer cancel()
	cmd := exec.CommandContext(ctx, q.Path, b.Path, strconv.Itoa(n))
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return Measure{}, fmt.Errorf("qemu-user: %w", err)
	}
	st := cmd.ProcessState
	if !st.Exited() {
		return Measure{}, fmt.Errorf("qemu-user: workload %d: %s", n, st)
	}
	ru := st.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) - q.startup
	return Measure{CPU: max(cpu, 1), Checksum: uint32(st.ExitCode()), ChecksumBits: 8}, nil
}

//go:build linux && amd64

package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// helper is one running twinstep-native process and its shared memory.
type helper struct {
	cmd    *exec.Cmd
	mem    *shm
	stderr *tail
	exited chan struct{} // closed when the process has ended
	req    uint32
	host   hostInfo
}

// hostInfo is what the helper found out about the CPU and the kernel.
type hostInfo struct {
	xsaveSize uint32 // 0: FXSAVE only
	mxcsrMask uint32
	xcr0      uint64
	fsgsbase  bool // RDFSBASE and friends usable at CPL 3
	ymmOffset uint32
	cpuid     cpuidWords
}

// startTimeout bounds the helper's start (mapping its shared memory,
// unmapping the rest, installing its filter).
const startTimeout = 10 * time.Second

func startHelper(path string) (*helper, error) {
	mem, err := newSHM()
	if err != nil {
		return nil, fmt.Errorf("native: shared memory: %w", err)
	}
	h := &helper{mem: mem, stderr: &tail{max: 4096}, exited: make(chan struct{})}
	h.cmd = exec.Command(path)
	h.cmd.ExtraFiles = []*os.File{mem.file}
	h.cmd.Stderr = h.stderr
	h.cmd.Env = []string{}
	if err := h.cmd.Start(); err != nil {
		mem.close()
		return nil, fmt.Errorf("native: starting the helper %s: %w", path, err)
	}
	go func() {
		h.cmd.Wait()
		h.mem.wake(ctlDone) // a waiter asleep on the done word looks again (before close unmaps it)
		close(h.exited)
	}()
	deadline := time.Now().Add(startTimeout)
	for h.mem.load(ctlMagic) != ctlMagicValue {
		select {
		case <-h.exited:
			h.close()
			return nil, fmt.Errorf("native: the helper %s ended at start: %s", path, h.why())
		default:
		}
		if time.Now().After(deadline) {
			h.close()
			return nil, fmt.Errorf("native: the helper %s did not start within %v", path, startTimeout)
		}
		h.mem.wait(ctlMagic, 0, 10*time.Millisecond)
	}
	if v := h.mem.load(ctlVersion); v != layoutVersion {
		h.close()
		return nil, fmt.Errorf("native: the helper %s speaks layout %d, this engine %d: rebuild it (make native)", path, v, layoutVersion)
	}
	le := binary.LittleEndian
	h.host = hostInfo{
		xsaveSize: le.Uint32(h.mem.b[ctlXSaveSize:]),
		mxcsrMask: le.Uint32(h.mem.b[ctlMXCSRMask:]),
		xcr0:      le.Uint64(h.mem.b[ctlXCR0:]),
		fsgsbase:  le.Uint64(h.mem.b[ctlHWCap2:])&2 != 0,
		ymmOffset: le.Uint32(h.mem.b[ctlYMMOffset:]),
	}
	for i := range h.host.cpuid {
		for k := range h.host.cpuid[i] {
			h.host.cpuid[i][k] = le.Uint32(h.mem.b[ctlCPUID+16*i+4*k:])
		}
	}
	return h, nil
}

// why describes how the helper ended.
func (h *helper) why() string {
	s := "exited"
	if st := h.cmd.ProcessState; st != nil {
		s = st.String()
	}
	if t := strings.TrimSpace(h.stderr.String()); t != "" {
		s += ": " + t
	}
	return s
}

func (h *helper) close() {
	if h.cmd.Process != nil {
		h.cmd.Process.Kill()
		<-h.exited
	}
	h.mem.close()
}

var errHelperDied = errors.New("the helper process ended")

// run has the helper run the case records at offs (already written) and
// waits at most timeout. On a crash or a hang it returns how many cases
// finished and errHelperDied; the case at that index is the culprit.
func (h *helper) run(offs []uint32, timeout time.Duration) (int, error) {
	if len(offs) > maxBatch {
		panic("native: batch too large")
	}
	for i, o := range offs {
		binary.LittleEndian.PutUint32(h.mem.b[ctlCases+4*i:], o)
	}
	h.mem.store(ctlNCases, uint32(len(offs)))
	h.mem.store(ctlCurrent, 0)
	h.req++
	h.mem.store(ctlReq, h.req)
	h.mem.wake(ctlReq)
	deadline := time.Now().Add(timeout)
	for spins := 0; ; spins++ {
		done := h.mem.load(ctlDone)
		if done == h.req {
			return len(offs), nil
		}
		select {
		case <-h.exited:
			return int(h.mem.load(ctlCurrent)), errHelperDied
		default:
		}
		if time.Now().After(deadline) {
			h.cmd.Process.Kill()
			<-h.exited
			return int(h.mem.load(ctlCurrent)), fmt.Errorf("%w: no answer within %v", errHelperDied, timeout)
		}
		if spins < 200 {
			continue // most batches of one case end within microseconds
		}
		h.mem.wait(ctlDone, done, 20*time.Millisecond)
	}
}

// tail keeps the last bytes written to it.
type tail struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

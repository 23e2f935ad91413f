package unicorn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// Unicorn crashes on some inputs (PCMPESTRM with EDX = 0x80000000 segfaults
// inside QEMU's string-compare helper), and a crash in cgo takes the whole
// process with it. Isolated runs Unicorn in a child process: the executable
// itself, re-run with workerEnv set, which any program importing this
// package serves (see init). A crash or hang is then one case's outcome,
// "unsupported: Unicorn crashed on this case: <the worker's first words>",
// and the next case gets a fresh worker.

const workerEnv = "TWINSTEP_UNICORN_WORKER"

// caseTimeout bounds one case: Unicorn stops after one instruction, so
// anything near this is a hang.
const caseTimeout = 10 * time.Second

type request struct {
	engine.Case
	N uint64
}

type response struct {
	Result engine.Result
	Post   [][]byte // the regions' bytes after the run
	Err    string
}

// The wire format is flat: the state in its binary form, integers
// little-endian, byte strings length-prefixed. (gob cost 147 us a case.)

type wire struct {
	r   *bufio.Reader
	w   *bufio.Writer
	err error
}

func (x *wire) u64(v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	x.bytes(b[:])
}

func (x *wire) bytes(b []byte) {
	if x.err == nil {
		_, x.err = x.w.Write(b)
	}
}

func (x *wire) blob(b []byte) { x.u64(uint64(len(b))); x.bytes(b) }

func (x *wire) readU64() uint64 {
	var b [8]byte
	x.readFull(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func (x *wire) readFull(b []byte) {
	if x.err == nil {
		_, x.err = io.ReadFull(x.r, b)
	}
}

func (x *wire) readBlob(max uint64) []byte {
	n := x.readU64()
	if x.err == nil && n > max {
		x.err = fmt.Errorf("unicorn worker: a %d-byte field (limit %d)", n, max)
	}
	if x.err != nil {
		return nil
	}
	b := make([]byte, n)
	x.readFull(b)
	return b
}

func (x *wire) state(s *arch.State) {
	b, _ := s.MarshalBinary()
	x.blob(b)
}

func (x *wire) readState() arch.State {
	var s arch.State
	if b := x.readBlob(1 << 16); x.err == nil {
		x.err = s.UnmarshalBinary(b)
	}
	return s
}

const maxRegion = 1 << 30

// sendRequest and sendResponse buffer; their callers flush.
func (x *wire) sendRequest(q *request) error {
	x.u64(q.N)
	x.state(&q.State)
	x.u64(uint64(len(q.Mem)))
	for _, r := range q.Mem {
		x.u64(r.Addr)
		x.blob(r.Data)
	}
	return x.err
}

func (x *wire) readRequest() (request, error) {
	var q request
	q.N = x.readU64()
	q.State = x.readState()
	n := x.readU64()
	for i := uint64(0); i < n && x.err == nil; i++ {
		a := x.readU64()
		q.Mem = append(q.Mem, engine.Region{Addr: a, Data: x.readBlob(maxRegion)})
	}
	return q, x.err
}

func (x *wire) sendResponse(p *response) error {
	r := &p.Result
	hasCode := uint64(0)
	if r.HasErrorCode {
		hasCode = 1
	}
	x.u64(uint64(r.Outcome)<<16 | uint64(r.Vector)<<8 | hasCode)
	x.u64(uint64(r.ErrorCode))
	x.blob([]byte(r.Detail))
	x.state(&r.State)
	x.u64(uint64(len(p.Post)))
	for _, b := range p.Post {
		x.blob(b)
	}
	x.blob([]byte(p.Err))
	return x.err
}

func (x *wire) readResponse() (response, error) {
	var p response
	h := x.readU64()
	r := &p.Result
	r.Outcome, r.Vector, r.HasErrorCode = engine.Outcome(h>>16), uint8(h>>8), h&1 != 0
	r.ErrorCode = uint32(x.readU64())
	r.Detail = string(x.readBlob(1 << 20))
	r.State = x.readState()
	n := x.readU64()
	for i := uint64(0); i < n && x.err == nil; i++ {
		p.Post = append(p.Post, x.readBlob(maxRegion))
	}
	p.Err = string(x.readBlob(1 << 20))
	return p, x.err
}

func (x *wire) flush() error {
	if x.err == nil {
		x.err = x.w.Flush()
	}
	return x.err
}

// Isolated is Unicorn in a worker process, as an engine.Engine and an
// engine.Batcher.
type Isolated struct {
	cmd *exec.Cmd
	// to and from are the two directions of the pipe: a batch writes
	// requests while it reads the answers.
	to, from *wire
	out      io.Closer
	loaded   engine.Case
	post     []engine.Region
	stderr   *headBuffer
	// Crashes counts the workers lost to a crash or hang.
	Crashes int
}

// headBuffer keeps the first max bytes written to it: the start of a dying
// worker's report says why it died.
type headBuffer struct {
	max int
	buf []byte
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) firstLine() string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(h.buf)), "\n")
	return line
}

// NewIsolated starts a worker and checks it answers.
func NewIsolated() (*Isolated, error) {
	e := &Isolated{}
	if err := e.start(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Isolated) start() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("unicorn worker: %w", err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	e.stderr = &headBuffer{max: 4096}
	cmd.Stderr = e.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("unicorn worker: %w", err)
	}
	e.cmd, e.out = cmd, in
	e.to = &wire{w: bufio.NewWriterSize(in, 64<<10)}
	e.from = &wire{r: bufio.NewReaderSize(out, 64<<10)}
	// The worker's first message says whether Unicorn started.
	hello, err := e.from.readResponse()
	if err != nil || hello.Err != "" {
		e.stop()
		if hello.Err != "" {
			return errors.New(hello.Err)
		}
		return fmt.Errorf("unicorn worker did not start: %v", err)
	}
	return nil
}

func (e *Isolated) stop() {
	if e.cmd == nil {
		return
	}
	e.out.Close()
	if e.cmd.Process != nil {
		e.cmd.Process.Kill()
	}
	e.cmd.Wait()
	e.cmd = nil
}

// Name implements engine.Engine.
func (e *Isolated) Name() string { return "unicorn" }

// Load implements engine.Engine; the case travels with Step.
func (e *Isolated) Load(s *arch.State, mem []engine.Region) error {
	e.loaded = engine.Case{State: *s, Mem: mem}
	e.post = nil
	return nil
}

// Step implements engine.Engine: a batch of one.
func (e *Isolated) Step(n uint64) (engine.Result, error) {
	rs, posts, err := e.RunBatch([]engine.Case{e.loaded}, n)
	if err != nil {
		return engine.Result{}, err
	}
	e.post = posts[0]
	return rs[0], nil
}

// RunBatch implements engine.Batcher. The requests stream to the worker
// while its answers stream back, so no case waits for a round trip. A case
// that crashes or hangs the worker is "unsupported: Unicorn crashed on this
// case", and the rest go on in a fresh worker.
func (e *Isolated) RunBatch(cases []engine.Case, n uint64) ([]engine.Result, [][]engine.Region, error) {
	rs := make([]engine.Result, len(cases))
	posts := make([][]engine.Region, len(cases))
	for done := 0; done < len(cases); {
		k, why, err := e.stream(cases[done:], n, rs[done:], posts[done:])
		if err != nil {
			return nil, nil, err
		}
		done += k
		if done < len(cases) {
			rs[done] = engine.Result{Outcome: engine.Unsupported, State: cases[done].State,
				Detail: "Unicorn crashed on this case: " + why}
			posts[done] = cases[done].Mem
			done++
		}
	}
	return rs, posts, nil
}

// stream runs cases in the worker (starting one if need be) until they are
// done or the worker dies; it returns how many it answered and, if the
// worker died on the next, why.
func (e *Isolated) stream(cases []engine.Case, n uint64, rs []engine.Result, posts [][]engine.Region) (int, string, error) {
	if e.cmd == nil {
		if err := e.start(); err != nil {
			return 0, "", err
		}
	}
	cmd := e.cmd
	timer := time.AfterFunc(caseTimeout, func() { cmd.Process.Kill() })
	defer timer.Stop()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range cases {
			if e.to.sendRequest(&request{cases[i], n}) != nil {
				return
			}
		}
		e.to.flush()
	}()
	i := 0
	for ; i < len(cases); i++ {
		resp, err := e.from.readResponse()
		if err != nil {
			break
		}
		timer.Reset(caseTimeout)
		if resp.Err != "" {
			e.stop()
			<-sent
			return i, "", errors.New(resp.Err)
		}
		if len(resp.Post) != len(cases[i].Mem) {
			e.stop()
			<-sent
			return i, "", fmt.Errorf("unicorn worker: %d regions back for %d", len(resp.Post), len(cases[i].Mem))
		}
		rs[i] = resp.Result
		posts[i] = make([]engine.Region, len(resp.Post))
		for k, b := range resp.Post {
			posts[i][k] = engine.Region{Addr: cases[i].Mem[k].Addr, Data: b}
		}
	}
	if i == len(cases) {
		<-sent
		return i, "", nil
	}
	e.stop()
	<-sent
	why := e.stderr.firstLine()
	if why == "" {
		why = "killed after " + caseTimeout.String()
	}
	e.Crashes++
	return i, why, nil
}

// ReadMemory implements engine.Engine from the worker's answer.
func (e *Isolated) ReadMemory(addr uint64, b []byte) error {
	for _, r := range e.post {
		if addr >= r.Addr && addr+uint64(len(b)) <= r.Addr+uint64(len(r.Data)) {
			copy(b, r.Data[addr-r.Addr:])
			return nil
		}
	}
	if e.post == nil {
		return errors.New("unicorn worker: no memory (the case did not run)")
	}
	return fmt.Errorf("unicorn worker: %#x+%d is not in the case's memory", addr, len(b))
}

// Close implements engine.Engine.
func (e *Isolated) Close() error {
	e.stop()
	return nil
}

func init() {
	if os.Getenv(workerEnv) == "" {
		return
	}
	os.Exit(serve(os.Stdin, os.Stdout))
}

// serve is the worker: one in-process Engine answering cases.
func serve(r io.Reader, w io.Writer) int {
	x := &wire{r: bufio.NewReaderSize(r, 64<<10), w: bufio.NewWriterSize(w, 64<<10)}
	e, err := New()
	if err != nil {
		x.sendResponse(&response{Err: err.Error()})
		return 1
	}
	if x.sendResponse(&response{}) != nil || x.flush() != nil {
		return 1
	}
	for {
		req, err := x.readRequest()
		if err != nil {
			return 0 // the parent closed the pipe
		}
		resp, err := runCase(e, &req)
		if err != nil {
			resp.Err = err.Error()
		}
		// Each answer is flushed before the next case runs: a case that
		// crashes Unicorn must not take the answers before it along.
		if x.sendResponse(&resp) != nil || x.flush() != nil {
			return 1
		}
	}
}

func runCase(e *Engine, req *request) (response, error) {
	var resp response
	if err := e.Load(&req.State, req.Mem); err != nil {
		return resp, err
	}
	res, err := e.Step(req.N)
	if err != nil {
		return resp, err
	}
	resp.Result = res
	for _, reg := range req.Mem {
		p := make([]byte, len(reg.Data))
		if err := e.ReadMemory(reg.Addr, p); err != nil {
			return resp, err
		}
		resp.Post = append(resp.Post, p)
	}
	return resp, nil
}

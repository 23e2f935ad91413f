package traces

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
	"unicode/utf16"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/boot"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/emulator/machine"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/internal/outfile"
	"github.com/twinstep/twinstep/oracles/unicorn"
)

// RecordConfig says what to record.
type RecordConfig struct {
	Kernel, Initrd         []byte
	KernelName, InitrdName string // file names, for the metadata
	Cmdline                string
	Script                 []byte // typed input (machine.Config.Script)
	MemoryMiB              int
	// Limit stops the recording after this many retired instructions
	// (0: run until the machine stops).
	Limit uint64
	// Disabled names mnemonics the emulator must treat as missing: a test
	// switch proving that the recorder and the replay find them.
	Disabled []string
	Console  io.Writer // the guest's serial output; nil discards it
	// CPU is the emulator's CPU profile (nil: the default); the trace's
	// metadata names it.
	CPU *cpu.Profile
	// ChunkInstructions is how many instructions a steps chunk holds (0:
	// DefaultChunkInstructions). Smaller chunks replay in parallel more
	// evenly and reach an instruction faster; larger ones compress better.
	ChunkInstructions int
}

// DefaultChunkInstructions is the steps chunk size the recorder uses.
const DefaultChunkInstructions = 1 << 16

// Recording is what Record produced.
type Recording struct {
	End
	Chunks  int
	Bytes   int64
	Modules int
	Elapsed time.Duration
}

// Image-load notifications (docs/BOOT.md): the kernel writes the low half of
// a record's address to one port and the high half to the other.
const (
	notifyPortLow  = 0x5d0
	notifyPortHigh = 0x5d4
	notifyMagic    = 0x4e474d49 // "IMGN"
	notifySize     = 4 + 4 + 8 + 8 + 8 + 2 + 2*64
)

// Record runs the machine cfg describes and writes its trace to out. Where
// the emulator lacks an instruction, Unicorn executes it from the same
// state and the step is marked; the recording stops with an error only when
// no engine can execute an instruction, and what was recorded up to there
// is still written. A write error stops the recording within a chunk's
// worth of instructions, and is the error returned.
func Record(out io.Writer, cfg RecordConfig) (*Recording, error) {
	start := time.Now()
	img, err := boot.ParseKernel(cfg.Kernel, 1<<40) // for its symbols: machine.New checks it against RAM
	if err != nil {
		return nil, err
	}
	m, err := machine.New(machine.Config{Kernel: cfg.Kernel, Initrd: cfg.Initrd, Cmdline: cfg.Cmdline,
		MemoryMiB: cfg.MemoryMiB, Console: cfg.Console, Script: cfg.Script, CPU: cfg.CPU})
	if err != nil {
		return nil, err
	}
	cw := &countingWriter{w: out}
	tw, err := NewWriter(cw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errWrite, err)
	}
	r := &recorder{m: m, c: m.CPU(), chunkN: uint64(cfg.ChunkInstructions), chunks: make(chan chunk, 4), done: make(chan error, 1)}
	if r.chunkN == 0 {
		r.chunkN = DefaultChunkInstructions
	}
	r.meta = Meta{Kernel: cfg.KernelName, KernelSHA256: sha(cfg.Kernel), Cmdline: cfg.Cmdline,
		Script: string(cfg.Script), MemoryMiB: cfg.MemoryMiB, Disabled: cfg.Disabled, Symbols: Symbols{Kernel: img.Symbols}}
	if cfg.CPU != nil {
		r.meta.CPU = cfg.CPU.Name
	}
	if cfg.Initrd != nil {
		r.meta.Initrd, r.meta.InitrdSHA256 = cfg.InitrdName, sha(cfg.Initrd)
	}
	if len(cfg.Disabled) > 0 {
		r.c.Disabled = map[string]bool{}
		for _, d := range cfg.Disabled {
			r.c.Disabled[d] = true
		}
	}
	// Compressing and writing chunks happens beside the recording, on the
	// other core.
	go func() {
		var err error
		for c := range r.chunks {
			if err == nil {
				if err = tw.WriteChunk(c.kind, c.first, c.payload); err != nil {
					r.writeFailed.Store(true)
				}
			}
		}
		r.done <- err
	}()
	head, _ := r.meta.encode()
	r.chunks <- chunk{KindMeta, 0, head}

	r.prev = r.c.State()
	r.enc.begin(0, &r.prev)
	r.c.ReadLog, r.c.WriteLog, r.c.Observer = &r.reads, &r.writes, r
	runErr := r.run(cfg.Limit)
	r.c.ReadLog, r.c.WriteLog, r.c.Observer = nil, nil, nil
	r.flush()
	r.meta.End = &r.end
	tail, _ := r.meta.encode()
	r.chunks <- chunk{KindMeta, r.enc.first + r.enc.n, tail}
	close(r.chunks)
	werr := <-r.done
	if werr == nil {
		werr = tw.Close()
	}
	rec := &Recording{End: r.end, Chunks: r.nchunks + 2, Bytes: cw.n, Modules: len(r.meta.Symbols.Modules), Elapsed: time.Since(start)}
	if werr != nil {
		return rec, fmt.Errorf("%w: %w", errWrite, werr)
	}
	return rec, runErr
}

// RecordFile records to the file at path, through outfile: a path that
// is not a regular file is refused before the recording starts, and the
// file appears only when the trace was written whole. A recording that
// stopped early (no engine could run an instruction) is a whole trace of
// what ran: it is kept, with the error. A write error (a full disk) stops
// the recording and keeps nothing: the Recording is then nil.
func RecordFile(path string, cfg RecordConfig) (*Recording, error) {
	f, err := outfile.Create(path)
	if err != nil {
		return nil, err
	}
	rec, err := Record(f, cfg)
	if rec == nil || errors.Is(err, errWrite) {
		f.Abort()
		return nil, err
	}
	if cerr := f.Commit(); cerr != nil {
		return nil, cerr
	}
	return rec, err
}

type chunk struct {
	kind    Kind
	first   uint64
	payload []byte
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// recorder is the CPU's Observer while recording.
type recorder struct {
	m       *machine.Machine
	c       *cpu.CPU
	enc     stepEncoder
	prev    arch.State // the state after the last step
	reads   cpu.ReadLog
	writes  []cpu.MemWrite
	step    Step
	chunkN  uint64
	nchunks int
	chunks  chan chunk
	done    chan error
	meta    Meta
	end     End

	notifyLow uint32
	oracle    *unicorn.Session
	// writeFailed is set by the goroutine writing the chunks when a write
	// fails, so the recording stops.
	writeFailed atomic.Bool
}

// run drives the machine, stepping in with the oracle where the emulator
// lacks an instruction. It runs a chunk's worth of instructions at a time
// and stops when writing the trace failed: a full disk ends the recording
// there, not at the end of the run.
func (r *recorder) run(limit uint64) error {
	defer func() {
		if r.oracle != nil {
			r.oracle.Close()
		}
	}()
	for {
		if r.writeFailed.Load() {
			r.end.Exit, r.end.Detail = "write error", "writing the trace failed"
			return nil // Record returns the write error
		}
		slice := r.chunkN
		if limit != 0 {
			if r.c.Retired >= limit {
				r.end.Exit, r.end.Detail = machine.InstructionLimit.String(), fmt.Sprintf("%d instructions", limit)
				return nil
			}
			slice = min(slice, limit-r.c.Retired)
		}
		exit, err := r.m.Run(slice)
		r.end.Exit, r.end.Detail = exit.Reason.String(), exit.Detail
		if err != nil {
			return err
		}
		switch exit.Reason {
		case machine.InstructionLimit: // the slice, or the limit: the loop's top says which
		case machine.Unimplemented:
			if err := r.byOracle(); err != nil {
				r.end.Exit, r.end.Detail = "no engine can execute", err.Error()
				return err
			}
		default:
			return nil
		}
	}
}

// Retired implements cpu.Observer.
func (r *recorder) Retired(code []byte) {
	r.emit(Step{Kind: Retired, Code: code, Post: r.c.State()})
}

// Raised implements cpu.Observer.
func (r *recorder) Raised(code []byte, e *cpu.Exception) {
	post := r.c.State()
	if next, trap := e.Trap(); trap {
		post.RIP = next
	}
	r.emit(Step{Kind: Raised, Code: code, Post: post, Vector: e.Vector, ErrorCode: e.ErrorCode,
		HasErrorCode: e.HasErrorCode, Address: e.Address})
}

// Delivered implements cpu.Observer.
func (r *recorder) Delivered(vector uint8, external bool) {
	r.end.Deliveries++
	r.emit(Step{Kind: Delivery, Post: r.c.State(), Vector: vector, External: external})
}

// emit records step s with the accesses logged since the last step.
func (r *recorder) emit(s Step) {
	s.Reads, s.Writes = r.step.Reads[:0], r.step.Writes[:0]
	for _, rd := range r.reads.Reads {
		s.Reads = append(s.Reads, Access{Addr: rd.Addr, Data: r.reads.Bytes(rd), Port: rd.Port})
	}
	for _, w := range r.writes {
		s.Writes = append(s.Writes, Access{Addr: w.Addr, Data: w.New})
	}
	r.record(s)
}

// record appends step s to the trace.
func (r *recorder) record(s Step) {
	pre := r.prev
	r.enc.add(&s)
	r.step.Reads, r.step.Writes = s.Reads, s.Writes
	r.reads.Reset()
	r.writes = r.writes[:0]
	r.prev = s.Post
	if s.IsInstruction() {
		r.end.Instructions++
		if s.ByOracle {
			r.end.ByOracle++
		}
	}
	if s.Kind == Retired && len(s.Code) == 1 && s.Code[0] == 0xef { // out dx, eax
		r.notification(&pre)
	}
	if r.enc.n >= r.chunkN {
		r.flush()
		r.enc.begin(r.end.Instructions, &r.prev)
	}
}

// flush hands the current steps chunk to the writer.
func (r *recorder) flush() {
	if r.enc.n == 0 && len(r.enc.buf) == 12+arch.BinarySize() {
		return
	}
	r.chunks <- chunk{KindSteps, r.enc.first, append([]byte(nil), r.enc.buf...)}
	r.nchunks++
}

// notification follows an OUT DX, EAX: the image-load notification ports
// announce a mapped PE image, which becomes a Module of the symbols.
func (r *recorder) notification(pre *arch.State) {
	port, v := uint16(pre.GPR[arch.RDX]), uint32(pre.GPR[arch.RAX])
	switch port {
	case notifyPortLow:
		r.notifyLow = v
		return
	case notifyPortHigh:
	default:
		return
	}
	addr := uint64(v)<<32 | uint64(r.notifyLow)
	rec := make([]byte, notifySize)
	le := binary.LittleEndian
	if !r.readVirtual(pre.CR3, addr, rec) || le.Uint32(rec) != notifyMagic || le.Uint32(rec[4:]) != 1 {
		return // not a notification this recorder understands: the run goes on unnamed
	}
	m := Module{CR3: le.Uint64(rec[8:]), Base: le.Uint64(rec[16:]), Size: le.Uint64(rec[24:]), Since: r.end.Instructions}
	n := min(int(le.Uint16(rec[32:])), 64)
	name := make([]uint16, n)
	for i := range name {
		name[i] = le.Uint16(rec[34+2*i:])
	}
	m.Name = string(utf16.Decode(name))
	m.readPE(func(a uint64, b []byte) bool { return r.readVirtual(m.CR3, a, b) })
	r.meta.Symbols.Modules = append(r.meta.Symbols.Modules, m)
}

// readVirtual reads guest memory at linear address la in the address space
// whose page-table root is cr3, without touching accessed bits: the
// recorder looks, the guest does not.
func (r *recorder) readVirtual(cr3, la uint64, b []byte) bool {
	for len(b) > 0 {
		pa, ok := r.translate(cr3, la)
		p := r.m.Page(pa &^ 0xfff)
		if !ok || p == nil {
			return false
		}
		n := copy(b, p[pa&0xfff:])
		b, la = b[n:], la+uint64(n)
	}
	return true
}

func (r *recorder) translate(cr3, la uint64) (uint64, bool) {
	const addrMask = 0x000f_ffff_ffff_f000
	table := cr3 & addrMask
	for level := 4; level >= 1; level-- {
		p := r.m.Page(table)
		if p == nil {
			return 0, false
		}
		pte := binary.LittleEndian.Uint64(p[(la>>(12+9*uint(level-1))&511)*8:])
		if pte&1 == 0 {
			return 0, false
		}
		if level == 1 || level <= 3 && pte&0x80 != 0 {
			size := uint64(1) << (12 + 9*uint(level-1))
			return pte&addrMask&^(size-1) | la&(size-1), true
		}
		table = pte & addrMask
	}
	return 0, false
}

// errWrite is wrapped by the error of a trace that could not be written.
var errWrite = errors.New("writing the trace")

// errNoEngine is wrapped by the error that stops a recording.
var errNoEngine = errors.New("no engine can execute the instruction")

// byOracle has Unicorn execute the instruction the emulator lacks, from
// the machine's state, giving it the guest memory it touches page by page,
// then applies its registers and stores and records the step, marked.
func (r *recorder) byOracle() error {
	st := r.c.State()
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w at %#x: %s", errNoEngine, st.RIP, fmt.Sprintf(format, a...))
	}
	if r.oracle == nil {
		var err error
		if r.oracle, err = unicorn.NewSession(); err != nil {
			return fail("%v", err)
		}
	}
	code := make([]byte, 0, 15)
	for i := range uint64(15) {
		var b [1]byte
		if r.c.AccessLinear(st.RIP+i, b[:], false) != nil {
			break
		}
		code = append(code, b[0])
	}
	pages := map[uint64]bool{st.RIP &^ 0xfff: true, (st.RIP + uint64(len(code)) - 1) &^ 0xfff: true}
	var res engine.Result
	for attempt := 0; ; attempt++ {
		// The guest's pages as they are now, so nothing a failed attempt
		// wrote survives into the next.
		for p := range pages {
			buf := make([]byte, 4096)
			if err := r.c.AccessLinear(p, buf, false); err != nil {
				return fail("the instruction touches %#x, where the guest faults: %v", p, err)
			}
			if err := r.oracle.Poke(p, buf); err != nil {
				return fail("%v", err)
			}
		}
		var err error
		if res, err = r.oracle.Exec(&st); err != nil {
			return fail("%v", err)
		}
		unmapped := res.Outcome == engine.Exception && res.Vector == arch.VecPF
		if !unmapped {
			break
		}
		if p := res.State.CR2 &^ 0xfff; !pages[p] && attempt < 16 {
			pages[p] = true
			continue
		}
		return fail("the oracle faulted at %#x: %s", res.State.CR2, res.Detail)
	}
	if res.Outcome != engine.Completed {
		return fail("the emulator lacks it and the oracle reports %s %s", res.OutcomeString(), res.Detail)
	}
	for _, w := range res.Writes {
		if err := r.c.AccessLinear(w.Addr, w.New, true); err != nil {
			return fail("applying the oracle's store to %#x: %v", w.Addr, err)
		}
	}
	r.reads.Reset()
	r.writes = r.writes[:0]
	r.c.Complete(&res.State)
	if in, err := decoder.Decode(code); err == nil {
		code = code[:in.Len]
	}
	s := Step{Kind: Retired, Code: code, Post: r.c.State(), ByOracle: true}
	for _, rd := range res.Reads {
		s.Reads = append(s.Reads, Access{Addr: rd.Addr, Data: rd.New})
	}
	for _, w := range res.Writes {
		s.Writes = append(s.Writes, Access{Addr: w.Addr, Data: w.New})
	}
	r.record(s)
	return nil
}

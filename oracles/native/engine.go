//go:build linux && amd64

package native

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/twinstep/twinstep/emulator/cpu"
	"time"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// Engine is the host CPU as an engine.Engine.
type Engine struct {
	path string
	h    *helper
	// The case Load gave and the memory after Step.
	state arch.State
	mem   []engine.Region
	post  []engine.Region
	// Restarts counts the helpers started after one crashed or hung.
	Restarts int
	// Timeout bounds one case; a case still running after it is killed.
	Timeout time.Duration
}

// New starts the helper at path.
func New(path string) (*Engine, error) {
	h, err := startHelper(path)
	if err != nil {
		return nil, err
	}
	return &Engine{path: path, h: h, Timeout: 2 * time.Second}, nil
}

// Host describes the processor the cases run on.
func (e *Engine) Host() Host { return hostOf(&e.h.host.cpuid) }

// HostHas reports whether the host's CPUID sets the feature's bit (leaves
// 0, 1, 7.0 and 0x80000001, which the helper reads; false for others).
func (e *Engine) HostHas(f cpu.Feature) bool { return e.h.host.cpuid.has(f) }

// Name implements engine.Engine.
func (e *Engine) Name() string { return "native" }

// Load implements engine.Engine.
func (e *Engine) Load(s *arch.State, mem []engine.Region) error {
	e.state, e.mem, e.post = *s, mem, nil
	return nil
}

// Step implements engine.Engine.
func (e *Engine) Step(n uint64) (engine.Result, error) {
	rs, posts, err := e.exec([]job{{&e.state, e.mem, n}})
	if err != nil {
		return engine.Result{}, err
	}
	e.post = posts[0]
	return rs[0], nil
}

// ReadMemory implements engine.Engine: the memory after the last Step.
func (e *Engine) ReadMemory(addr uint64, b []byte) error {
	mem := e.post
	if mem == nil {
		mem = e.mem
	}
	for i := range b {
		a := addr + uint64(i)
		found := false
		for _, r := range mem {
			if a >= r.Addr && a < r.Addr+uint64(len(r.Data)) {
				b[i] = r.Data[a-r.Addr]
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("native: %#x is not mapped", a)
		}
	}
	return nil
}

// Close implements engine.Engine.
func (e *Engine) Close() error {
	if e.h != nil {
		e.h.close()
		e.h = nil
	}
	return nil
}

// RunBatch implements engine.Batcher: many cases per round trip to the
// helper.
func (e *Engine) RunBatch(cases []engine.Case, n uint64) ([]engine.Result, [][]engine.Region, error) {
	jobs := make([]job, len(cases))
	for i := range cases {
		jobs[i] = job{&cases[i].State, cases[i].Mem, n}
	}
	return e.exec(jobs)
}

// exec runs the jobs: each one planned, the runnable ones sent in batches.
// It returns each job's result and memory after the run (its regions, in
// order).
func (e *Engine) exec(jobs []job) ([]engine.Result, [][]engine.Region, error) {
	results := make([]engine.Result, len(jobs))
	posts := make([][]engine.Region, len(jobs))
	recs := make([]*record, len(jobs))
	for i, j := range jobs {
		rec, res := e.plan(j)
		if res != nil {
			results[i], posts[i] = *res, j.mem
			continue
		}
		recs[i] = &rec
	}
	return results, posts, e.send(jobs, recs, results, posts)
}

// send runs the jobs that have a record, in as few batches as the shared
// memory allows, filling in their results and memory. A job that kills or
// hangs the helper is "failed"; the rest go on in a fresh helper.
func (e *Engine) send(jobs []job, recs []*record, results []engine.Result, posts [][]engine.Region) error {
	if e.h == nil {
		return errors.New("native: engine closed")
	}
	var batch []int // job indexes, in shared-memory order
	var offs []uint32
	next := uint32(0x1000)
	place := func(i int) {
		b := e.h.mem.b[next:]
		offs, batch = append(offs, next), append(batch, i)
		next += uint32(recordSize(recs[i]))
		writeRecord(b, recs[i], jobs[i].state)
	}
	flush := func() error {
		for len(batch) > 0 {
			done, err := e.h.run(offs, e.Timeout+time.Duration(len(batch))*10*time.Millisecond)
			for k := 0; k < done && k < len(batch); k++ {
				results[batch[k]], posts[batch[k]] = decodeResult(jobs[batch[k]], e.h.mem.b[offs[k]:])
			}
			if err == nil || done >= len(batch) {
				break
			}
			j := batch[done]
			results[j] = engine.Result{Outcome: engine.Failed, State: *jobs[j].state,
				Detail: fmt.Sprintf("native: the helper ended on this case (%v): %s", err, e.h.why())}
			posts[j] = jobs[j].mem
			rest := batch[done+1:]
			e.h.close()
			h, serr := startHelper(e.path)
			if serr != nil {
				e.h = nil
				return serr
			}
			e.h = h
			e.Restarts++
			batch, offs, next = nil, nil, 0x1000
			for _, i := range rest {
				place(i)
			}
		}
		batch, offs, next = batch[:0], offs[:0], 0x1000
		return nil
	}
	for i, rec := range recs {
		if rec == nil {
			continue
		}
		if len(batch) == maxBatch || int(next)+recordSize(rec) > shmSize {
			if err := flush(); err != nil {
				return err
			}
		}
		place(i)
	}
	return flush()
}

func recordSize(rec *record) int { return inSize + outSize + len(rec.pages)*4096 }

// writeRecord lays out rec's input for state s at b.
func writeRecord(b []byte, rec *record, s *arch.State) {
	clear(b[:inSize])
	le := binary.LittleEndian
	le.PutUint32(b[inFlags:], rec.flags)
	le.PutUint32(b[inNPages:], uint32(len(rec.pages)))
	le.PutUint64(b[inSteps:], 1)
	le.PutUint64(b[inPatch:], rec.patch)
	le.PutUint64(b[inRepLimit:], repLimit)
	for i, v := range s.GPR {
		le.PutUint64(b[inGPR+8*i:], v)
	}
	le.PutUint64(b[inRIP:], s.RIP)
	le.PutUint64(b[inRFLAGS:], s.RFLAGS)
	le.PutUint64(b[inFSBase:], s.Seg[arch.FS].Base)
	le.PutUint64(b[inGSBase:], s.Seg[arch.GS].Base)
	putFXSave(b[inFXSave:inFXSave+512], s)
	for i, p := range rec.pages {
		le.PutUint64(b[inPages+8*i:], p)
		copy(b[inSize+outSize+4096*i:], rec.data[i])
	}
}

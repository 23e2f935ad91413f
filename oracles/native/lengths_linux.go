//go:build linux && amd64

package native

import (
	"fmt"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// lengthChunk bounds the queries searched together: their probes go to
// the helper in full batches, and the probes' pages and results stay a few
// tens of megabytes.
const lengthChunk = 4096

// filler is what a probe's page holds before its bytes: INT3s, should a
// branch land there.
var filler = func() (b [4096]byte) {
	for i := range b {
		b[i] = 0xcc
	}
	return b
}()

// Lengths asks silicon the length of each query's instruction, by the
// page-boundary technique (lengths.go): many probes per round trip to the
// helper, a binary search over the byte count for each query (after its
// guess, if any).
func (e *Engine) Lengths(qs []LengthQuery) ([]LengthResult, error) {
	out := make([]LengthResult, len(qs))
	var states [decoder.MaxLen + 1]arch.State
	for k := range states {
		states[k] = arch.Flat64()
		states[k].RIP = probeEnd - uint64(k)
	}
	var slab []byte
	for lo := 0; lo < len(qs); lo += lengthChunk {
		hi := min(lo+lengthChunk, len(qs))
		if err := e.lengths(qs[lo:hi], out[lo:hi], &states, &slab); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lengths runs the searches for one chunk of queries, a round at a time.
func (e *Engine) lengths(qs []LengthQuery, out []LengthResult, states *[decoder.MaxLen + 1]arch.State, slab *[]byte) error {
	ss := make([]lengthSearch, len(qs))
	for i, q := range qs {
		ss[i].n = min(len(q.Code), decoder.MaxLen)
		switch a, bad := windowAddress(q.Code[:ss[i].n]); {
		case ss[i].n == 0:
			ss[i].done, out[i].Detail = true, "no bytes to probe"
		case bad:
			ss[i].done = true
			out[i].Result = *declined(&states[0], "the bytes hold an address in the helper's window (%#x)", a)
			out[i].Detail = out[i].Result.Detail
		}
	}
	type probe struct{ q, k int }
	for {
		var ps []probe
		for i := range qs {
			for _, k := range ss[i].next(&qs[i], &out[i]) {
				ps = append(ps, probe{i, k})
			}
		}
		if len(ps) == 0 {
			return nil
		}
		if need := 4096 * len(ps); len(*slab) < need {
			*slab = make([]byte, need)
		}
		jobs := make([]job, len(ps))
		for x, p := range ps {
			page := (*slab)[4096*x : 4096*(x+1)]
			copy(page, filler[:])
			copy(page[4096-p.k:], qs[p.q].Code[:p.k])
			jobs[x] = job{&states[p.k], []engine.Region{{Addr: ProbePage, Data: page}}, 1}
		}
		results, err := e.runProbes(jobs)
		if err != nil {
			return err
		}
		for x, p := range ps {
			ss[p.q].record(p.k, &results[x], &out[p.q])
		}
	}
}

// runProbes is exec for length probes: planned as probes, and without the
// memory after the run (nobody reads it, and copying it back is most of a
// probe's cost on the Go side).
func (e *Engine) runProbes(jobs []job) ([]engine.Result, error) {
	results := make([]engine.Result, len(jobs))
	posts := make([][]engine.Region, len(jobs))
	recs := make([]*record, len(jobs))
	for i, j := range jobs {
		rec, res := e.planFor(j, true)
		if res != nil {
			results[i] = *res
			continue
		}
		recs[i] = &rec
		jobs[i].mem = nil // decodeResult copies back only the regions a job names
	}
	if err := e.send(jobs, recs, results, posts); err != nil {
		return nil, fmt.Errorf("native: length probes: %w", err)
	}
	return results, nil
}

package native

import (
	"encoding/binary"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
)

// The host CPU as a decode-length oracle, by the page-boundary technique:
// a probe places the first k bytes of an instruction so that they end
// exactly at the end of the case's only mapped page. If the processor needs
// more than k bytes to decode the instruction it faults fetching the next
// page (#PF, an instruction fetch at the page's end, RIP still at the
// instruction), and whatever else it does means k bytes were enough. The
// length is the k where the answer turns: k bytes fit and k-1 do not.
//
// What the instruction does once decoded does not matter, so every probe
// runs single-stepped (a branch, a loop to itself or a REP string
// instruction ends after one step), the semantic declines of the plan
// (CPUID, RDTSC, features the model lacks, ...) do not apply, and a fault,
// a trapped system call or a host kernel's emulation after the fetch all
// count as "fit". Only a fetch fault at the page's end with RIP at the
// start says "needs more": the #PF error code's I/D bit tells it from a
// data access there (mov eax, [rip+0] reads the next page too), and Linux
// and KVM, when they emulate an instruction silicon faulted on, report the
// original fault (or #UD) when their own fetch fails, and move RIP when it
// succeeds. Past 15 bytes silicon raises #GP without fetching more, so an
// over-long instruction is 15 bytes with #GP.

// ProbePage is the page a length probe's bytes end on; the page after it
// is never mapped.
const ProbePage = 0x3000_0000_0000

const probeEnd = ProbePage + 4096

// pfFetch is the #PF error code's I/D bit: the access was an instruction
// fetch.
const pfFetch = 1 << 4

// LengthQuery is one instruction whose length Lengths asks silicon.
type LengthQuery struct {
	// Code is the instruction and possibly what follows it; probes place
	// prefixes of its first 15 bytes (the architectural limit).
	Code []byte
	// Guess is a length to check first, such as a decoder's (1-15; 0 for
	// none). When silicon agrees, the answer takes two probes.
	Guess int
}

// LengthResult is silicon's answer for one query.
type LengthResult struct {
	// Len is the length silicon decoded: with Code[:Len] at the page's end
	// it fetched nothing more, with Code[:Len-1] it faulted fetching the
	// next page. 0 when More or when it could not be told (Detail says
	// why).
	Len int
	// More: silicon fetched past every byte the query gave (fewer than 15),
	// as for a prefix with nothing after it.
	More bool
	// Result is what silicon did with Code[:Len] ending at the page's end,
	// the instruction starting at Start: completed (single-stepped, so for
	// anything but a branch RIP is Start+Len), an exception, or a trapped
	// system call (unsupported, with its number).
	Result engine.Result
	Start  uint64
	Probes int    // how many cases the answer took
	Detail string // why Len is 0 when not More
}

// fetchFault reports whether silicon faulted fetching past bytes that
// ended at the probe page's end, with the instruction at start.
func fetchFault(r *engine.Result, start uint64) bool {
	return r.Raised(arch.VecPF) && r.State.CR2 == probeEnd && r.State.RIP == start &&
		r.HasErrorCode && r.ErrorCode&pfFetch != 0
}

// windowAddress reports whether any 8 consecutive bytes of code, read as an
// address, lie in the helper's window. With every register zero a probe's
// memory operands reach only the first and last 2 GiB and the code page's
// ±2 GiB, except a 64-bit absolute moffs (MOV A0-A3): a store there could
// overwrite the helper, and which decoder's reading of the bytes is
// silicon's is what the probe is asking, so any such bytes decline.
func windowAddress(code []byte) (uint64, bool) {
	for i := 0; i+8 <= len(code); i++ {
		if a := binary.LittleEndian.Uint64(code[i:]); inWindow(a) {
			return a, true
		}
	}
	return 0, false
}

// lengthSearch is one query's progress: silicon's length lies in
// (faults, fits].
type lengthSearch struct {
	n      int // the bytes a probe may place: min(len(Code), 15)
	faults int // the most bytes known to fault (0 faults trivially)
	fits   int // the fewest bytes known to fit; 0 while none is known
	probed [decoder.MaxLen + 1]bool
	done   bool
}

// next is the byte counts to probe in the search's next round (none when
// it is over, with the answer in r).
func (s *lengthSearch) next(q *LengthQuery, r *LengthResult) []int {
	switch {
	case s.done:
		return nil
	case s.faults >= s.fits && s.fits != 0:
		s.done, r.Len, r.Detail = true, 0, "silicon's answers are not monotonic: more bytes faulted where fewer fit"
		return nil
	case s.fits == s.faults+1:
		s.done, r.Len = true, s.fits
		return nil
	case r.Probes == 0 && q.Guess >= 1 && q.Guess <= s.n:
		if q.Guess == 1 {
			return []int{1}
		}
		return []int{q.Guess, q.Guess - 1}
	case s.fits == 0 && s.probed[s.n]:
		s.done = true
		if s.n < decoder.MaxLen {
			r.More, r.Detail = true, "silicon fetched past every byte given"
		} else {
			r.Detail = "silicon fetched past 15 bytes"
		}
		return nil
	case s.fits == 0:
		return []int{s.n}
	}
	return []int{(s.faults + s.fits) / 2}
}

// record notes what silicon did with k bytes.
func (s *lengthSearch) record(k int, res *engine.Result, r *LengthResult) {
	s.probed[k] = true
	r.Probes++
	switch {
	case res.Outcome == engine.Failed || res.Outcome == engine.Unsupported && !isSyscall(res):
		// The helper ended on it, or the plan declined it for safety.
		s.done, r.Len, r.Result, r.Detail = true, 0, *res, res.Detail
	case fetchFault(res, probeEnd-uint64(k)):
		s.faults = max(s.faults, k)
	case s.fits == 0 || k < s.fits:
		s.fits, r.Result, r.Start = k, *res, probeEnd-uint64(k)
	}
}

// isSyscall reports whether res is a system call the helper trapped (see
// decodeResult): the instruction was decoded and ran, so its bytes fit.
func isSyscall(res *engine.Result) bool {
	return res.Outcome == engine.Unsupported && strings.HasPrefix(res.Detail, "native: the instruction makes a system call")
}

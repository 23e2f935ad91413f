package engine

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/twinstep/twinstep/arch"
)

// Mask says what a comparison may ignore: the flags the SDM leaves undefined
// for this instruction form and state, and whether its result is undefined.
type Mask struct {
	Flags uint64
	// Result names state fields whose value the SDM leaves undefined (the
	// destination of BSF with a zero source, say), by arch field name.
	Result []string
	// Memory: the bytes written are undefined (a destination in memory).
	Memory bool
}

// Difference is one disagreement between two results.
type Difference struct {
	What string // a field name, "outcome" or "memory"
	A, B string
}

func (d Difference) String() string { return fmt.Sprintf("%s: %s vs %s", d.What, d.A, d.B) }

// compared are the state fields a comparison checks: what user-level
// instructions can change and what every engine reports.
var compared = func() map[string]bool {
	m := map[string]bool{"rip": true, "rflags": true, "mxcsr": true, "fs.base": true, "gs.base": true}
	for _, n := range arch.RegNames64 {
		m[n] = true
	}
	for i := range 16 {
		m[fmt.Sprintf("xmm%d", i)] = true
	}
	// The x87 state MMX instructions change (FOP, FIP and FDP only x87
	// instructions do, and AMD's FXSAVE leaves them out without a pending
	// exception).
	for _, n := range []string{"fcw", "fsw", "ftw"} {
		m[n] = true
	}
	for i := range 8 {
		m[fmt.Sprintf("st%d", i)] = true
	}
	return m
}()

// Compared reports whether comparisons check state field name.
func Compared(name string) bool { return compared[name] }

// Compare reports every difference between two results at once: the
// outcome, the compared registers, RFLAGS outside mask.Flags, and memory.
func Compare(a, b *Result, mask Mask) []Difference {
	var out []Difference
	if a.Outcome != b.Outcome || a.Outcome == Exception && a.Vector != b.Vector ||
		a.Outcome == Exception && a.HasErrorCode && b.HasErrorCode && a.ErrorCode != b.ErrorCode {
		out = append(out, Difference{"outcome", a.OutcomeString(), b.OutcomeString()})
	}
	sa, sb := a.State, b.State
	sa.RFLAGS &^= mask.Flags
	sb.RFLAGS &^= mask.Flags
	if sa == sb && len(mask.Result) == 0 {
		// The common case in a lockstep replay, found without a field walk.
		if !mask.Memory && !SameWrites(a.Writes, b.Writes) {
			out = append(out, Difference{"memory", FormatWrites(a.Writes), FormatWrites(b.Writes)})
		}
		return out
	}
	skip := map[string]bool{}
	for _, r := range mask.Result {
		skip[r] = true
	}
	for _, d := range arch.Diff(&sa, &sb) {
		if compared[d.Name] && !skip[d.Name] {
			out = append(out, Difference{d.Name, d.A, d.B})
		}
	}
	if !mask.Memory {
		if !SameWrites(a.Writes, b.Writes) {
			out = append(out, Difference{"memory", FormatWrites(a.Writes), FormatWrites(b.Writes)})
		}
	}
	return out
}

// FormatWrites prints writes as "addr:oldhex->newhex" runs ("addr:newhex"
// where the old bytes are not known), the first eight
// runs and 32 bytes of each: enough to read, short enough for a terminal.
func FormatWrites(ws []Write) string {
	if len(ws) == 0 {
		return "none"
	}
	const maxRuns, maxBytes = 8, 32
	var b strings.Builder
	for i, w := range ws {
		if i == maxRuns {
			fmt.Fprintf(&b, " (+%d more runs)", len(ws)-maxRuns)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		n := min(len(w.New), maxBytes)
		if len(w.Old) >= n {
			fmt.Fprintf(&b, "%#x:%x->%x", w.Addr, w.Old[:n], w.New[:n])
		} else {
			fmt.Fprintf(&b, "%#x:%x", w.Addr, w.New[:n]) // a recording keeps only what was written
		}
		if n < len(w.New) {
			fmt.Fprintf(&b, "...(%d bytes)", len(w.New))
		}
	}
	return b.String()
}

// SameWrites reports whether two write lists change memory identically.
func SameWrites(a, b []Write) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Addr != b[i].Addr || !bytes.Equal(a[i].New, b[i].New) {
			return false
		}
	}
	return true
}

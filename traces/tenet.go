package traces

import (
	"bufio"
	"fmt"
	"io"

	"github.com/twinstep/twinstep/arch"
)

// tenetRegs are the registers a Tenet x86-64 trace names, in its spelling.
var tenetRegs = append(append([]string(nil), arch.RegNames64[:]...), "rip")

func tenetReg(st *arch.State, i int) uint64 {
	if i < 16 {
		return st.GPR[i]
	}
	return st.RIP
}

// ExportTenet writes the trace in the text format of the Tenet trace
// explorer: a line per instruction, the registers that changed since the
// line before (every register on the first line; rip on each), then the
// instruction's memory reads and writes as mr=ADDR:HEX and mw=ADDR:HEX.
// Interrupt deliveries have no line of their own: their changes show on
// the next instruction's. It returns the number of lines written, and an
// error if the trace is not whole (see Trace.Whole).
func (t *Trace) ExportTenet(w io.Writer) (uint64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var last arch.State
	var n uint64
	err := t.Walk(0, func(s *Step) bool {
		if !s.IsInstruction() {
			return true
		}
		sep := ""
		for r := range tenetRegs {
			if v := tenetReg(&s.Pre, r); n == 0 || v != tenetReg(&last, r) || r == 16 {
				fmt.Fprintf(bw, "%s%s=%#x", sep, tenetRegs[r], v)
				sep = ","
			}
		}
		for _, a := range s.Reads {
			if !a.Port {
				fmt.Fprintf(bw, ",mr=%#x:%x", a.Addr, a.Data)
			}
		}
		for _, a := range s.Writes {
			fmt.Fprintf(bw, ",mw=%#x:%x", a.Addr, a.Data)
		}
		bw.WriteByte('\n')
		last = s.Pre
		n++
		return true
	})
	// What was exported is written even when the trace is not whole (the
	// error says so): the caller decides whether to keep it.
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return n, err
}

package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twinstep/twinstep/lockstep"
)

// WriteSummary writes a lockstep report for a terminal: the run, the verdict,
// the instructions in each class, how many each oracle checked, what
// silicon did with the ring-3 instructions, and the missing, divergence and
// unable groups as tables. The HTML report (WriteHTML) shows the same figures, from
// the same helpers, with the first occurrences in full.
func WriteSummary(w io.Writer, r *lockstep.Report) error {
	// Errors are collected once at the end: a terminal that stops taking
	// output mid-summary fails every later write the same way.
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "trace    %s\nkernel   %s\ncmdline  %s\n", r.Trace, r.Kernel, r.Cmdline)
	fmt.Fprintf(ew, "replayed %s instructions and %s events in %s (%s instr/s, %d workers)\n",
		count(r.Instructions), count(r.Events), elapsed(r.Elapsed), rate(r), r.Workers)
	if r.Damage != "" {
		fmt.Fprintf(ew, "damaged  %s\n", r.Damage)
	}
	fmt.Fprintf(ew, "verdict  %s\n\n", verdict(r))

	counts := NewTable("class", "instructions", "share")
	for _, c := range classes(r) {
		counts.Add(c.Name, count(c.Count), c.Share)
	}
	ew.table(counts)

	checked := NewTable("checked by", "instructions", "share")
	for _, c := range checkedBy(r) {
		checked.Add(c.Name, count(c.Count), c.Share)
	}
	ew.table(checked)

	fmt.Fprintf(ew, "silicon  %s\n", siliconLine(r))
	if r.Silicon.Host != "" {
		t := NewTable("ring 3", "instructions", "share")
		for _, c := range siliconRows(r) {
			t.Add(c.Name, count(c.Count), c.Share)
		}
		ew.table(t)
	} else {
		fmt.Fprintln(ew)
	}

	if len(r.Missing) == 0 {
		fmt.Fprintln(ew, "no missing instructions")
	} else {
		t := NewTable("mnemonic", "count", "first location")
		for _, g := range r.Missing {
			t.Add(g.Key, count(g.Count), firstLocation(g))
		}
		ew.table(t)
	}

	if len(r.Divergences) == 0 {
		fmt.Fprintln(ew, "no divergences")
	} else {
		t := NewTable("form", "who", "fields", "count", "first location")
		for _, g := range r.Divergences {
			t.Add(formOf(g), g.Who, strings.Join(g.Fields, ", "), count(g.Count), firstLocation(g))
		}
		ew.table(t)
	}

	if len(r.Unable) == 0 {
		fmt.Fprintln(ew, "nothing the oracle could not run")
	} else {
		t := NewTable("reason", "count")
		for _, g := range r.Unable {
			t.Add(g.Key, count(g.Count))
		}
		ew.table(t)
	}

	switch {
	case r.Silicon.Host == "":
	case len(r.SiliconUnable) == 0:
		fmt.Fprintln(ew, "nothing in the sample silicon could not run")
	default:
		t := NewTable("silicon could not run it", "count")
		for _, g := range r.SiliconUnable {
			t.Add(g.Key, count(g.Count))
		}
		ew.table(t)
	}
	return ew.err
}

// errWriter keeps the first write error and drops every later write.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// table renders t followed by a blank line, so the tables stand apart.
func (e *errWriter) table(t *Table) {
	if e.err != nil {
		return
	}
	if err := t.Render(e); err != nil && e.err == nil {
		e.err = err
	}
	fmt.Fprintln(e)
}

// class is one row of the counts table.
type class struct {
	Name  string
	Count uint64
	Share string // of all classified instructions, "12.5%"
}

// checkedBy is how many instructions each oracle checked, with the share of
// all instructions replayed.
func checkedBy(r *lockstep.Report) []class {
	out := []class{
		{Name: "recording", Count: r.Checked.Recording},
		{Name: "unicorn", Count: r.Checked.Unicorn},
		{Name: "silicon", Count: r.Checked.Silicon},
	}
	for i := range out {
		out[i].Share = share(out[i].Count, r.Instructions)
	}
	return out
}

// siliconRows are what silicon did with the ring-3 instructions, each with
// its share of them: the last row, those compared, is the share the
// sample covered.
func siliconRows(r *lockstep.Report) []class {
	s := r.Silicon
	out := []class{
		{Name: "replayed", Count: s.Ring3},
		{Name: "in the sample", Count: s.Sampled},
		{Name: "agreed", Count: s.Agreed},
		{Name: "disagreed", Count: s.Disagreed},
		{Name: "silicon unable", Count: s.Unable},
		{Name: "compared with silicon", Count: s.Compared()},
	}
	for i := range out {
		out[i].Share = share(out[i].Count, s.Ring3)
	}
	return out
}

// siliconLine says whether silicon took part, on what, and how it chose
// its sample.
func siliconLine(r *lockstep.Report) string {
	s := r.Silicon
	switch {
	case s.Host == "" && s.Off == "":
		return "not used"
	case s.Host == "":
		return "not used: " + s.Off
	}
	if s.Every == 1 {
		return s.Host + "; every ring-3 instruction"
	}
	by := "none by form"
	if s.First > 0 {
		by = fmt.Sprintf("the first %d of each form in each chunk", s.First)
	}
	return fmt.Sprintf("%s; ring-3 sample: %s and every %s instruction", s.Host, by, ordinal(s.Every))
}

// ordinal is "64th", "2nd", "3rd", "11th".
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// share is n of total as a percentage, "<0.1%" for few but not none, "-"
// of nothing.
func share(n, total uint64) string {
	p := 100 * float64(n) / float64(total)
	switch {
	case total == 0:
		return "-"
	case n > 0 && p < 0.05:
		// Forty divergences in twelve million are few, not none.
		return "<0.1%"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// classes are the report's counts in a fixed order. Shares are of the sum of
// the classes rather than of Instructions, so they add up to 100% even when
// a damaged trace stopped the replay part of the way through an instruction.
func classes(r *lockstep.Report) []class {
	c := r.Counts
	out := []class{
		{Name: "match", Count: c.Match},
		{Name: "divergent", Count: c.Divergent},
		{Name: "missing", Count: c.Missing},
		{Name: "oracle unable", Count: c.OracleUnable},
		{Name: "known oracle mistake", Count: c.Mistake},
	}
	total := c.Match + c.Divergent + c.Missing + c.OracleUnable + c.Mistake
	for i := range out {
		out[i].Share = share(out[i].Count, total)
	}
	return out
}

// verdict is the one line that says whether a person must look at the run.
func verdict(r *lockstep.Report) string {
	v := "no unexplained divergence or missing instruction"
	if r.Unexplained() {
		n := r.Counts.Divergent + r.Counts.Missing + r.Silicon.Disagreed
		v = fmt.Sprintf("%s unexplained (%s divergent, %s missing", count(n), count(r.Counts.Divergent), count(r.Counts.Missing))
		if r.Silicon.Disagreed > 0 {
			v += fmt.Sprintf(", %s disagreeing with silicon", count(r.Silicon.Disagreed))
		}
		v += ")"
	}
	if r.Damage != "" { // what was replayed is not the run: no verdict on it
		return "none: the trace is not whole; in what was replayed, " + v
	}
	return v
}

// firstLocation is where a group first occurred, as both reports print it:
// "ucrtbase!wcslen+0x12 (0x7ffb1c2d0012) #4096", the symbol first because
// that is what a person recognises, the instruction number last.
func firstLocation(g lockstep.Group) string {
	sym := g.First.Symbol
	if sym == "" {
		sym = g.Location
	}
	if sym == "" {
		return fmt.Sprintf("0x%x #%d", g.First.RIP, g.First.Index)
	}
	return fmt.Sprintf("%s (0x%x) #%d", sym, g.First.RIP, g.First.Index)
}

// formOf names a divergence group by its instruction form, or by its key
// when the divergence has no single form (a fault on decode, say).
func formOf(g lockstep.Group) string {
	if g.Form != "" {
		return g.Form
	}
	return g.Key
}

// count prints n with thousands separators: instruction counts run to
// billions and "1,234,567,890" is read at a glance where "1234567890" is not.
func count(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

func elapsed(d time.Duration) string { return d.Round(time.Millisecond).String() }

func rate(r *lockstep.Report) string { return count(uint64(r.Rate())) }

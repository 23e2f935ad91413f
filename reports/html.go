package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/twinstep/twinstep/lockstep"
)

//go:embed lockstep.html.tmpl
var lockstepSource string

//go:embed style.html.tmpl
var styleSource string

var lockstepPage = template.Must(template.Must(template.New("lockstep").Funcs(template.FuncMap{
	"count":    count,
	"location": firstLocation,
	"form":     formOf,
	"join":     strings.Join,
	"hex":      func(b []byte) string { return fmt.Sprintf("% x", b) },
	"addr":     func(a uint64) string { return fmt.Sprintf("0x%x", a) },
	"elapsed":  elapsed,
	"rate":     rate,
}).Parse(styleSource)).Parse(lockstepSource))

// WriteHTML writes a lockstep report as one self-contained HTML page: styles
// inline, no scripts, nothing fetched, so it opens offline and can be kept
// as a build artifact. The page is rendered in full before anything is
// written, so a failure leaves no half page behind.
func WriteHTML(w io.Writer, r *lockstep.Report) error {
	var buf bytes.Buffer
	if err := lockstepPage.Execute(&buf, newPage(r)); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// page is what the template reads: the report itself and what is computed
// from it in Go rather than in template logic. Its own fields are named
// apart from the report's so none hides one.
type page struct {
	*lockstep.Report
	Verdict          string
	Classes          []class
	CheckedBy        []class
	SiliconLine      string
	SiliconRows      []class // empty when silicon took no part
	DivergenceBlocks []divergence
	Chart            timeline
}

func newPage(r *lockstep.Report) page {
	p := page{
		Report:      r,
		Verdict:     verdict(r),
		Classes:     classes(r),
		CheckedBy:   checkedBy(r),
		SiliconLine: siliconLine(r),
		Chart:       newTimeline(r.Timeline),
	}
	if r.Silicon.Host != "" {
		p.SiliconRows = siliconRows(r)
	}
	for _, g := range r.Divergences {
		p.DivergenceBlocks = append(p.DivergenceBlocks, divergence{Group: g, States: stateRows(g.First.States)})
	}
	return p
}

// divergence is a divergence group with its state table ready to highlight.
type divergence struct {
	lockstep.Group
	States []stateRow
}

// stateRow is a lockstep.StateRow whose after-values (recorded, emulator,
// Unicorn, silicon) say which of them stands apart, so the page can mark
// that cell rather than only the row.
type stateRow struct {
	Field   string
	Pre     string
	After   []cell
	Differs bool
}

type cell struct {
	Text string
	Odd  bool
}

func stateRows(rows []lockstep.StateRow) []stateRow {
	out := make([]stateRow, len(rows))
	for i, r := range rows {
		after := []string{r.Recorded, r.Emulator, r.Oracle, r.Native}
		s := stateRow{Field: r.Field, Pre: r.Pre, Differs: r.Differs}
		for j, v := range after {
			s.After = append(s.After, cell{Text: v, Odd: r.Differs && standsApart(after, j)})
		}
		out[i] = s
	}
	return out
}

// standsApart says whether vals[i] differs from every other value present.
// An empty value is one that was not observed (the oracle could not run the
// instruction), which neither agrees nor disagrees.
func standsApart(vals []string, i int) bool {
	if vals[i] == "" {
		return false
	}
	others := 0
	for j, v := range vals {
		if j == i || v == "" {
			continue
		}
		if v == vals[i] {
			return false
		}
		others++
	}
	return others > 0
}

// The timeline picture's geometry, in SVG user units. Each kind of finding
// has its own lane, scaled to its own peak: on one shared scale, forty
// divergences beside forty thousand unable instructions would be invisible,
// and the divergences are what a person looks for.
const (
	timelineWidth = 960
	plotLeft      = 150 // room for the legend: a swatch, the kind and its peak
	plotRight     = timelineWidth - 24
	plotTop       = 10
	laneHeight    = 56
	laneGap       = 14
	axisRoom      = 44 // below the lanes: the instruction numbers and the axis title
	// minBarHeight keeps a bucket with one finding visible beside one with
	// thousands.
	minBarHeight = 2
)

// timeline is the SVG picture of where in the run things were found. Every
// coordinate is computed here; the template only places the numbers, and
// escapes the text.
type timeline struct {
	Width, Height       int
	PlotLeft, PlotRight float64
	PlotTop, PlotBottom float64
	Lanes               []lane
	Ticks               []tick
}

// lane is one kind of finding across the run.
type lane struct {
	Kind        string // divergent, missing or unable: the CSS class picks the colour
	Name        string
	Top, Bottom float64
	Peak        string // the largest count in one bucket, the lane's full height
	Bars        []bar
}

type bar struct {
	Kind       string
	X, Y, W, H float64
	Title      string // the tooltip
}

type tick struct {
	X     float64
	Label string
}

// Empty says whether there is nothing to draw: no bucket found anything.
func (t timeline) Empty() bool {
	for _, l := range t.Lanes {
		if len(l.Bars) > 0 {
			return false
		}
	}
	return true
}

func newTimeline(buckets []lockstep.Bucket) timeline {
	kinds := []struct {
		kind, name string
		n          func(lockstep.Bucket) uint64
	}{
		{"divergent", "divergent", func(b lockstep.Bucket) uint64 { return b.Divergent }},
		{"missing", "missing", func(b lockstep.Bucket) uint64 { return b.Missing }},
		{"unable", "oracle unable", func(b lockstep.Bucket) uint64 { return b.Unable }},
	}
	bottom := float64(plotTop + len(kinds)*laneHeight + (len(kinds)-1)*laneGap)
	t := timeline{
		Width: timelineWidth, Height: int(bottom) + axisRoom,
		PlotLeft: plotLeft, PlotRight: plotRight, PlotTop: plotTop, PlotBottom: bottom,
	}
	if len(buckets) == 0 {
		return t
	}
	lo, hi := buckets[0].Start, buckets[0].End
	for _, b := range buckets {
		lo, hi = min(lo, b.Start), max(hi, b.End)
	}
	span := float64(max(hi-lo, 1))
	x := func(n uint64) float64 { return plotLeft + (plotRight-plotLeft)*float64(n-lo)/span }
	for i, k := range kinds {
		l := lane{Kind: k.kind, Name: k.name, Top: float64(plotTop + i*(laneHeight+laneGap))}
		l.Bottom = l.Top + laneHeight
		var peak uint64
		for _, b := range buckets {
			peak = max(peak, k.n(b))
		}
		l.Peak = count(peak)
		for _, b := range buckets {
			n := k.n(b)
			if n == 0 {
				continue
			}
			h := max(laneHeight*float64(n)/float64(peak), minBarHeight)
			x0 := x(b.Start)
			l.Bars = append(l.Bars, bar{
				Kind: k.kind,
				X:    round(x0), Y: round(l.Bottom - h),
				W: round(max(x(b.End)-x0-1, 1)), H: round(h), // a unit apart, so buckets read as bars
				Title: fmt.Sprintf("%s %s in instructions %s to %s", count(n), k.name, count(b.Start), count(b.End)),
			})
		}
		t.Lanes = append(t.Lanes, l)
	}
	step := tickStep(hi-lo, 6)
	for n := (lo + step - 1) / step * step; n <= hi; n += step {
		t.Ticks = append(t.Ticks, tick{X: round(x(n)), Label: count(n)})
	}
	return t
}

// tickStep is the smallest of 1, 2 or 5 times a power of ten that divides
// span into at most n steps: axis labels a person reads without arithmetic.
func tickStep(span uint64, n uint64) uint64 {
	raw := max((span+n-1)/n, 1)
	p := uint64(1)
	for p <= raw/10 {
		p *= 10
	}
	for _, m := range []uint64{1, 2, 5} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// round keeps coordinates to a tenth of a unit: finer is invisible and only
// makes the page larger.
func round(v float64) float64 { return math.Round(v*10) / 10 }

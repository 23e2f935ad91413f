package lockstep

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/traces"
)

// NativeMode says whether a replay uses the host CPU as a third oracle.
type NativeMode uint8

// Native modes.
const (
	NativeAuto NativeMode = iota // where this host can run it; the report says why not
	NativeOff                    // never
	NativeOn                     // required: the replay fails where the host cannot
)

// The default sample of ring-3 instructions silicon checks (see
// Options.NativeFirst and NativeEvery). The host CPU answers some tens of
// thousands of cases a second where the replay runs hundreds of thousands
// of instructions: checking every ring-3 instruction of the cmd.exe
// boot (6.7 million of 55.6) took its replay from about 700,000
// instructions a second to about 110,000; this sample (about 1% of them)
// costs a few percent. The first of each form in every chunk reach every
// form the trace runs, in every stretch of it; every Nth is an even sample
// of the common ones besides.
const (
	DefaultNativeFirst = 4
	DefaultNativeEvery = 256
)

// nativeBatch is how many cases go to the helper in one round trip: a few
// hundred make the trip's cost small beside the cases'.
const nativeBatch = 256

// whoSilicon is who stands apart in a disagreement with silicon: the
// emulator, judged by the host CPU.
const whoSilicon = "emulator vs silicon"

// classSiliconUnable groups the sample's instructions silicon could not
// run. It is no class of Counts, which are the recording's and Unicorn's
// verdicts on every instruction; it only keeps these groups apart.
const classSiliconUnable Class = 100

// startSilicon starts one native engine per worker as opt asks, and says
// what the report shows of it. Where the host cannot run the engine, an
// automatic replay goes on without silicon and says why; one that asked
// for it fails.
func startSilicon(opt Options, workers int) ([]*native.Engine, Silicon, error) {
	sil := Silicon{First: cmp.Or(opt.NativeFirst, DefaultNativeFirst), Every: cmp.Or(opt.NativeEvery, DefaultNativeEvery)}
	sil.First = max(sil.First, 0)
	nats := make([]*native.Engine, workers)
	if sil.Every < 1 {
		return nil, sil, fmt.Errorf("lockstep: NativeEvery %d: want 1 or more", opt.NativeEvery)
	}
	if opt.Native == NativeOff {
		sil.Off = "turned off"
		return nats, sil, nil
	}
	for k := range nats {
		e, err := native.NewFound()
		if err != nil {
			for _, n := range nats[:k] {
				n.Close()
			}
			if opt.Native == NativeOn {
				return nil, sil, fmt.Errorf("lockstep: silicon: %w", err)
			}
			sil.Off = err.Error()
			return make([]*native.Engine, workers), sil, nil
		}
		nats[k] = e
	}
	sil.Host = nats[0].Host().String()
	return nats, sil, nil
}

func (s *Silicon) add(o Silicon) {
	s.Ring3 += o.Ring3
	s.Sampled += o.Sampled
	s.Agreed += o.Agreed
	s.Disagreed += o.Disagreed
	s.Unable += o.Unable
}

// siliconWorker is a worker's native engine and the cases it has
// collected for the next round trip.
type siliconWorker struct {
	nat   *native.Engine
	first int
	every uint64
	// How many instructions of each form the chunk has handed to silicon:
	// by decoder form ID, and for undecodable bytes by their form entry.
	byID  []int32
	other map[*Form]int
	cases []engine.Case
	pend  []siliconCase // cases[i]'s instruction
	arena []byte        // the cases' pages
	pages []uint64
}

// siliconCase is what the comparison of one case needs once silicon has
// answered: the instruction's place in the chunk, and the other engines'
// results (copies: the worker reuses its own).
type siliconCase struct {
	pos            int
	form           *Form
	mask           engine.Mask
	rec, emu       engine.Result
	orc            *engine.Result // nil where Unicorn could not run it
	emuOutsidePage bool           // the emulator wrote outside the pages silicon has
}

// handed is how many instructions of the form (its decoder ID, or -1 and
// its entry) the chunk has handed to silicon.
func (sw *siliconWorker) handed(formID int, f *Form) int {
	if formID >= 0 {
		return int(sw.byID[formID])
	}
	return sw.other[f]
}

func newSiliconWorker(nat *native.Engine, sil Silicon) *siliconWorker {
	return &siliconWorker{nat: nat, first: sil.First, every: uint64(sil.Every), byID: make([]int32, len(decoder.Forms)),
		other: map[*Form]int{}}
}

func (sw *siliconWorker) startChunk() {
	clear(sw.byID)
	clear(sw.other)
	clear(sw.cases) // they hold the last chunk's pages
	sw.cases, sw.pend, sw.arena = sw.cases[:0], sw.pend[:0], sw.arena[:0]
}

// chosen says whether s is in the sample, and counts it if so: at ring 3,
// and among the first of its form in the chunk or a multiple of the
// stride.
func (sw *siliconWorker) chosen(s *traces.Step, formID int, f *Form, p *partial) bool {
	if s.Pre.CPL != 3 {
		return false
	}
	take := s.Index%sw.every == 0 || sw.handed(formID, f) < sw.first
	if take {
		p.silicon.Sampled++
	}
	return take
}

// siliconReason says why the trace keeps silicon from judging step s ("" if
// nothing does): state a case of the instruction's own pages cannot carry.
func siliconReason(s *traces.Step) string {
	switch {
	case len(s.Code) == 0:
		return "the fetch itself faulted"
	case s.Kind == traces.Raised && s.Vector == arch.VecPF:
		return "a page fault from the guest's page tables: silicon has only the pages the instruction touched"
	case s.Kind == traces.Raised && s.Vector == arch.VecDB:
		return "a debug trap from the guest's debug registers"
	}
	for _, r := range s.Reads {
		if r.Port {
			return reasonPorts
		}
	}
	return ""
}

// siliconUnable counts the instruction at w.hist[pos] as one silicon could
// not run, grouped by key; detail is the first one's full reason where the
// key shortens it.
func (w *worker) siliconUnable(p *partial, pos int, key, detail string) {
	p.silicon.Unable++
	w.group(p, classSiliconUnable, key, pos, func(g *Group) {
		if detail != key {
			g.Detail = detail
		}
	}, nil)
}

// siliconAdd builds the case of step s for silicon (its pre-state; a page
// with its code, pages with the bytes it read, room where it wrote, zero
// elsewhere) and keeps what the comparison needs; a full batch goes to the
// helper at once.
func (w *worker) siliconAdd(p *partial, s *traces.Step, pos, formID int, f *Form, mask engine.Mask,
	rec, emu, orc *engine.Result) error {
	sw := w.sil
	if emu.Outcome == engine.Unimplemented {
		w.siliconUnable(p, pos, "the emulator's replay cannot run it outside the machine (a system instruction)", "")
		return nil
	}
	pages := sw.pages[:0]
	addPages := func(a uint64, n int) {
		if n == 0 {
			return
		}
		last := (a + uint64(n) - 1) &^ 4095
		for pg := a &^ 4095; ; pg += 4096 {
			if !slices.Contains(pages, pg) {
				pages = append(pages, pg)
			}
			if pg == last {
				break
			}
		}
	}
	addPages(s.Pre.RIP, len(s.Code))
	for _, r := range s.Reads {
		addPages(r.Addr, len(r.Data))
	}
	for _, wr := range s.Writes {
		addPages(wr.Addr, len(wr.Data))
	}
	slices.Sort(pages)
	sw.pages = pages
	buf := sw.alloc(len(pages) * 4096)
	mem := make([]engine.Region, len(pages))
	for i, pg := range pages {
		mem[i] = engine.Region{Addr: pg, Data: buf[i*4096 : (i+1)*4096 : (i+1)*4096]}
	}
	for _, r := range s.Reads {
		putPages(mem, r.Addr, r.Data)
	}
	putPages(mem, s.Pre.RIP, s.Code)

	c := siliconCase{pos: pos, form: f, mask: mask, rec: *rec, emu: *emu}
	// Silicon's writes are the bytes its run changed in these pages; the
	// emulator's are every byte it stored. Compared alike: the bytes the
	// emulator changed from what silicon started with.
	var ews []engine.Write
	for _, wr := range emu.Writes {
		for i, b := range wr.New {
			a := wr.Addr + uint64(i)
			old, ok := pageByte(mem, a)
			if !ok {
				c.emuOutsidePage = true
			}
			if !ok || old != b {
				ews = append(ews, engine.Write{Addr: a, New: []byte{b}})
			}
		}
	}
	c.emu.Writes = mergeWrites(ews)
	if orc != nil {
		o := *orc
		o.Writes = make([]engine.Write, len(orc.Writes))
		for i, wr := range orc.Writes {
			o.Writes[i] = engine.Write{Addr: wr.Addr, New: append([]byte(nil), wr.New...)}
		}
		c.orc = &o
	}
	sw.cases = append(sw.cases, engine.Case{State: s.Pre, Mem: mem})
	sw.pend = append(sw.pend, c)
	if formID >= 0 {
		sw.byID[formID]++
	} else {
		sw.other[f]++
	}
	if len(sw.cases) == nativeBatch {
		return w.siliconFlush(p)
	}
	return nil
}

// alloc returns n zeroed bytes from the worker's arena, which the cases of
// one batch share.
func (sw *siliconWorker) alloc(n int) []byte {
	if cap(sw.arena)-len(sw.arena) < n {
		// A fresh arena: the cases collected so far keep the old one.
		sw.arena = make([]byte, 0, max(2*cap(sw.arena), n, 1<<20))
	}
	b := sw.arena[len(sw.arena) : len(sw.arena)+n]
	clear(b)
	sw.arena = sw.arena[:len(sw.arena)+n]
	return b
}

// putPages copies data to address a in the case's pages (sorted, each one
// page).
func putPages(mem []engine.Region, a uint64, data []byte) {
	for len(data) > 0 {
		i, ok := slices.BinarySearchFunc(mem, a&^4095, func(r engine.Region, pg uint64) int { return cmp.Compare(r.Addr, pg) })
		n := min(len(data), int(4096-a%4096))
		if ok {
			copy(mem[i].Data[a%4096:], data[:n])
		}
		data, a = data[n:], a+uint64(n)
	}
}

// pageByte is the byte at a in the case's pages, if they hold it.
func pageByte(mem []engine.Region, a uint64) (byte, bool) {
	i, ok := slices.BinarySearchFunc(mem, a&^4095, func(r engine.Region, pg uint64) int { return cmp.Compare(r.Addr, pg) })
	if !ok {
		return 0, false
	}
	return mem[i].Data[a%4096], true
}

// siliconFlush runs the collected cases on the host CPU in one round trip
// and classifies each: agreed, disagreed (a divergence "emulator vs
// silicon"), or silicon unable.
func (w *worker) siliconFlush(p *partial) error {
	sw := w.sil
	if len(sw.cases) == 0 {
		return nil
	}
	rs, err := engine.RunAll(sw.nat, sw.cases, 1)
	if err != nil {
		return fmt.Errorf("silicon: %w", err)
	}
	for i := range rs {
		c, r := &sw.pend[i], &rs[i]
		if r.Outcome == engine.Unsupported || r.Outcome == engine.Failed {
			detail := strings.TrimPrefix(r.Detail, "native: ")
			w.siliconUnable(p, c.pos, reasonKey(detail), detail)
			continue
		}
		r.Writes = mergeWrites(r.Writes)
		p.checked.Silicon++
		c.form.Silicon++
		d := engine.Compare(&c.emu, r, c.mask)
		if len(d) == 0 {
			p.silicon.Agreed++
			continue
		}
		p.silicon.Disagreed++
		fields := names(d)
		key := c.form.Form + "|" + whoSilicon + "|" + strings.Join(fields, ",")
		pre := &sw.cases[i].State
		w.group(p, ClassDivergent, key, c.pos, func(g *Group) {
			g.Form, g.Who, g.Fields = c.form.Form, whoSilicon, fields
			if c.emuOutsidePage {
				g.Detail = "the emulator stored outside the pages the recording gives the instruction"
			}
		}, func(o *Occurrence) {
			o.States = stateTable(pre, &c.rec, &c.emu, c.orc, r)
			o.Diffs = d
		})
	}
	clear(sw.cases)
	clear(sw.pend)
	sw.cases, sw.pend, sw.arena = sw.cases[:0], sw.pend[:0], sw.arena[:0]
	return nil
}

// numbers are the addresses and counts in the native engine's reasons; a
// reason's group is its text without them (the first one keeps them all).
// A number glued to a word ("SSE4.1", "x87") is part of a name and stays.
var numbers = regexp.MustCompile(`(^|[\s(\[])(0x[0-9a-fA-F]+|[0-9]+)\b`)

func reasonKey(detail string) string { return numbers.ReplaceAllString(detail, "${1}N") }

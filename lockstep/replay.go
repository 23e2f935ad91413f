// Package lockstep replays a recorded run instruction by instruction on the
// emulator and on the Unicorn oracle, from the state and memory the
// recording gives each instruction, and classifies every instruction:
// match, divergence, missing in the emulator, oracle unable, or known oracle
// mistake. Where this host can, a sample of the ring-3 instructions also
// runs on the host CPU (oracles/native), which judges the emulator's result
// (see silicon.go). The result is a Report, which package reports renders.
package lockstep

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/oracles/check"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/oracles/unicorn"
	"github.com/twinstep/twinstep/traces"
)

// Options tune a replay.
type Options struct {
	// Workers replay chunks in parallel, each with its own emulator and
	// Unicorn (0: one per CPU).
	Workers int
	// Progress, if set, is called after each chunk (never concurrently).
	Progress func(Progress)
	// Native says whether the host CPU checks ring-3 instructions too; the
	// zero value, NativeAuto, uses it where this host can run it.
	Native NativeMode
	// NativeFirst and NativeEvery choose the ring-3 instructions silicon
	// checks: in each chunk the first NativeFirst of every instruction form,
	// and every instruction whose number is a multiple of NativeEvery. 0
	// means DefaultNativeFirst or DefaultNativeEvery; NativeEvery 1 checks
	// every ring-3 instruction, a negative NativeFirst none by form.
	NativeFirst, NativeEvery int
}

// Progress is how far a replay has got.
type Progress struct {
	Chunks, TotalChunks int
	Instructions        uint64
	Divergent, Missing  uint64 // Divergent includes disagreements with silicon
	Elapsed             time.Duration
}

// Replay replays every readable steps chunk of t; path names the trace in
// the report and its reproducer commands.
func Replay(t *traces.Trace, path string, opt Options) (*Report, error) {
	start := time.Now()
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	workers = max(1, min(workers, t.Chunks()))
	nats, sil, err := startSilicon(opt, workers)
	if err != nil {
		return nil, err
	}
	jobs := make(chan int)
	results := make(chan *partial)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := newWorker(t, path, nats[k], sil)
			for i := range jobs {
				if err != nil {
					results <- &partial{chunk: i, err: err}
					continue
				}
				results <- w.chunk(i)
			}
			if w != nil {
				w.close()
			}
		}()
	}
	go func() {
		for i := range t.Chunks() {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		close(results)
	}()
	parts := make([]*partial, t.Chunks())
	var prog Progress
	prog.TotalChunks = t.Chunks()
	var firstErr error
	for p := range results {
		parts[p.chunk] = p
		if p.err != nil && firstErr == nil {
			firstErr = p.err
		}
		prog.Chunks++
		prog.Instructions += p.instructions
		prog.Divergent += p.counts.Divergent + p.silicon.Disagreed
		prog.Missing += p.counts.Missing
		prog.Elapsed = time.Since(start)
		if opt.Progress != nil {
			opt.Progress(prog)
		}
	}
	rep := merge(t, path, parts)
	rep.Elapsed, rep.Workers = time.Since(start), workers
	rep.Silicon.Host, rep.Silicon.Off, rep.Silicon.First, rep.Silicon.Every = sil.Host, sil.Off, sil.First, sil.Every
	if firstErr != nil {
		return rep, firstErr
	}
	return rep, nil
}

// partial is what one chunk's replay found.
type partial struct {
	chunk        int
	err          error
	first        uint64 // the chunk's first instruction
	instructions uint64
	events       uint64
	counts       Counts
	checked      Checked
	silicon      Silicon           // the counts only
	groups       map[string]*Group // by class and key
	forms        map[string]*Form
	byID         []*Form // forms by decoder form ID: the same entries, found without hashing
	restarts     int
}

// form is the coverage entry of an instruction's form.
func (p *partial) form(in *decoder.Inst, decoded bool, code []byte) *Form {
	if decoded && p.byID[in.Form.ID] != nil {
		return p.byID[in.Form.ID]
	}
	key, mnemonic := formName(in, decoded, code)
	f := p.forms[key]
	if f == nil {
		f = &Form{Form: key, Mnemonic: mnemonic}
		p.forms[key] = f
	}
	if decoded {
		p.byID[in.Form.ID] = f
	}
	return f
}

// worker replays chunks with its own engines.
type worker struct {
	t        *traces.Trace
	path     string
	emu      *emulator.Replayer
	orc      *unicorn.Session
	mistakes []check.Mistake
	// hist is the chunk's instructions so far, in order: the lines around
	// an occurrence, also for one found after more instructions ran (a
	// silicon batch).
	hist []line
	sil  *siliconWorker // nil: no silicon

	in                     decoder.Inst
	emuRes, orcRes, recRes engine.Result

	batch   []traces.Step // the stretch of plain instructions being collected
	run     [unicorn.MaxRun]engine.Result
	written []span
}

type line struct {
	index    uint64
	rip, cr3 uint64
	code     [decoder.MaxLen]byte // a copy: the step's bytes are the decoder's
	n        uint8
}

func lineOf(s *traces.Step) line {
	l := line{index: s.Index, rip: s.Pre.RIP, cr3: s.Pre.CR3}
	l.n = uint8(copy(l.code[:], s.Code))
	return l
}

const (
	linesBefore = 6
	linesAfter  = 3
)

// newWorker makes a worker; it owns nat (nil: no silicon) from now on.
func newWorker(t *traces.Trace, path string, nat *native.Engine, sil Silicon) (*worker, error) {
	orc, err := unicorn.NewSession()
	if err != nil {
		if nat != nil {
			nat.Close()
		}
		return nil, err
	}
	w := &worker{t: t, path: path, emu: emulator.NewReplayer(t.Meta.Disabled), orc: orc, mistakes: unicorn.KnownMistakes}
	if t.Meta.CPU != "" {
		p, err := cpu.ProfileByName(t.Meta.CPU)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("the trace was recorded with %w", err)
		}
		w.emu.SetProfile(p)
	}
	if nat != nil {
		w.sil = newSiliconWorker(nat, sil)
	}
	return w, nil
}

func (w *worker) close() {
	w.orc.Close()
	w.emu.Close()
	if w.sil != nil {
		w.sil.nat.Close()
	}
}

func (w *worker) chunk(i int) *partial {
	p := &partial{chunk: i, groups: map[string]*Group{}, forms: map[string]*Form{}, byID: make([]*Form, len(decoder.Forms))}
	d, err := w.t.Steps(i)
	if err != nil {
		p.err = err
		return p
	}
	p.first = d.First()
	if err := w.supplyCode(d.Again()); err != nil {
		p.err = err
		return p
	}
	w.hist, w.batch = w.hist[:0], w.batch[:0]
	if w.sil != nil {
		w.sil.startChunk()
	}
	restarts := w.orc.Restarts
	err = w.steps(d, p)
	if err == nil {
		err = w.flush(p)
	}
	if err == nil && w.sil != nil {
		err = w.siliconFlush(p)
	}
	if err != nil && p.err == nil {
		p.err = err
	}
	p.restarts = w.orc.Restarts - restarts
	w.linesAfter(p)
	return p
}

// supplyCode gives a fresh Unicorn instance the code of every instruction
// the chunk runs (the first bytes seen at each address) before anything is
// translated: a stretch executes whole translated blocks, which must not
// have been translated from memory not yet supplied. A fresh instance also
// drops the memory of earlier chunks, which a restart would copy again.
func (w *worker) supplyCode(d *traces.StepDecoder) error {
	if err := w.orc.Reset(); err != nil {
		return err
	}
	seen := map[uint64]bool{}
	for {
		s, err := d.Next()
		if err != nil || s == nil {
			return err
		}
		if !s.IsInstruction() || seen[s.Pre.RIP] || unicorn.Reserved(s.Pre.RIP, len(s.Code)) {
			continue
		}
		seen[s.Pre.RIP] = true
		if err := w.orc.Poke(s.Pre.RIP, s.Code); err != nil {
			return err
		}
	}
}

// steps replays a chunk's steps: straight stretches of plain instructions
// go to Unicorn in one run each (see flush), the rest one by one.
func (w *worker) steps(d *traces.StepDecoder, p *partial) error {
	for {
		s, err := d.Next()
		if err != nil || s == nil {
			return err
		}
		if !s.IsInstruction() {
			p.events++
			if err := w.flush(p); err != nil {
				return err
			}
			continue
		}
		p.instructions++
		if w.batchable(s) {
			w.add(s)
			if len(w.batch) == unicorn.MaxRun {
				if err := w.lookahead(d); err != nil {
					return err
				}
				if err := w.flush(p); err != nil {
					return err
				}
			}
			continue
		}
		if len(w.batch) > 0 && !unicorn.Reserved(s.Pre.RIP, len(s.Code)) {
			// The code after the stretch, before Unicorn translates ahead.
			if err := w.orc.Poke(s.Pre.RIP, s.Code); err != nil {
				return err
			}
		}
		if err := w.flush(p); err != nil {
			return err
		}
		if err := w.lookahead(d); err != nil {
			return err
		}
		if _, err := w.instruction(s, p, nil); err != nil {
			return fmt.Errorf("instruction %d at %#x: %w", s.Index, s.Pre.RIP, err)
		}
	}
}

// lookahead supplies the next instruction's code, which Unicorn translates
// before it stops.
func (w *worker) lookahead(d *traces.StepDecoder) error {
	if rip, code, ok := d.PeekCode(); ok && !unicorn.Reserved(rip, len(code)) {
		return w.orc.Poke(rip, code)
	}
	return nil
}

// batchable reports whether s may join a stretch Unicorn runs in one go: a
// plain instruction the oracle can run, that is not a REP string
// instruction (Unicorn counts those per iteration), at the privilege level
// of the stretch.
func (w *worker) batchable(s *traces.Step) bool {
	if s.Kind != traces.Retired || s.ByOracle || len(s.Code) == 0 ||
		len(w.batch) > 0 && s.Pre.CPL != w.batch[0].Pre.CPL {
		return false
	}
	in, err := decoder.Decode(s.Code)
	if err != nil || in.Rep != decoder.PrefixNone && in.Form.Attr&decoder.AttrRep != 0 ||
		strings.HasPrefix(in.Form.Mnemonic, "pcmpestr") || unableReason(s, &in, true) != "" ||
		unicorn.Reserved(s.Pre.RIP, len(s.Code)) {
		return false
	}
	for _, as := range [][]traces.Access{s.Reads, s.Writes} {
		for _, a := range as {
			if unicorn.Reserved(a.Addr, len(a.Data)) {
				return false
			}
		}
	}
	return true
}

// add copies s into the stretch (the decoder reuses its step).
func (w *worker) add(s *traces.Step) {
	n := len(w.batch)
	if n == cap(w.batch) {
		w.batch = append(w.batch, traces.Step{})
	} else {
		w.batch = w.batch[:n+1]
	}
	dst := &w.batch[n]
	code, reads, writes := dst.Code[:0], dst.Reads[:0], dst.Writes[:0]
	*dst = *s
	dst.Code = append(code, s.Code...)
	dst.Reads = append(reads, s.Reads...) // their bytes are the chunk's, which outlives the stretch
	dst.Writes = append(writes, s.Writes...)
}

// flush replays the stretch collected so far. Unicorn gets the code of
// every instruction, the bytes each reads unless an earlier one in the
// stretch writes them (Unicorn's own store must supply those), and room
// for the stores; then it runs the stretch in one go. Results that match the
// recording are taken as they are; from the first that does not, the rest
// run one by one from their recorded states, which decide.
func (w *worker) flush(p *partial) error {
	b := w.batch
	w.batch = w.batch[:0]
	if len(b) <= 1 {
		for i := range b {
			if _, err := w.instruction(&b[i], p, nil); err != nil {
				return err
			}
		}
		return nil
	}
	written := w.written[:0]
	for i := range b {
		s := &b[i]
		if err := w.orc.Poke(s.Pre.RIP, s.Code); err != nil {
			return err
		}
		for _, r := range s.Reads {
			if !overlaps(written, r.Addr, len(r.Data)) {
				if err := w.orc.Poke(r.Addr, r.Data); err != nil {
					return err
				}
			}
		}
		for _, wr := range s.Writes {
			if err := w.orc.Reserve(wr.Addr, len(wr.Data)); err != nil {
				return err
			}
			written = append(written, span{wr.Addr, len(wr.Data)})
		}
	}
	w.written = written
	ran, err := w.orc.ExecRun(&b[0].Pre, w.run[:len(b)])
	if err != nil {
		return err
	}
	good := true
	for i := range b {
		var orc *engine.Result
		if good && i < ran {
			orc = &w.run[i]
		}
		// Whether the stretch reached this instruction in its recorded state
		// (a difference carried from before, such as undefined flags, is no
		// fault of the translated code).
		startedRight := i == 0 || orc != nil && sameRegisters(&w.run[i-1].State, &b[i].Pre)
		ok, err := w.instruction(&b[i], p, orc)
		if err != nil {
			return fmt.Errorf("instruction %d at %#x: %w", b[i].Index, b[i].Pre.RIP, err)
		}
		if orc != nil && !ok {
			good = false
			if startedRight {
				w.orc.Flush() // stale translated code is the likely cause
			}
		}
	}
	return nil
}

// sameRegisters reports whether a and b agree in what Unicorn reports.
func sameRegisters(a, b *arch.State) bool {
	return a.GPR == b.GPR && a.RIP == b.RIP && a.RFLAGS == b.RFLAGS && a.XMM == b.XMM && a.MXCSR == b.MXCSR &&
		a.Seg[arch.FS].Base == b.Seg[arch.FS].Base && a.Seg[arch.GS].Base == b.Seg[arch.GS].Base
}

type span struct {
	addr uint64
	n    int
}

func overlaps(spans []span, addr uint64, n int) bool {
	for _, s := range spans {
		if addr < s.addr+uint64(s.n) && s.addr < addr+uint64(n) {
			return true
		}
	}
	return false
}

// instruction replays and classifies one instruction. orc is Unicorn's
// result from the run of a stretch (nil: run it here). If that result
// differs from the recording, the instruction runs again on its own from its
// recorded state and that run decides; stretchOK reports whether the
// stretch's result stood.
func (w *worker) instruction(s *traces.Step, p *partial, orc *engine.Result) (stretchOK bool, err error) {
	in, derr := decoder.Decode(s.Code)
	decoded := derr == nil
	f := p.form(&in, decoded, s.Code)
	formKey, mnemonic := f.Form, f.Mnemonic
	f.Count++
	w.hist = append(w.hist, lineOf(s))
	pos := len(w.hist) - 1
	// Whether silicon checks this one (ring 3, in the sample), and why not
	// where the trace itself keeps it from doing so.
	formID := -1
	if decoded {
		formID = in.Form.ID
	}
	if s.Pre.CPL == 3 {
		p.silicon.Ring3++
	}
	toSilicon, siliconWhy := w.sil != nil && w.sil.chosen(s, formID, f, p), ""
	if toSilicon {
		siliconWhy = siliconReason(s)
	}

	if s.ByOracle {
		p.counts.Missing++
		w.group(p, ClassMissing, mnemonic, pos, func(g *Group) { g.Form = formKey }, nil)
		if toSilicon {
			w.siliconUnable(p, pos, "the emulator lacks it (the recording has Unicorn's result): nothing to compare", "")
		}
		return false, nil
	}
	reason := unableReason(s, &in, decoded)
	if reason == "" {
		for _, r := range s.Reads {
			if unicorn.Reserved(r.Addr, len(r.Data)) {
				reason = "it touches the range the oracle keeps for itself"
			}
		}
		if unicorn.Reserved(s.Pre.RIP, len(s.Code)) {
			reason = "it lies in the range the oracle keeps for itself"
		}
	}
	var mask engine.Mask
	if decoded {
		mask = cpu.Undefined(&in, &s.Pre)
	}
	if reason != "" {
		p.counts.OracleUnable++
		f.Recorded++
		w.group(p, ClassUnable, reason, pos, func(*Group) {}, nil)
		if toSilicon {
			// Unicorn cannot run it, the emulator and silicon may.
			if siliconWhy != "" {
				w.siliconUnable(p, pos, siliconWhy, "")
				return false, nil
			}
			if err := supply(w.emu, s); err != nil {
				return false, err
			}
			if w.emuRes, err = w.emu.Exec(&s.Pre); err != nil {
				return false, err
			}
			w.recRes = recorded(s)
			return false, w.siliconAdd(p, s, pos, formID, f, mask, &w.recRes, &w.emuRes, nil)
		}
		return false, nil
	}
	// The results live in the worker: as locals they would escape (the
	// comparison hands them on through interfaces) and cost a heap
	// allocation of a whole state each, per instruction.
	if err := supply(w.emu, s); err != nil {
		return false, err
	}
	if w.emuRes, err = w.emu.Exec(&s.Pre); err != nil {
		return false, err
	}
	emu := &w.emuRes
	w.recRes = recorded(s)
	rec := &w.recRes
	var dRO []engine.Difference
	if orc != nil {
		orc.Writes = mergeWrites(orc.Writes)
		stretchOK = orc.Outcome == engine.Completed
		if dRO = engine.Compare(rec, orc, mask); !stretchOK || len(dRO) != 0 {
			orc, stretchOK = nil, false
		}
	}
	if orc == nil {
		if err := supply(w.orc, s); err != nil {
			return false, err
		}
		if w.orcRes, err = w.orc.Exec(&s.Pre); err != nil {
			return false, err
		}
		orc = &w.orcRes
		orc.Writes = mergeWrites(orc.Writes)
		dRO = engine.Compare(rec, orc, mask)
	}
	if orc.Outcome == engine.Unsupported {
		p.counts.OracleUnable++
		f.Recorded++
		w.group(p, ClassUnable, "Unicorn cannot run it: "+orc.Detail, pos, func(*Group) {}, nil)
		orc = nil
	} else {
		f.Oracle++
		p.checked.Unicorn++
	}
	emu.Writes = mergeWrites(emu.Writes)
	emuP := emu
	if emu.Outcome == engine.Unimplemented {
		emuP = nil // a flat CPU cannot run this system instruction: the recording speaks for the emulator
	}
	if toSilicon {
		if siliconWhy != "" {
			w.siliconUnable(p, pos, siliconWhy, "")
		} else if err := w.siliconAdd(p, s, pos, formID, f, mask, rec, emu, orc); err != nil {
			return false, err
		}
	}
	if orc == nil {
		return stretchOK, nil
	}
	if emuP != nil {
		p.checked.Recording++
	}
	w.in = in
	v := compare(&w.in, decoded, &s.Pre, rec, emuP, orc, mask, dRO, s, w.mistakes)
	switch v.class {
	case ClassMatch:
		p.counts.Match++
	case ClassMistake:
		p.counts.Mistake++
		w.group(p, ClassMistake, v.mistake, pos, func(g *Group) { g.Detail = mistakeWhy(v.mistake) }, nil)
	case ClassDivergent:
		p.counts.Divergent++
		key := formKey + "|" + v.who + "|" + strings.Join(v.fields, ",")
		w.group(p, ClassDivergent, key, pos, func(g *Group) {
			g.Form, g.Who, g.Fields = formKey, v.who, v.fields
		}, func(o *Occurrence) {
			o.States = stateTable(&s.Pre, rec, emuP, orc, nil)
			o.Diffs = v.diffs
		})
	}
	return stretchOK, nil
}

// supply gives engine e what step s needs on its own: its code, the bytes
// it read, room where it writes.
func supply(e engine.Replayer, s *traces.Step) error {
	if err := e.Poke(s.Pre.RIP, s.Code); err != nil {
		return err
	}
	for _, r := range s.Reads {
		if err := e.Poke(r.Addr, r.Data); err != nil {
			return err
		}
	}
	for _, wr := range s.Writes {
		if err := e.Reserve(wr.Addr, len(wr.Data)); err != nil {
			return err
		}
	}
	return nil
}

// group counts the instruction at w.hist[pos] in its group, creating the
// group (and its first occurrence) the first time.
func (w *worker) group(p *partial, c Class, key string, pos int, init func(*Group), detail func(*Occurrence)) {
	id := fmt.Sprintf("%d|%s", c, key)
	g := p.groups[id]
	if g == nil {
		g = &Group{Key: key, First: w.occurrence(pos)}
		init(g)
		if detail != nil {
			detail(&g.First)
		}
		g.Repro = fmt.Sprintf("twinstep lockstep %s --case %d --name NAME", w.path, g.First.Index)
		p.groups[id] = g
	}
	g.Count++
}

// occurrence describes the instruction at w.hist[pos], with the ones
// before it; linesAfter adds those after it when the chunk is done.
func (w *worker) occurrence(pos int) Occurrence {
	l := &w.hist[pos]
	code := append([]byte(nil), l.code[:l.n]...)
	o := Occurrence{Index: l.index, RIP: l.rip, Symbol: w.t.Meta.Symbols.Symbolize(l.rip, l.cr3, l.index), Bytes: code,
		Text: disassemble(code, l.rip)}
	for i := max(pos-linesBefore, 0); i < pos; i++ {
		o.Around = append(o.Around, w.line(&w.hist[i], false))
	}
	o.Around = append(o.Around, w.line(l, true))
	return o
}

func (w *worker) line(l *line, current bool) Line {
	code := append([]byte(nil), l.code[:l.n]...)
	return Line{Index: l.index, RIP: l.rip, Symbol: w.t.Meta.Symbols.Symbolize(l.rip, l.cr3, l.index),
		Bytes: code, Text: disassemble(code, l.rip), Current: current}
}

// linesAfter gives the first occurrence of every group the chunk found the
// instructions after it, as far as the chunk goes.
func (w *worker) linesAfter(p *partial) {
	for _, g := range p.groups {
		pos := w.position(g.First.Index)
		if pos < 0 {
			continue
		}
		for i := pos + 1; i < min(pos+1+linesAfter, len(w.hist)); i++ {
			g.First.Around = append(g.First.Around, w.line(&w.hist[i], false))
		}
	}
}

// position is where instruction index is in w.hist, or -1.
func (w *worker) position(index uint64) int {
	if len(w.hist) == 0 || index < w.hist[0].index {
		return -1
	}
	// The chunk's instructions are numbered consecutively.
	if i := index - w.hist[0].index; i < uint64(len(w.hist)) && w.hist[i].index == index {
		return int(i)
	}
	return -1
}

func mistakeWhy(name string) string {
	for _, m := range unicorn.KnownMistakes {
		if m.Name == name {
			return m.Why
		}
	}
	return ""
}

// stateTable lists every compared field in which the pre-state and the
// results present (emu, orc and nat may be nil: that engine did not answer)
// do not all agree, then the outcome and memory rows.
func stateTable(pre *arch.State, rec, emu, orc, nat *engine.Result) []StateRow {
	offs := arch.FieldOffsets()
	val := func(st *arch.State, i int, w int) string { return arch.FieldHex(arch.Raw(st)[offs[i] : offs[i]+w]) }
	var rows []StateRow
	row := func(r StateRow, get func(*engine.Result) string) StateRow {
		r.Recorded = get(rec)
		for _, c := range []struct {
			res *engine.Result
			to  *string
		}{{emu, &r.Emulator}, {orc, &r.Oracle}, {nat, &r.Native}} {
			if c.res != nil {
				*c.to = get(c.res)
				r.Differs = r.Differs || *c.to != r.Recorded
			}
		}
		return r
	}
	for i, f := range arch.Fields() {
		if !engine.Compared(f.Name) {
			continue
		}
		r := row(StateRow{Field: f.Name, Pre: val(pre, i, f.Width)}, func(e *engine.Result) string { return val(&e.State, i, f.Width) })
		if r.Differs || r.Pre != r.Recorded {
			rows = append(rows, r)
		}
	}
	rows = append(rows, row(StateRow{Field: "outcome"}, func(r *engine.Result) string { return r.OutcomeString() }))
	rows = append(rows, row(StateRow{Field: "memory"}, func(r *engine.Result) string { return engine.FormatWrites(r.Writes) }))
	return rows
}

// merge combines the chunks' findings into the report.
func merge(t *traces.Trace, path string, parts []*partial) *Report {
	rep := &Report{Trace: path, Kernel: t.Meta.Kernel, Cmdline: t.Meta.Cmdline}
	groups := map[string]*Group{}
	forms := map[string]*Form{}
	var spans []traces.Span
	var chunkErr error
	for _, p := range parts {
		if p == nil {
			continue
		}
		if p.err != nil && chunkErr == nil {
			chunkErr = p.err
		}
		spans = append(spans, traces.Span{First: p.first, Count: p.instructions})
		rep.Instructions += p.instructions
		rep.Events += p.events
		rep.OracleRestarts += p.restarts
		rep.Counts.add(p.counts)
		rep.Checked.Recording += p.checked.Recording
		rep.Checked.Unicorn += p.checked.Unicorn
		rep.Checked.Silicon += p.checked.Silicon
		rep.Silicon.add(p.silicon)
		for id, g := range p.groups {
			if have := groups[id]; have != nil {
				have.Count += g.Count
				if g.First.Index < have.First.Index {
					have.First, have.Repro = g.First, g.Repro
				}
				continue
			}
			cp := *g
			groups[id] = &cp
		}
		for k, f := range p.forms {
			if have := forms[k]; have != nil {
				have.Count += f.Count
				have.Oracle += f.Oracle
				have.Recorded += f.Recorded
				have.Silicon += f.Silicon
				continue
			}
			cp := *f
			forms[k] = &cp
		}
	}
	for id, g := range groups {
		g.Location = g.First.Symbol
		switch id[:strings.IndexByte(id, '|')] {
		case fmt.Sprint(ClassMissing):
			rep.Missing = append(rep.Missing, *g)
		case fmt.Sprint(ClassDivergent):
			rep.Divergences = append(rep.Divergences, *g)
		case fmt.Sprint(ClassUnable):
			rep.Unable = append(rep.Unable, *g)
		case fmt.Sprint(ClassMistake):
			rep.Mistakes = append(rep.Mistakes, *g)
		case fmt.Sprint(classSiliconUnable):
			rep.SiliconUnable = append(rep.SiliconUnable, *g)
		}
	}
	for _, gs := range [][]Group{rep.Missing, rep.Divergences, rep.Unable, rep.Mistakes, rep.SiliconUnable} {
		sort.Slice(gs, func(i, j int) bool {
			if gs[i].Count != gs[j].Count {
				return gs[i].Count > gs[j].Count
			}
			return gs[i].First.Index < gs[j].First.Index
		})
	}
	for _, f := range forms {
		rep.Coverage = append(rep.Coverage, *f)
	}
	sort.Slice(rep.Coverage, func(i, j int) bool {
		if rep.Coverage[i].Count != rep.Coverage[j].Count {
			return rep.Coverage[i].Count > rep.Coverage[j].Count
		}
		return rep.Coverage[i].Form < rep.Coverage[j].Form
	})
	rep.Timeline = timeline(parts)
	// The first damage: the trace's own, a chunk that failed to replay, or
	// chunks that do not add up to the recording (Whole).
	damage := t.Damage
	if damage == nil {
		damage = chunkErr
	}
	if damage == nil {
		damage = t.Whole(spans)
	}
	if damage != nil {
		rep.Damage = damage.Error()
	}
	return rep
}

func (c *Counts) add(o Counts) {
	c.Match += o.Match
	c.Divergent += o.Divergent
	c.Missing += o.Missing
	c.OracleUnable += o.OracleUnable
	c.Mistake += o.Mistake
}

// timeline folds the chunks into at most maxBuckets buckets of the run.
func timeline(parts []*partial) []Bucket {
	const maxBuckets = 100
	per := (len(parts) + maxBuckets - 1) / maxBuckets
	var out []Bucket
	for i, p := range parts {
		if p == nil {
			continue
		}
		if i%max(per, 1) == 0 || len(out) == 0 {
			out = append(out, Bucket{Start: p.first, End: p.first})
		}
		b := &out[len(out)-1]
		b.End = p.first + p.instructions
		b.Divergent += p.counts.Divergent + p.silicon.Disagreed
		b.Missing += p.counts.Missing
		b.Unable += p.counts.OracleUnable
	}
	return out
}

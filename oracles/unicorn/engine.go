// Package unicorn is the Unicorn 2.0.1 oracle (QEMU's x86-64 CPU core) as an
// engine.Engine, for instruction semantics at CPL 3 in a flat address space.
package unicorn

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
	uc "github.com/unicorn-engine/unicorn/bindings/go/unicorn"
)

// Reserved is the address range the oracle keeps for itself (its GDT and the
// code that drops it to CPL 3); cases may not map memory there.
const (
	ReservedBase = 0x00007fff_fff00000
	ReservedSize = 0x3000
)

// never is an address no case can reach: the "until" of every run, so runs
// end by instruction count.
const never = 0x8000_0000_0000_0000

// Engine is Unicorn as an engine.Engine.
type Engine struct {
	u      uc.Unicorn
	ev     *event
	mapped map[uint64]bool // page addresses mapped for the current case
	// content is what each page that may hold translated code held when
	// last loaded, kept after unmap (translations outlive the mapping):
	// loading other bytes there means starting a fresh instance. Unicorn
	// translates only from where a run starts and where it ends up (the
	// next block is looked up before the count stops it), up to the
	// following page, so those are the pages recorded.
	content map[uint64][]byte
	loaded  map[uint64][]byte // the current case's pages
	// Restarts counts the fresh instances Load started.
	Restarts int
	// user is the CPU context just after entering CPL 3. Restoring it
	// before every case also clears QEMU's record of the last exception,
	// which Unicorn never completes: left alone, a #DE after a #GP becomes
	// a double fault.
	user uc.Context
	base arch.State
	regs regs
}

// New starts a Unicorn x86-64 instance at CPL 3 with 64-bit user segments.
func New() (*Engine, error) {
	e := &Engine{}
	if err := e.start(); err != nil {
		return nil, err
	}
	return e, nil
}

// start (re)creates the Unicorn instance. A fresh instance is also how the
// engine gets rid of stale translations: Unicorn's translation cache
// survives rewriting code in place (it runs the old bytes, and a block that
// raised #UD keeps raising it); dropping the blocks of one page with
// uc_ctl_remove_cache costs 0.4-0.6 ms and aborted inside TCG here after
// remapping, a full flush costs 16 ms, and a new instance costs 0.23 ms
// (measured).
func (e *Engine) start() error {
	if e.u != nil {
		e.Close()
	}
	u, err := uc.NewUnicorn(uc.ARCH_X86, uc.MODE_64)
	if err != nil {
		return fmt.Errorf("unicorn: %w (is libunicorn 2.0.1 installed? apt-get install libunicorn-dev)", err)
	}
	e.u, e.ev = u, newEvent()
	e.mapped, e.content = map[uint64]bool{}, map[uint64][]byte{}
	if err := e.enterUserMode(); err != nil {
		e.Close()
		return fmt.Errorf("unicorn: entering CPL 3: %w", err)
	}
	if e.user, err = u.ContextSave(nil); err != nil {
		e.Close()
		return fmt.Errorf("unicorn: saving the user-mode context: %w", err)
	}
	if err := addHooks(u, e.ev); err != nil {
		e.Close()
		return fmt.Errorf("unicorn: hooks: %w", err)
	}
	return nil
}

// enterUserMode builds a GDT (selectors as arch.Flat64 has them) and runs an
// IRETQ to CPL 3. Unicorn keeps the CPL across runs since it never delivers
// exceptions, so this happens once per engine.
func (e *Engine) enterUserMode() error {
	const (
		gdt   = ReservedBase
		code  = ReservedBase + 0x1000
		stack = ReservedBase + 0x3000
	)
	if err := e.u.MemMap(ReservedBase, ReservedSize); err != nil {
		return err
	}
	descs := []uint64{0, 0x00af9a000000ffff, 0x00cf92000000ffff, 0, 0, 0x00cff2000000ffff, 0x00affa000000ffff}
	g := make([]byte, 8*len(descs))
	for i, d := range descs {
		binary.LittleEndian.PutUint64(g[8*i:], d)
	}
	if err := e.u.MemWrite(gdt, g); err != nil {
		return err
	}
	if err := e.u.RegWriteMmr(uc.X86_REG_GDTR, &uc.X86Mmr{Base: gdt, Limit: uint32(len(g) - 1)}); err != nil {
		return err
	}
	// push 0x2b; push rsp; push 0x202; push 0x33; lea rax,[rip+2]; push rax; iretq; (target)
	prog := []byte{0x6a, 0x2b, 0x54, 0x68, 0x02, 0x02, 0, 0, 0x6a, 0x33,
		0x48, 0x8d, 0x05, 0x03, 0, 0, 0, 0x50, 0x48, 0xcf}
	target := code + uint64(len(prog))
	if err := e.u.MemWrite(code, prog); err != nil {
		return err
	}
	if err := e.u.RegWrite(uc.X86_REG_RSP, stack); err != nil {
		return err
	}
	if err := e.u.Start(code, target); err != nil {
		return err
	}
	cs, _ := e.u.RegRead(uc.X86_REG_CS)
	ss, _ := e.u.RegRead(uc.X86_REG_SS)
	if cs != 0x33 || ss != 0x2b {
		return fmt.Errorf("after IRETQ cs=%#x ss=%#x, want 0x33 0x2b", cs, ss)
	}
	return nil
}

// Name implements engine.Engine.
func (e *Engine) Name() string { return "unicorn" }

// Close implements engine.Engine.
func (e *Engine) Close() error {
	if e.ev != nil {
		freeEvent(e.ev)
		e.ev = nil
	}
	err := e.u.Close()
	e.u = nil
	return err
}

// Load implements engine.Engine. Pages the previous case mapped are kept
// where the new case maps them too (unmapping costs more than rewriting).
func (e *Engine) Load(s *arch.State, mem []engine.Region) error {
	want := map[uint64][]byte{}
	for _, r := range mem {
		if r.Addr%4096 != 0 || len(r.Data)%4096 != 0 {
			return fmt.Errorf("region %#x+%#x is not page-aligned", r.Addr, len(r.Data))
		}
		if r.Addr < ReservedBase+ReservedSize && r.Addr+uint64(len(r.Data)) > ReservedBase {
			return fmt.Errorf("region %#x+%#x overlaps the oracle's reserved range %#x", r.Addr, len(r.Data), ReservedBase)
		}
		for off := 0; off < len(r.Data); off += 4096 {
			want[r.Addr+uint64(off)] = r.Data[off : off+4096]
		}
	}
	for a, page := range want {
		if prev, ok := e.content[a]; ok && !bytes.Equal(prev, page) {
			if err := e.start(); err != nil {
				return err
			}
			e.Restarts++
			break
		}
	}
	for _, a := range sortedKeys(e.mapped) {
		if want[a] == nil {
			if err := e.u.MemUnmap(a, 4096); err != nil {
				return fmt.Errorf("unmap %#x: %w", a, err)
			}
			delete(e.mapped, a)
		}
	}
	for a, page := range want {
		if !e.mapped[a] {
			if err := e.u.MemMap(a, 4096); err != nil {
				return fmt.Errorf("map %#x: %w", a, err)
			}
			e.mapped[a] = true
		}
		if prev := e.content[a]; prev != nil {
			copy(prev, page)
		}
		if err := e.u.MemWrite(a, page); err != nil {
			return fmt.Errorf("write %#x: %w", a, err)
		}
	}
	if err := e.u.ContextRestore(e.user); err != nil {
		return fmt.Errorf("restore user-mode context: %w", err)
	}
	e.loaded = want
	e.base = *s
	setRegs(&e.regs, s)
	return writeRegs(e.u, &e.regs)
}

func sortedKeys[V any](m map[uint64]V) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Step implements engine.Engine.
func (e *Engine) Step(n uint64) (engine.Result, error) {
	return e.run(never, n)
}

// RunTo runs from the loaded state until RIP reaches until (which does not
// run) or an exception, with no instruction count: Unicorn counts through
// a hook on every instruction, so this is the way to measure its own
// speed.
func (e *Engine) RunTo(until uint64) (engine.Result, error) {
	return e.run(until, 0)
}

func (e *Engine) run(until, n uint64) (engine.Result, error) {
	resetEvent(e.ev)
	err := e.u.StartWithOptions(e.regs.RIP, until, &uc.UcOptions{Count: n})
	var r regs
	if rerr := readRegs(e.u, &r); rerr != nil {
		return engine.Result{}, fmt.Errorf("read registers: %w", rerr)
	}
	for _, rip := range []uint64{e.regs.RIP, r.RIP} {
		for _, a := range []uint64{rip &^ 0xfff, rip&^0xfff + 4096} {
			if page := e.loaded[a]; page != nil && e.content[a] == nil {
				e.content[a] = append([]byte(nil), page...)
			}
		}
	}
	return result(&e.base, e.regs.RIP, &r, e.ev, err), nil
}

// setRegs puts the registers Unicorn is given from st into r.
func setRegs(r *regs, st *arch.State) {
	*r = regs{GPR: st.GPR, RIP: st.RIP, RFLAGS: st.RFLAGS, FSBase: st.Seg[arch.FS].Base,
		GSBase: st.Seg[arch.GS].Base, MXCSR: uint64(st.MXCSR)}
	for i, x := range st.XMM {
		r.XMM[2*i], r.XMM[2*i+1] = x[0], x[1]
	}
	// Unicorn takes the x87 registers by physical number and the full tag
	// word; the state has them in FXSAVE's form: ST(i) slots and the
	// abridged tag word (bit i: R(i) is not empty).
	x := &st.X87
	top := int(x.FSW >> 11 & 7)
	r.FPCW, r.FPSW = uint64(x.FCW), uint64(x.FSW)
	for i := range 8 {
		if x.FTW>>i&1 == 0 {
			r.FPTag |= 3 << (2 * i)
		}
		reg := x.ST[(i-top)&7]
		r.FP[2*i] = binary.LittleEndian.Uint64(reg[:8])
		r.FP[2*i+1] = uint64(binary.LittleEndian.Uint16(reg[8:]))
	}
}

// setState puts the registers Unicorn reports into st.
func setState(st *arch.State, r *regs) {
	st.GPR, st.RIP, st.RFLAGS = r.GPR, r.RIP, r.RFLAGS
	st.Seg[arch.FS].Base, st.Seg[arch.GS].Base = r.FSBase, r.GSBase
	st.MXCSR = uint32(r.MXCSR)
	for i := range st.XMM {
		st.XMM[i] = arch.Vec128{r.XMM[2*i], r.XMM[2*i+1]}
	}
	x := &st.X87
	x.FCW, x.FSW, x.FTW = uint16(r.FPCW), uint16(r.FPSW), 0
	top := int(x.FSW >> 11 & 7)
	for i := range 8 {
		if r.FPTag>>(2*i)&3 != 3 {
			x.FTW |= 1 << i
		}
		reg := &x.ST[(i-top)&7]
		binary.LittleEndian.PutUint64(reg[:8], r.FP[2*i])
		binary.LittleEndian.PutUint16(reg[8:], uint16(r.FP[2*i+1]))
	}
}

// result turns a finished run into an engine.Result: the registers Unicorn
// reports over base (what it does not model), and the outcome from its
// hooks and error. rip is where the run started.
func result(base *arch.State, rip uint64, r *regs, ev *event, err error) engine.Result {
	res := engine.Result{State: *base}
	st := &res.State
	setState(st, r)
	if typ, _, ok := unmappedAccess(ev); ok && typ == uc.MEM_FETCH_UNMAPPED && r.RIP != rip {
		// Unicorn translates ahead of the instruction it runs (the next
		// instruction, or the rest of the block) before the count stops
		// it: a fetch fault after RIP has moved is not this instruction's.
		res.Outcome = engine.Completed
		return res
	}
	if typ, addr, ok := unmappedAccess(ev); ok && typ == uc.MEM_FETCH_UNMAPPED && addr >= rip+15 {
		// The fetch fault lies beyond any instruction at RIP: it came from
		// translating ahead into an unmapped page, before anything ran.
		res.Outcome = engine.Unsupported
		res.Detail = fmt.Sprintf("translation ran ahead into unmapped %#x before executing", addr)
		return res
	}
	if typ, addr, ok := unmappedAccess(ev); ok {
		res.Outcome, res.Vector = engine.Exception, arch.VecPF
		st.CR2 = addr
		res.Detail = fmt.Sprintf("unmapped access type %d at %#x", typ, addr)
		return res
	}
	if v, ok := interrupt(ev); ok {
		res.Outcome, res.Vector = engine.Exception, uint8(v)
		return res
	}
	var ue uc.UcError
	switch {
	case err == nil:
		res.Outcome = engine.Completed
	case errors.As(err, &ue) && ue == uc.ERR_INSN_INVALID:
		res.Outcome, res.Vector = engine.Exception, arch.VecUD
	default:
		res.Outcome, res.Detail = engine.Unsupported, err.Error()
	}
	return res
}

// ReadMemory implements engine.Engine.
func (e *Engine) ReadMemory(addr uint64, b []byte) error { return e.u.MemReadInto(b, addr) }

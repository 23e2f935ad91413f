package unicorn

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	uc "github.com/unicorn-engine/unicorn/bindings/go/unicorn"
)

// Session is Unicorn kept running across instructions, for replaying a
// recorded run: memory persists from one instruction to the next and is
// supplied piecemeal (Poke) at the linear addresses the recording names, so
// the session needs no page tables, which Unicorn 2.0.1 cannot walk. Each
// Exec runs one instruction at the privilege level the state gives: CPL 3 in
// user mode as Engine does, any other level as Unicorn's own ring 0.
//
// Unicorn keeps translated code when memory is rewritten from outside, so a
// Poke that changes code it has translated makes the next Exec start a
// fresh instance (Restarts counts them) and copy the memory over. Only the
// first instruction of a translated block ever runs here (each Exec stops
// after one), and blocks start where an Exec started or where it ended up
// (Unicorn looks up the next block before it stops), so those addresses'
// instructions are the code that matters.
type Session struct {
	u        uc.Unicorn
	ev       *event
	acc      *accesses
	kernel   uc.Context // ring 0, as Unicorn starts
	user     uc.Context // ring 3, after the IRETQ of enterUserMode
	ring3    bool       // which of the two the instance is in
	mem      map[uint64]*[4096]byte
	starts   map[uint64]uint8 // where translated blocks start: the first instruction's length
	stale    bool             // translated code changed: restart before running
	last     regs             // Unicorn's registers after the last Exec
	pre      regs             // the registers an Exec starts from
	code     [decoder.MaxLen]byte
	results  [maxBatch]engine.Result
	hotAddr  uint64 // the page page() found last
	hot      *[4096]byte
	known    bool // last is what Unicorn holds
	Restarts int
}

// NewSession starts a session with no memory.
func NewSession() (*Session, error) {
	s := &Session{mem: map[uint64]*[4096]byte{}}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Session) start() error {
	s.close()
	u, err := uc.NewUnicorn(uc.ARCH_X86, uc.MODE_64)
	if err != nil {
		return fmt.Errorf("unicorn: %w (is libunicorn 2.0.1 installed? apt-get install libunicorn-dev)", err)
	}
	s.u, s.ev, s.acc, s.starts, s.stale, s.known = u, newEvent(), newAccesses(), map[uint64]uint8{}, false, false
	fail := func(what string, err error) error {
		s.close()
		return fmt.Errorf("unicorn session: %s: %w", what, err)
	}
	if s.kernel, err = u.ContextSave(nil); err != nil {
		return fail("saving the ring 0 context", err)
	}
	e := Engine{u: u}
	if err := e.enterUserMode(); err != nil {
		return fail("entering CPL 3", err)
	}
	if s.user, err = u.ContextSave(nil); err != nil {
		return fail("saving the ring 3 context", err)
	}
	s.ring3 = true
	if err := addHooks(u, s.ev); err != nil {
		return fail("hooks", err)
	}
	if err := addAccessHooks(u, s.acc); err != nil {
		return fail("access hooks", err)
	}
	for a, p := range s.mem {
		if err := u.MemMap(a, 4096); err != nil {
			return fail(fmt.Sprintf("map %#x", a), err)
		}
		if err := u.MemWrite(a, p[:]); err != nil {
			return fail(fmt.Sprintf("write %#x", a), err)
		}
	}
	return nil
}

func (s *Session) close() {
	if s.u == nil {
		return
	}
	s.u.Close()
	freeEvent(s.ev)
	freeAccesses(s.acc)
	s.u, s.ev, s.acc = nil, nil, nil
}

// Reset starts a fresh instance with no memory. A replay resets between
// independent pieces (its chunks): memory it no longer needs would
// otherwise be copied into every fresh instance a restart makes.
func (s *Session) Reset() error {
	s.mem, s.hot = map[uint64]*[4096]byte{}, nil
	return s.start()
}

// Name is the oracle's name.
func (s *Session) Name() string { return "unicorn" }

// Close releases the instance.
func (s *Session) Close() error {
	s.close()
	return nil
}

// Reserved reports whether [addr, addr+n) touches the range the session
// keeps for itself (see ReservedBase): memory there cannot be supplied.
func Reserved(addr uint64, n int) bool {
	return addr < ReservedBase+ReservedSize && addr+uint64(n) > ReservedBase
}

// Poke makes memory at linear address addr hold b, mapping pages as needed.
func (s *Session) Poke(addr uint64, b []byte) error {
	if Reserved(addr, len(b)) {
		return fmt.Errorf("%#x+%d lies in the oracle's reserved range %#x", addr, len(b), uint64(ReservedBase))
	}
	for len(b) > 0 {
		page, off := addr&^0xfff, addr&0xfff
		n := min(uint64(len(b)), 4096-off)
		if err := s.Reserve(page, 4096); err != nil {
			return err
		}
		p := s.page(page)
		if !bytes.Equal(p[off:off+n], b[:n]) {
			copy(p[off:], b[:n])
			if s.translated(addr, n) {
				s.stale = true // written in full at the restart
			} else if err := s.u.MemWrite(addr, b[:n]); err != nil {
				return fmt.Errorf("write %#x: %w", addr, err)
			}
		}
		b, addr = b[n:], addr+n
	}
	return nil
}

// translated reports whether [addr, addr+n) overlaps an instruction at the
// start of a translated block.
func (s *Session) translated(addr, n uint64) bool {
	for a := addr - min(addr, decoder.MaxLen-1); a < addr+n; a++ {
		if l, ok := s.starts[a]; ok && a+uint64(l) > addr {
			return true
		}
	}
	return false
}

// page is the session's copy of the page at addr (nil if unmapped). Most
// lookups in a row are for one page (code, stack), so the last is kept.
func (s *Session) page(addr uint64) *[4096]byte {
	if addr == s.hotAddr && s.hot != nil {
		return s.hot
	}
	p := s.mem[addr]
	if p != nil {
		s.hotAddr, s.hot = addr, p
	}
	return p
}

// Reserve implements engine.Replayer.
func (s *Session) Reserve(addr uint64, n int) error {
	if Reserved(addr, n) {
		return fmt.Errorf("%#x+%d lies in the oracle's reserved range %#x", addr, n, uint64(ReservedBase))
	}
	if n <= 0 {
		return nil
	}
	first, last := addr&^0xfff, (addr+uint64(n)-1)&^0xfff
	if last < first {
		last = ^uint64(0) &^ 0xfff // the range wraps: a recording cannot name it, a damaged one can
	}
	for page := first; ; page += 4096 {
		if s.page(page) == nil {
			if err := s.u.MemMap(page, 4096); err != nil {
				return fmt.Errorf("map %#x: %w", page, err)
			}
			s.mem[page] = new([4096]byte)
		}
		if page == last {
			return nil
		}
	}
}

// Peek copies what the session's memory holds at addr into b (zero where
// nothing was ever supplied).
func (s *Session) Peek(addr uint64, b []byte) {
	for len(b) > 0 {
		page, off := addr&^0xfff, addr&0xfff
		n := min(uint64(len(b)), 4096-off)
		if p := s.page(page); p != nil {
			copy(b[:n], p[off:])
		} else {
			clear(b[:n])
		}
		b, addr = b[n:], addr+n
	}
}

// Exec implements engine.Replayer. The result's Writes and Reads are the
// instruction's stores and loads, merged into runs, in order of access.
func (s *Session) Exec(st *arch.State) (engine.Result, error) {
	out := s.results[:1]
	_, err := s.exec(st, out, false)
	return out[0], err
}

// MaxRun is the most instructions ExecRun runs at once.
const MaxRun = maxBatch

// Flush makes the next run start a fresh instance, without translated code:
// a replay calls it when a run went wrong, in case stale translations were
// the cause (a run executes whole translated blocks, and a block translated
// before all of its code was supplied holds garbage after its first
// instruction).
func (s *Session) Flush() { s.stale = true }

// ExecRun runs up to len(out) consecutive instructions from st in one go:
// a straight stretch of a recording, whose code and memory the caller has
// supplied (the bytes each instruction reads, except what an earlier one in
// the stretch writes). out[i] receives instruction i's result as Exec would
// give it. It returns how many instructions ran: fewer when one raised an
// exception or the run stopped early. A REP string instruction counts once
// per iteration, so a stretch must not contain one.
func (s *Session) ExecRun(st *arch.State, out []engine.Result) (int, error) {
	return s.exec(st, out[:min(len(out), maxBatch)], true)
}

func (s *Session) exec(st *arch.State, out []engine.Result, batch bool) (ran int, err error) {
	r, err := s.enter(st)
	if err != nil {
		return 0, err
	}
	resetEvent(s.ev)
	resetAccesses(s.acc, batch)
	post := &s.last
	var runErr, regsErr error
	if batch {
		runErr, regsErr = execRegs(s.u, r, st.RIP, uint64(len(out)), post)
		ran = max(1, min(batchStarted(s.acc), len(out)))
	} else {
		in, decodeErr := s.decode(st.RIP)
		runErr, regsErr = s.run(st, &in, decodeErr == nil, r, post)
		ran = 1
	}
	if regsErr != nil {
		s.known = false
		return 0, fmt.Errorf("unicorn registers: %w", regsErr)
	}
	s.known = true
	rip := st.RIP
	for i := range ran {
		if i < ran-1 {
			var after regs
			batchRegs(s.acc, i, &after)
			out[i] = engine.Result{Outcome: engine.Completed, State: *st}
			setState(&out[i].State, &after)
			s.translatedAt(rip)
			rip = after.RIP
			continue
		}
		s.translatedAt(rip)
		s.translatedAt(post.RIP)
		out[i] = result(st, rip, post, s.ev, runErr)
	}
	if last := &out[ran-1]; last.Outcome == engine.Exception {
		// Unicorn never completes an exception: restore the context, as
		// Engine does before every case, or the next would double-fault.
		ctx := s.kernel
		if s.ring3 {
			ctx = s.user
		}
		if err := s.u.ContextRestore(ctx); err != nil {
			return ran, fmt.Errorf("restore the context after %s: %w", last.OutcomeString(), err)
		}
		s.known = false
	}
	complete := accessRuns(s.acc, true, func(insn int, addr uint64, b []byte) {
		if insn < ran {
			old := make([]byte, len(b))
			s.Peek(addr, old)
			out[insn].Writes = append(out[insn].Writes, engine.Write{Addr: addr, Old: old, New: b})
		}
		s.shadow(addr, b)
	})
	complete = accessRuns(s.acc, false, func(insn int, addr uint64, b []byte) {
		if insn < ran {
			out[insn].Reads = append(out[insn].Reads, engine.Write{Addr: addr, New: b})
		}
	}) && complete
	if last := &out[ran-1]; !complete && last.Outcome == engine.Completed {
		last.Outcome, last.Detail = engine.Unsupported, "the instruction accessed more memory than the session's access log holds"
	}
	return ran, nil
}

// enter readies Unicorn for a run from st: a fresh instance if translated
// code went stale, the privilege level, the next page mapped. It returns
// the registers to write, or nil when Unicorn already holds them (in a
// replay, usually: the state an instruction starts from is what the one
// before left).
func (s *Session) enter(st *arch.State) (*regs, error) {
	if s.stale {
		if err := s.start(); err != nil {
			return nil, err
		}
		s.Restarts++
	}
	if want3 := st.CPL == 3; want3 != s.ring3 {
		ctx := s.kernel
		if want3 {
			ctx = s.user
		}
		if err := s.u.ContextRestore(ctx); err != nil {
			return nil, fmt.Errorf("switch privilege level: %w", err)
		}
		s.ring3, s.known = want3, false
	}
	r := &s.pre // a field: cgo would move a local to the heap every time
	setRegs(r, st)
	if s.known && *r == s.last {
		r = nil
	}
	// Unicorn translates ahead to the end of the page and into the next:
	// map it, so that is not mistaken for this instruction's fetch fault.
	if next := st.RIP&^0xfff + 4096; !Reserved(next, 1) {
		if err := s.Reserve(next, 1); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// translatedAt records that a translated block may start at rip.
func (s *Session) translatedAt(rip uint64) {
	if _, ok := s.starts[rip]; !ok {
		s.starts[rip] = s.length(rip)
	}
}

// shadow records a store Unicorn made itself, so the session's copy of
// memory stays what Unicorn holds.
func (s *Session) shadow(addr uint64, b []byte) {
	for len(b) > 0 {
		page, off := addr&^0xfff, addr&0xfff
		n := min(uint64(len(b)), 4096-off)
		if p := s.page(page); p != nil {
			copy(p[off:], b[:n])
		}
		b, addr = b[n:], addr+n
	}
}

// decode decodes the instruction the session's memory holds at rip.
func (s *Session) decode(rip uint64) (decoder.Inst, error) {
	s.Peek(rip, s.code[:])
	return decoder.Decode(s.code[:])
}

// length is the length of the instruction at rip (the longest possible if
// it does not decode).
func (s *Session) length(rip uint64) uint8 {
	if in, err := s.decode(rip); err == nil {
		return in.Len
	}
	return decoder.MaxLen
}

// errCrash is why the session does not run an instruction that can crash
// Unicorn, which in process would end the whole replay.
var errCrash = errors.New("Unicorn 2.0.1 can crash on PCMPESTRI/PCMPESTRM with a length whose low 32 bits " +
	"are 0x80000000 (|INT_MIN| overflows in QEMU's helper); Isolated runs such cases in a worker process")

// crashes reports whether the instruction is one Unicorn is known to crash on.
func crashes(in *decoder.Inst, st *arch.State) bool {
	m := in.Form.Mnemonic
	return (m == "pcmpestri" || m == "pcmpestrm") &&
		(uint32(st.GPR[arch.RAX]) == 0x80000000 || uint32(st.GPR[arch.RDX]) == 0x80000000)
}

// errRepCond is why the session does not run REPE/REPNE CMPS and SCAS.
var errRepCond = errors.New("a REPE/REPNE comparison that ends early runs on into the next instructions: " +
	"Unicorn's instruction count and stop address do not end it at its own end")

// run executes the instruction at st.RIP. QEMU counts each iteration of a
// REP string instruction as an instruction, and the one that finds RCX
// zero too, so a REP instruction runs by that count. A REPE/REPNE
// comparison may end before RCX does, and then Unicorn goes on past it (an
// address to stop at is honoured only by code translated while it was set),
// so those are not run.
func (s *Session) run(st *arch.State, in *decoder.Inst, decoded bool, pre, post *regs) (run, regsErr error) {
	if decoded && crashes(in, st) {
		return errCrash, readRegs(s.u, post)
	}
	if !decoded || in.Rep == decoder.PrefixNone || in.Form.Attr&decoder.AttrRep == 0 {
		return execRegs(s.u, pre, st.RIP, 1, post)
	}
	if m := in.Form.Mnemonic; strings.HasPrefix(m, "cmps") || strings.HasPrefix(m, "scas") {
		return errRepCond, readRegs(s.u, post) // cmpsb, cmps, scasb, scas
	}
	n := st.GPR[arch.RCX]
	if in.AddrSize == 4 {
		n = uint64(uint32(n))
	}
	return execRegs(s.u, pre, st.RIP, n+1, post)
}

package cpu

import (
	"fmt"
	"strings"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/decoder"
)

// Exception and interrupt delivery through the guest IDT in IA-32e mode
// (SDM Vol. 3A 6.14), the double-fault rules (Table 6-5), IRET and the
// software-interrupt instructions. Only system mode delivers; in flat mode
// an exception stops Run for the harness to compare.

// event says how an exception or interrupt arose; it decides the saved RIP,
// the gate DPL check and the EXT bit of error codes raised while delivering.
type event uint8

const (
	eventFault    event = iota // RIP is the faulting instruction
	eventTrap                  // RIP is already past the instruction
	eventSoftware              // INT n, INT3: a trap with the gate DPL check
	eventExternal              // an interrupt from the platform
)

// historyLen bounds the deliveries a shutdown report lists.
const historyLen = 8

type delivery struct {
	vector  uint8
	code    uint32
	hasCode bool
	rip     uint64
	retired uint64
}

// exceptionClass orders vectors for the double-fault rule.
func exceptionClass(v uint8) int {
	switch v {
	case arch.VecDE, arch.VecTS, arch.VecNP, arch.VecSS, arch.VecGP:
		return 1 // contributory
	case arch.VecPF:
		return 2
	case arch.VecDF:
		return 3
	}
	return 0 // benign
}

// raiseEvent delivers e, and whatever faults its delivery raises, combining
// them by the double-fault rule. It reports whether the CPU shut down.
func (c *CPU) raiseEvent(e *Exception) (shutdown bool) {
	chain := []string{e.Error()}
	for {
		next := c.tryDeliver(e)
		if next == nil {
			if c.Observer != nil {
				c.Observer.Delivered(e.Vector, e.kind == eventExternal)
			}
			return false
		}
		chain = append(chain, next.Error())
		first, second := exceptionClass(e.Vector), exceptionClass(next.Vector)
		switch {
		case first == 3 && second != 0:
			c.shutdownReason = strings.Join(chain, " → ") + " (each raised delivering the one before)"
			return true
		case first == 1 && second == 1, first == 2 && second >= 1:
			e = &Exception{Vector: arch.VecDF, HasErrorCode: true, kind: eventFault}
			chain = append(chain, e.Error())
		default:
			e = next
		}
	}
}

// RaiseFault delivers exception vector as a fault of the instruction at RIP
// (system mode), as if it had raised it: for a machine that turns what the
// emulator lacks into #UD for the guest. It stops like Run would.
func (c *CPU) RaiseFault(vector uint8) (stop Stop) {
	defer func() {
		if r := recover(); r != nil {
			stop = c.recovered(r)
		}
	}()
	if c.platform == nil {
		return Stop{Kind: StopException, Exception: Exception{Vector: vector}}
	}
	if c.raiseEvent(&Exception{Vector: vector, kind: eventFault}) {
		return Stop{Kind: StopShutdown, Detail: c.shutdownReport()}
	}
	return Stop{Kind: StopCount}
}

// tryDeliver delivers e and returns the exception its delivery raised, if
// any; the state is then as it was before the attempt.
func (c *CPU) tryDeliver(e *Exception) (fault *Exception) {
	saved := c.s
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(*Exception)
			if !ok {
				panic(r)
			}
			c.s = saved
			c.dropFastPaths() // they may hold rights of the abandoned level
			if e.kind == eventExternal || e.ext {
				f.ext = true
			}
			fault = f
		}
	}()
	c.deliver(e)
	return nil
}

// deliver performs one delivery through the IDT (SDM Vol. 3A 6.14.1-6.14.5).
func (c *CPU) deliver(e *Exception) {
	ext := uint32(0)
	if e.kind == eventExternal || e.ext {
		ext = 1
	}
	v := uint64(e.Vector)
	idtCode := uint32(v<<3) | 2 | ext
	if v*16+15 > uint64(c.s.IDTR.Limit) {
		c.raiseCode(arch.VecGP, idtCode)
	}
	lo := c.sysRead(c.s.IDTR.Base+v*16, 8)
	hi := c.sysRead(c.s.IDTR.Base+v*16+8, 8)
	typ := lo >> 40 & 0xf
	if typ != 0xe && typ != 0xf {
		c.raiseCode(arch.VecGP, idtCode)
	}
	if e.kind == eventSoftware && uint8(lo>>45&3) < c.s.CPL {
		c.raiseCode(arch.VecGP, idtCode&^1)
	}
	if lo>>47&1 == 0 {
		c.raiseCode(arch.VecNP, idtCode)
	}
	sel := uint16(lo >> 16)
	target := lo&0xffff | lo>>48<<16 | hi<<32
	ist := lo >> 32 & 7

	if sel&^3 == 0 {
		c.raiseCode(arch.VecGP, ext)
	}
	d := c.fetchDescriptor(sel, arch.VecGP)
	a := d.seg.Attr
	dpl := attrDPL(a)
	if a&attrS == 0 || a&attrCode == 0 || dpl > c.s.CPL {
		c.raiseCode(arch.VecGP, uint32(sel&^3)|ext)
	}
	if a&attrP == 0 {
		c.raiseCode(arch.VecNP, uint32(sel&^3)|ext)
	}
	if a&attrL == 0 || a&attrDB != 0 {
		c.raiseCode(arch.VecGP, uint32(sel&^3)|ext)
	}
	cpl := c.s.CPL
	if a&attrConform == 0 {
		cpl = dpl
	}

	oldCPL, oldSS, oldRSP := c.s.CPL, c.s.Seg[arch.SS], c.s.GPR[arch.RSP]
	rsp := oldRSP
	switch {
	case ist != 0:
		rsp = c.tssRead(0x24 + 8*(ist-1))
	case cpl < oldCPL:
		rsp = c.tssRead(4 + 8*uint64(cpl))
	}
	rsp &^= 15
	if !canonical(target) {
		c.raiseCode(arch.VecGP, ext)
	}

	flags := c.rflags()
	switch e.kind {
	case eventFault:
		flags |= arch.RF
	case eventTrap, eventSoftware:
		flags &^= arch.RF // the instruction completed, and RF with it
	}
	rip := c.s.RIP
	if e.kind == eventTrap || e.kind == eventSoftware {
		rip = e.next
	}
	frame := []uint64{uint64(oldSS.Selector), oldRSP, flags, uint64(c.s.Seg[arch.CS].Selector), rip}
	if e.HasErrorCode {
		frame = append(frame, uint64(e.ErrorCode))
	}
	// The pushes are supervisor accesses at the new level; a fault among
	// them abandons the delivery with nothing changed (tryDeliver restores).
	c.setCPL(cpl)
	for _, x := range frame {
		rsp -= 8
		c.write(rsp, 8, x, arch.SS)
	}
	if e.Vector == arch.VecPF && e.kind == eventFault {
		c.s.CR2 = e.Address
	}
	c.setCS(d, cpl)
	if cpl != oldCPL {
		// A privilege change loads SS with a null selector at the new level.
		c.s.Seg[arch.SS] = arch.Segment{Selector: uint16(cpl), Attr: uint16(cpl) << 5}
	}
	c.s.GPR[arch.RSP] = rsp
	c.s.RIP = target
	c.flush()
	clearFlags := uint64(arch.TF | arch.NT | arch.RF | arch.VM)
	if typ == 0xe {
		clearFlags |= arch.IF
	}
	c.s.RFLAGS &^= clearFlags
	c.remember(e, rip)
	if (e.kind == eventTrap || e.kind == eventSoftware) && !e.retired {
		c.Retired++ // the instruction completed
	}
}

// tssRead reads a quadword of the 64-bit TSS: #TS if TR cannot hold it.
func (c *CPU) tssRead(off uint64) uint64 {
	if c.s.TR.Attr&attrP == 0 || off+7 > uint64(c.s.TR.Limit) {
		c.raiseCode(arch.VecTS, uint32(c.s.TR.Selector&^3))
	}
	return c.sysRead(c.s.TR.Base+off, 8)
}

func (c *CPU) remember(e *Exception, rip uint64) {
	copy(c.history[1:], c.history[:historyLen-1])
	c.history[0] = delivery{e.Vector, e.ErrorCode, e.HasErrorCode, rip, c.Retired}
}

// shutdownReport describes the state a triple fault left: the reason, the
// registers, the last deliveries and the instruction at RIP.
func (c *CPU) shutdownReport() string {
	var b strings.Builder
	fmt.Fprintf(&b, "triple fault: %s\n", c.shutdownReason)
	s := c.State()
	for i := 0; i < 16; i++ {
		fmt.Fprintf(&b, "%-4s %016x", arch.RegNames64[i], s.GPR[i])
		if i%4 == 3 {
			b.WriteByte('\n')
		} else {
			b.WriteString("  ")
		}
	}
	fmt.Fprintf(&b, "rip  %016x  rflags %016x  cs %04x  ss %04x  cpl %d\n",
		s.RIP, s.RFLAGS, s.Seg[arch.CS].Selector, s.Seg[arch.SS].Selector, s.CPL)
	fmt.Fprintf(&b, "cr0  %016x  cr2 %016x  cr3 %016x  cr4 %016x\n", s.CR0, s.CR2, s.CR3, s.CR4)
	fmt.Fprintf(&b, "idtr %016x/%04x  gdtr %016x/%04x  tr %04x\n",
		s.IDTR.Base, s.IDTR.Limit, s.GDTR.Base, s.GDTR.Limit, s.TR.Selector)
	b.WriteString("last deliveries (newest first):\n")
	for _, h := range c.history {
		if h.retired == 0 && h.rip == 0 {
			break
		}
		name := arch.VectorName(h.vector)
		if h.hasCode {
			name += fmt.Sprintf("(%#x)", h.code)
		}
		fmt.Fprintf(&b, "  %-14s at %#x after %d instructions\n", name, h.rip, h.retired)
	}
	b.WriteString("instruction at rip: " + c.disassembleAt(s.RIP) + "\n")
	return b.String()
}

// disassembleAt decodes the instruction at la without side effects.
func (c *CPU) disassembleAt(la uint64) (text string) {
	defer func() {
		if recover() != nil {
			text = "(not fetchable)"
		}
	}()
	var buf [decoder.MaxLen]byte
	c.sysAccess(la, buf[:], false)
	in, err := decoder.Decode(buf[:])
	if err != nil {
		return fmt.Sprintf("% x (%v)", buf[:4], err)
	}
	return fmt.Sprintf("% x  %s", buf[:in.Len], in.String())
}

// InterruptWindow reports whether an external interrupt can be taken now:
// RFLAGS.IF is set and no STI or MOV SS shadow is in force.
func (c *CPU) InterruptWindow() bool {
	return c.s.RFLAGS&arch.IF != 0 && c.Retired >= c.inhibit
}

// Interrupt delivers external interrupt vector through the guest IDT (the
// caller has checked InterruptWindow). It returns StopShutdown if delivery
// triple-faulted, StopCount otherwise.
func (c *CPU) Interrupt(vector uint8) (stop Stop) {
	defer func() {
		if r := recover(); r != nil {
			stop = c.recovered(r)
		}
	}()
	if c.raiseEvent(&Exception{Vector: vector, kind: eventExternal}) {
		return Stop{Kind: StopShutdown, Detail: c.shutdownReport()}
	}
	return Stop{Kind: StopCount}
}

// softInt raises a software interrupt or trap: it returns to the next
// instruction, and the instruction retires when delivery succeeds (a gate
// check that fails is a fault on the instruction itself).
func (c *CPU) softInt(vector uint8, kind event) {
	panic(&Exception{Vector: vector, kind: kind, next: c.next})
}

// iret returns from an interrupt handler. In 64-bit mode it always pops
// RIP, CS, RFLAGS, RSP and SS, each of the operand size (SDM IRET,
// IA-32e mode).
func iret(c *CPU, in *decoder.Inst) {
	if c.platform == nil {
		notImplemented(c, in)
	}
	if c.s.RFLAGS&arch.NT != 0 {
		c.raiseCode(arch.VecGP, 0) // a task return, which IA-32e mode has no task switch for
	}
	n := uint64(in.OpSize)
	sp := c.s.GPR[arch.RSP]
	var v [5]uint64
	for i := range v {
		v[i] = c.read(sp+uint64(i)*n, int(n), arch.SS)
	}
	rip, sel, flags, rsp, ssSel := v[0], uint16(v[1]), v[2], v[3], uint16(v[4])
	d, rpl := c.returnTarget(sel, rip, in)
	// RFLAGS as the old privilege level may change them.
	w := uint64(arch.ArithFlags | arch.TF | arch.DF | arch.NT | arch.RF | arch.AC | arch.ID)
	if c.s.CPL == 0 {
		w |= arch.IOPL | arch.VIF | arch.VIP
	}
	if uint64(c.s.CPL) <= c.s.RFLAGS&arch.IOPL>>12 {
		w |= arch.IF
	}
	if n == 2 {
		w &= 0xffff
	}
	c.flush()
	oldAC := c.s.RFLAGS & arch.AC
	if rpl == c.s.CPL && ssSel&^3 == 0 && rpl != 3 {
		// Same level, null SS: allowed in 64-bit mode below CPL 3.
		c.setCS(d, rpl)
		c.s.Seg[arch.SS] = arch.Segment{Selector: ssSel, Attr: uint16(rpl) << 5}
		c.s.GPR[arch.RSP] = rsp
		c.next = rip
	} else {
		c.returnOuter(d, rpl, rip, rsp, ssSel)
	}
	c.s.RFLAGS = c.s.RFLAGS&^w | flags&w
	c.keepRF = true // RF as loaded, for the instruction returned to
	if c.s.RFLAGS&arch.AC != oldAC {
		c.dropFastPaths()
	}
	c.yield()
}

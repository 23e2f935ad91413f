package devices

// LAPICBase is the local APIC's reset MMIO address; IA32_APIC_BASE moves it.
const LAPICBase = 0xFEE00000

// MSRs the local APIC answers.
const (
	MSRAPICBase = 0x1B
	msrX2First  = 0x800
	msrX2Last   = 0x8FF
)

// IA32_APIC_BASE bits. The address field ends at the CPU's 48-bit
// MAXPHYADDR; bits above it and bits 0-7 and 9 are reserved.
const (
	apicBaseBSP      = 1 << 8
	apicBaseX2       = 1 << 10
	apicBaseEnable   = 1 << 11
	apicBaseAddr     = 0x0000_ffff_ffff_f000
	apicBaseReserved = ^uint64(apicBaseAddr | apicBaseBSP | apicBaseX2 | apicBaseEnable)
)

// Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset>>4.
const (
	regID      = 0x020
	regVersion = 0x030
	regTPR     = 0x080
	regAPR     = 0x090
	regPPR     = 0x0A0
	regEOI     = 0x0B0
	regRRD     = 0x0C0
	regLDR     = 0x0D0
	regDFR     = 0x0E0
	regSVR     = 0x0F0
	regISR     = 0x100
	regTMR     = 0x180
	regIRR     = 0x200
	regESR     = 0x280
	regICRLow  = 0x300
	regICRHigh = 0x310
	regLVT     = 0x320 // six LVT registers, 0x10 apart
	regInitial = 0x380
	regCurrent = 0x390
	regDivide  = 0x3E0
	regSelfIPI = 0x3F0
)

// LVT indices (from regLVT) and bits.
const (
	lvtTimer = iota
	lvtThermal
	lvtPerf
	lvtLINT0
	lvtLINT1
	lvtError
	lvtCount

	lvtMasked   = 1 << 16
	lvtPeriodic = 1 << 17
	lvtTimerTSC = 1 << 18 // TSC-deadline mode: not advertised, so the timer stays idle
)

// Other register bits.
const (
	apicVersion = 0x50014 // version 0x14, six LVT entries
	svrEnable   = 1 << 8

	esrSendIllegal = 1 << 5
	esrRecvIllegal = 1 << 6

	icrVectorMask = 0xff
	icrDestLogic  = 1 << 11
	icrShortShift = 18
)

// LAPIC is the local APIC of the machine's one CPU. Its timer counts the
// machine's clock ticks (retired instructions plus idle ticks), which the
// machine passes in through Sync and Advance.
type LAPIC struct {
	// EOIBroadcast, if set, receives the vector of every EOI for a
	// level-triggered interrupt (the I/O APIC clears its remote IRR).
	EOIBroadcast func(vector uint8)

	base    uint64 // IA32_APIC_BASE
	id      uint32
	tpr     uint32
	ldr     uint32
	dfr     uint32
	svr     uint32
	esr     uint32 // readable errors
	esrNext uint32 // errors since the last ESR write
	icrLow  uint32
	icrHigh uint32
	irr     [8]uint32
	isr     [8]uint32
	tmr     [8]uint32
	lvt     [lvtCount]uint32
	timer   apicTimer
}

// NewLAPIC returns the bootstrap processor's local APIC in xAPIC mode, as
// after reset.
func NewLAPIC(id uint8) *LAPIC {
	a := &LAPIC{base: LAPICBase | apicBaseBSP | apicBaseEnable, id: uint32(id)}
	a.reset()
	return a
}

// reset is the power-on register state (also entered on a hardware disable).
func (a *LAPIC) reset() {
	a.tpr, a.ldr, a.dfr, a.svr = 0, 0, 0xffffffff, 0xff
	a.esr, a.esrNext, a.icrLow, a.icrHigh = 0, 0, 0, 0
	a.irr, a.isr, a.tmr = [8]uint32{}, [8]uint32{}, [8]uint32{}
	for i := range a.lvt {
		a.lvt[i] = lvtMasked
	}
	a.timer.stop()
	a.timer.setDivide(0, false)
}

func (a *LAPIC) enabled() bool { return a.base&apicBaseEnable != 0 }

func (a *LAPIC) x2() bool { return a.enabled() && a.base&apicBaseX2 != 0 }

// MMIOBase is the page the xAPIC registers occupy; ok is false when MMIO
// is not decoded (APIC disabled or in x2APIC mode).
func (a *LAPIC) MMIOBase() (base uint64, ok bool) {
	return a.base & apicBaseAddr, a.enabled() && !a.x2()
}

// ReadMMIO reads size bytes at offset off of the register page. The
// registers are 32 bits wide at 16-byte strides; bytes outside a register
// read 0.
func (a *LAPIC) ReadMMIO(off uint64, size int) uint64 {
	v, _ := a.read(uint32(off&0xff0), false)
	shift := (off & 0xf) * 8
	if shift >= 32 {
		return 0
	}
	return uint64(v>>shift) & sizeMask(size)
}

// WriteMMIO writes at offset off of the register page. Only aligned 32-bit
// (or wider) writes reach a register, as software must use them.
func (a *LAPIC) WriteMMIO(off uint64, size int, v uint64) {
	if off&0xf != 0 || size < 4 || off >= 0x1000 {
		return
	}
	a.write(uint32(off), uint32(v), false)
}

func sizeMask(size int) uint64 {
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(size)) - 1
}

// ReadMSR reads IA32_APIC_BASE or an x2APIC register; false means #GP.
func (a *LAPIC) ReadMSR(msr uint32) (uint64, bool) {
	if msr == MSRAPICBase {
		return a.base, true
	}
	if msr < msrX2First || msr > msrX2Last || !a.x2() {
		return 0, false
	}
	off := (msr - msrX2First) << 4
	if off == regICRLow {
		return uint64(a.icrHigh)<<32 | uint64(a.icrLow), true
	}
	if v, ok := a.read(off, true); ok {
		return uint64(v), true
	}
	return 0, false
}

// WriteMSR writes IA32_APIC_BASE or an x2APIC register; false means #GP.
func (a *LAPIC) WriteMSR(msr uint32, v uint64) bool {
	if msr == MSRAPICBase {
		return a.setBase(v)
	}
	if msr < msrX2First || msr > msrX2Last || !a.x2() {
		return false
	}
	off := (msr - msrX2First) << 4
	switch {
	case off == regICRLow:
		a.icrHigh = uint32(v >> 32)
	case v>>32 != 0:
		return false // the other x2APIC registers are 32 bits; the rest is reserved
	}
	return a.write(off, uint32(v), true)
}

// setBase writes IA32_APIC_BASE. The valid mode changes are disabled ↔
// xAPIC and xAPIC → x2APIC → disabled; disabling resets the APIC.
func (a *LAPIC) setBase(v uint64) bool {
	if v&apicBaseReserved != 0 {
		return false
	}
	v = v&^apicBaseBSP | a.base&apicBaseBSP // BSP is fixed at reset
	en, x2 := v&apicBaseEnable != 0, v&apicBaseX2 != 0
	switch {
	case x2 && !en, // x2APIC without the enable bit
		a.x2() && en && !x2, // x2APIC back to xAPIC
		!a.enabled() && x2:  // disabled straight to x2APIC
		return false
	}
	wasEnabled := a.enabled()
	a.base = v
	if wasEnabled && !en {
		a.reset()
	}
	return true
}

// read returns register off; ok is false for a register that does not
// exist (or is write-only) in the current mode.
func (a *LAPIC) read(off uint32, x2 bool) (v uint32, ok bool) {
	switch {
	case off == regID:
		if x2 {
			return a.id, true
		}
		return a.id << 24, true
	case off == regVersion:
		return apicVersion, true
	case off == regTPR:
		return a.tpr, true
	case off == regAPR:
		return 0, !x2
	case off == regPPR:
		return a.ppr(), true
	case off == regRRD:
		return 0, !x2
	case off == regLDR:
		if x2 {
			return (a.id>>4)<<16 | 1<<(a.id&0xf), true
		}
		return a.ldr, true
	case off == regDFR:
		return a.dfr, !x2
	case off == regSVR:
		return a.svr, true
	case off >= regISR && off < regISR+0x80:
		return a.isr[(off-regISR)>>4], true
	case off >= regTMR && off < regTMR+0x80:
		return a.tmr[(off-regTMR)>>4], true
	case off >= regIRR && off < regIRR+0x80:
		return a.irr[(off-regIRR)>>4], true
	case off == regESR:
		return a.esr, true
	case off == regICRLow:
		return a.icrLow, true
	case off == regICRHigh:
		return a.icrHigh, !x2
	case off >= regLVT && off < regLVT+lvtCount<<4:
		return a.lvt[(off-regLVT)>>4], true
	case off == regInitial:
		return a.timer.initial, true
	case off == regCurrent:
		return a.timer.current(a.lvt[lvtTimer]&lvtPeriodic != 0), true
	case off == regDivide:
		return a.timer.divideConfig, true
	}
	// EOI and SELF IPI are write-only; everything else is reserved.
	return 0, !x2
}

// write writes register off; false means the register cannot be written
// in x2APIC mode (#GP). xAPIC ignores writes to read-only registers.
func (a *LAPIC) write(off, v uint32, x2 bool) bool {
	switch {
	case off == regID:
		if x2 {
			return false
		}
		a.id = v >> 24
	case off == regTPR:
		a.tpr = v & 0xff
	case off == regEOI:
		if x2 && v != 0 {
			return false
		}
		a.eoi()
	case off == regLDR:
		if x2 {
			return false
		}
		a.ldr = v & 0xff000000
	case off == regDFR:
		if x2 {
			return false
		}
		a.dfr = v | 0x0fffffff
	case off == regSVR:
		a.svr = v & 0x11ff
		if v&svrEnable == 0 {
			for i := range a.lvt {
				a.lvt[i] |= lvtMasked
			}
		}
	case off == regESR:
		if x2 && v != 0 {
			return false
		}
		a.esr, a.esrNext = a.esrNext, 0
	case off == regICRLow:
		a.icrLow = v &^ (1 << 12) // delivery is instant: never send-pending
		a.sendIPI(x2)
	case off == regICRHigh:
		if x2 {
			return false
		}
		a.icrHigh = v & 0xff000000
	case off >= regLVT && off < regLVT+lvtCount<<4:
		if a.svr&svrEnable == 0 {
			v |= lvtMasked // a software-disabled APIC keeps its LVTs masked
		}
		a.lvt[(off-regLVT)>>4] = v & lvtWritable[(off-regLVT)>>4]
	case off == regInitial:
		a.timer.start(v)
	case off == regDivide:
		a.timer.setDivide(v, a.lvt[lvtTimer]&lvtPeriodic != 0)
	case off == regSelfIPI:
		if !x2 {
			return true
		}
		a.Accept(uint8(v))
	default:
		return !x2
	}
	return true
}

// lvtWritable are the writable bits of each LVT: vector, delivery mode,
// polarity, trigger, mask, and the timer's mode.
var lvtWritable = [lvtCount]uint32{
	lvtTimer:   0x700ff,
	lvtThermal: 0x107ff,
	lvtPerf:    0x107ff,
	lvtLINT0:   0x1a7ff,
	lvtLINT1:   0x1a7ff,
	lvtError:   0x100ff,
}

// TPR is the task-priority register (MOV CR8 reads TPR[7:4]).
func (a *LAPIC) TPR() uint8 { return uint8(a.tpr) }

// SetTPR writes the task-priority register.
func (a *LAPIC) SetTPR(v uint8) { a.tpr = uint32(v) }

// Sync tells the APIC the clock's current value, for timer reads and
// writes made between Advance calls.
func (a *LAPIC) Sync(now uint64) { a.timer.now = now }

// Advance moves the clock to now and fires the timer if it is due.
func (a *LAPIC) Advance(now uint64) {
	a.timer.now = now
	l := a.lvt[lvtTimer]
	if l&lvtTimerTSC != 0 || !a.timer.expire(l&lvtPeriodic != 0) {
		return
	}
	if l&lvtMasked == 0 {
		a.Accept(uint8(l))
	}
}

// NextDeadline is the clock value at which the timer next interrupts; ok
// is false if it never will (stopped, masked, or in TSC-deadline mode).
func (a *LAPIC) NextDeadline() (uint64, bool) {
	l := a.lvt[lvtTimer]
	if !a.timer.running || l&(lvtMasked|lvtTimerTSC) != 0 || !a.enabled() {
		return 0, false
	}
	return a.timer.deadline(), true
}

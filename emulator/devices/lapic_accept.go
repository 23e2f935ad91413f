package devices

import "math/bits"

// Interrupt acceptance: IRR, ISR and the priorities between them, and the
// interrupts the APIC sends itself.

// sendIPI sends the interrupt in ICR. With one CPU only a fixed interrupt
// to itself (shorthand self or all, or its own ID) has any effect.
func (a *LAPIC) sendIPI(x2 bool) {
	mode := a.icrLow >> 8 & 7
	vector := uint8(a.icrLow & icrVectorMask)
	if mode != 0 && mode != 1 { // only fixed and lowest priority are modelled
		return
	}
	if vector < 16 {
		a.error(esrSendIllegal)
		return
	}
	self := false
	switch a.icrLow >> icrShortShift & 3 {
	case 0:
		dest := a.icrHigh >> 24
		if x2 {
			dest = a.icrHigh
		}
		self = a.matches(dest, a.icrLow&icrDestLogic != 0, x2)
	case 1, 2:
		self = true
	}
	if self {
		a.Accept(vector)
	}
}

// matches reports whether destination dest names this APIC.
func (a *LAPIC) matches(dest uint32, logical, x2 bool) bool {
	broadcast := uint32(0xff)
	if x2 {
		broadcast = 0xffffffff
	}
	if dest == broadcast {
		return true
	}
	if !logical {
		return dest == a.id
	}
	if x2 {
		ldr := (a.id>>4)<<16 | 1<<(a.id&0xf)
		return dest>>16 == ldr>>16 && dest&ldr&0xffff != 0
	}
	ldr := a.ldr >> 24
	if a.dfr>>28 == 0xf { // flat model
		return dest&ldr != 0
	}
	return dest>>4 == ldr>>4 && dest&ldr&0xf != 0 // cluster model
}

// Matches reports whether an 8-bit destination from the I/O APIC names
// this APIC.
func (a *LAPIC) Matches(dest uint8, logical bool) bool {
	if dest == 0xff {
		return true
	}
	return a.matches(uint32(dest), logical, a.x2())
}

// Accept puts edge-triggered vector in IRR. Vectors below 16 are illegal:
// they set ESR and are dropped.
func (a *LAPIC) Accept(vector uint8) { a.accept(vector, false) }

// AcceptLevel puts level-triggered vector in IRR; its EOI is broadcast.
func (a *LAPIC) AcceptLevel(vector uint8) { a.accept(vector, true) }

func (a *LAPIC) accept(vector uint8, level bool) {
	if !a.enabled() {
		return
	}
	if vector < 16 {
		a.error(esrRecvIllegal)
		return
	}
	setBit(&a.irr, vector, true)
	setBit(&a.tmr, vector, level)
}

// error latches an APIC error and raises the error LVT's interrupt.
func (a *LAPIC) error(bit uint32) {
	a.esrNext |= bit
	if e := a.lvt[lvtError]; e&lvtMasked == 0 && e&0xff >= 16 {
		setBit(&a.irr, uint8(e), true)
		setBit(&a.tmr, uint8(e), false)
	}
}

// Pending returns the highest-priority requested vector if its priority
// class is above the processor priority.
func (a *LAPIC) Pending() (vector uint8, ok bool) {
	v, any := highest(&a.irr)
	if !any || !a.enabled() || uint32(v)&0xf0 <= a.ppr()&0xf0 {
		return 0, false
	}
	return v, true
}

// Ack is the CPU taking the pending interrupt: it moves from IRR to ISR.
// With nothing pending it returns the spurious vector, as an INTA would.
func (a *LAPIC) Ack() uint8 {
	v, ok := a.Pending()
	if !ok {
		return uint8(a.svr)
	}
	setBit(&a.irr, v, false)
	setBit(&a.isr, v, true)
	return v
}

// eoi retires the highest in-service interrupt.
func (a *LAPIC) eoi() {
	v, ok := highest(&a.isr)
	if !ok {
		return
	}
	setBit(&a.isr, v, false)
	if bit(&a.tmr, v) && a.EOIBroadcast != nil {
		a.EOIBroadcast(v)
	}
}

// ppr is the processor priority: TPR, or the in-service class if higher.
func (a *LAPIC) ppr() uint32 {
	isrv, _ := highest(&a.isr)
	if a.tpr&0xf0 >= uint32(isrv)&0xf0 {
		return a.tpr
	}
	return uint32(isrv) & 0xf0
}

func setBit(r *[8]uint32, v uint8, on bool) {
	if on {
		r[v>>5] |= 1 << (v & 31)
	} else {
		r[v>>5] &^= 1 << (v & 31)
	}
}

func bit(r *[8]uint32, v uint8) bool { return r[v>>5]>>(v&31)&1 != 0 }

// highest is the highest vector set in an IRR/ISR/TMR-style register.
func highest(r *[8]uint32) (uint8, bool) {
	for i := 7; i >= 0; i-- {
		if r[i] != 0 {
			return uint8(i*32 + 31 - bits.LeadingZeros32(r[i])), true
		}
	}
	return 0, false
}

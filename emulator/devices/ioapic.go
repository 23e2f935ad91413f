package devices

// IOAPICBase is the I/O APIC's MMIO page.
const IOAPICBase = 0xFEC00000

// IOAPICPins is the number of interrupt inputs.
const IOAPICPins = 24

// I/O APIC MMIO offsets and register indices.
const (
	ioRegSel = 0x00
	ioWin    = 0x10
	ioEOI    = 0x40 // version 0x20 parts have a directed-EOI register

	ioID      = 0x00
	ioVersion = 0x01
	ioArb     = 0x02
	ioRedir   = 0x10

	ioapicVersion = 0x00170020 // 24 pins, version 0x20
)

// Redirection-entry bits.
const (
	redirLogical   = 1 << 11
	redirRemoteIRR = 1 << 14
	redirLevel     = 1 << 15
	redirMasked    = 1 << 16
	redirWritable  = 0xff000000_0001afff // dest, mask, trigger, polarity, dest mode, delivery mode, vector
)

// IOAPIC routes device interrupt pins to the local APIC.
type IOAPIC struct {
	lapic *LAPIC
	sel   uint8
	id    uint32
	redir [IOAPICPins]uint64
}

// NewIOAPIC returns an I/O APIC, every pin masked, delivering to lapic.
func NewIOAPIC(lapic *LAPIC) *IOAPIC {
	io := &IOAPIC{lapic: lapic}
	for i := range io.redir {
		io.redir[i] = redirMasked
	}
	return io
}

// ReadMMIO reads size bytes at offset off of the register page.
func (io *IOAPIC) ReadMMIO(off uint64, size int) uint64 {
	var v uint32
	switch off &^ 3 {
	case ioRegSel:
		v = uint32(io.sel)
	case ioWin:
		v = io.read()
	}
	return uint64(v>>(8*(off&3))) & sizeMask(size)
}

// WriteMMIO writes at offset off of the register page. IOREGSEL takes any
// size at its start; IOWIN and EOI need a whole 32-bit write.
func (io *IOAPIC) WriteMMIO(off uint64, size int, v uint64) {
	switch {
	case off == ioRegSel:
		io.sel = uint8(v)
	case off == ioWin && size >= 4:
		io.write(uint32(v))
	case off == ioEOI && size >= 4:
		io.EOI(uint8(v))
	}
}

func (io *IOAPIC) read() uint32 {
	switch r := io.sel; {
	case r == ioID, r == ioArb:
		return io.id
	case r == ioVersion:
		return ioapicVersion
	case r >= ioRedir && r < ioRedir+2*IOAPICPins:
		return uint32(io.redir[(r-ioRedir)/2] >> (32 * (r & 1)))
	}
	return 0
}

func (io *IOAPIC) write(v uint32) {
	r := io.sel
	switch {
	case r == ioID:
		io.id = v & 0x0f000000
	case r >= ioRedir && r < ioRedir+2*IOAPICPins:
		e := &io.redir[(r-ioRedir)/2]
		shift := 32 * uint64(r&1)
		keep := ^(uint64(0xffffffff)<<shift)&redirWritable | redirRemoteIRR
		*e = *e&keep | uint64(v)<<shift&redirWritable
		if *e&redirLevel == 0 {
			*e &^= redirRemoteIRR // remote IRR means nothing for edge entries
		}
	}
}

// Raise is a rising edge on pin: its entry's vector goes to the local APIC
// unless masked. A level-triggered entry delivers on assertion and then
// waits for the EOI before delivering again.
func (io *IOAPIC) Raise(pin int) {
	if pin < 0 || pin >= IOAPICPins {
		return
	}
	e := &io.redir[pin]
	mode := *e >> 8 & 7
	if *e&redirMasked != 0 || mode > 1 { // only fixed and lowest priority are modelled
		return
	}
	if !io.lapic.Matches(uint8(*e>>56), *e&redirLogical != 0) {
		return
	}
	if *e&redirLevel == 0 {
		io.lapic.Accept(uint8(*e))
		return
	}
	if *e&redirRemoteIRR == 0 {
		*e |= redirRemoteIRR
		io.lapic.AcceptLevel(uint8(*e))
	}
}

// EOI clears remote IRR of the level-triggered entries using vector.
func (io *IOAPIC) EOI(vector uint8) {
	for i := range io.redir {
		if e := &io.redir[i]; *e&redirLevel != 0 && uint8(*e) == vector {
			*e &^= redirRemoteIRR
		}
	}
}

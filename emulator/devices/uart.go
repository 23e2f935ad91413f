package devices

import "io"

// COM1 is the UART's first I/O port; it decodes eight (COM1..COM1+7).
const COM1 = 0x3F8

// UART register offsets from the base port.
const (
	uartData = 0 // RBR (read), THR (write); DLL when LCR.DLAB
	uartIER  = 1 // DLM when LCR.DLAB
	uartIIR  = 2 // IIR (read), FCR (write)
	uartLCR  = 3
	uartMCR  = 4
	uartLSR  = 5
	uartMSR  = 6
	uartSCR  = 7
)

// Register bits.
const (
	ierRx    = 1 << 0 // ERBFI: received data available
	ierTx    = 1 << 1 // ETBEI: transmit holding register empty
	ierLine  = 1 << 2 // ELSI: receiver line status
	ierModem = 1 << 3 // EDSSI: modem status

	lcrDLAB = 1 << 7

	mcrDTR      = 1 << 0
	mcrRTS      = 1 << 1
	mcrOUT1     = 1 << 2
	mcrOUT2     = 1 << 3
	mcrLoopback = 1 << 4

	lsrDR   = 1 << 0
	lsrOE   = 1 << 1
	lsrTHRE = 1 << 5
	lsrTEMT = 1 << 6

	fcrEnable  = 1 << 0
	fcrClearRx = 1 << 1
)

// uartFIFO is the 16550's receive FIFO depth. Bytes from Input are not
// counted against it (the host side is flow-controlled and loses nothing);
// bytes looped back into a full FIFO overrun it.
const uartFIFO = 16

// UART is a 16550A on COM1. Transmission is instantaneous, so the transmit
// holding register is always empty.
type UART struct {
	out io.Writer
	irq func() // the interrupt line's rising edge

	rx       []byte
	ier      uint8
	lcr      uint8
	mcr      uint8
	lsrErr   uint8 // latched line-status errors (OE), cleared by reading LSR
	msrDelta uint8 // MSR bits 0-3, cleared by reading MSR
	scr      uint8
	fcr      uint8
	dll, dlm uint8
	threPend bool // THRE interrupt pending: cleared by IIR read or THR write
	lineHigh bool
	// drivesRTS is set once the guest drops RTS it had raised: it uses RTS
	// as flow control, asserting it while it wants input.
	drivesRTS bool
}

// NewUART returns a UART that transmits to out and calls irq when its
// interrupt output rises.
func NewUART(out io.Writer, irq func()) *UART {
	return &UART{out: out, irq: irq, dll: 12}
}

// WantsInput reports whether the guest is ready to receive: RTS asserted,
// for a guest that uses RTS as flow control; always for one that does not.
func (u *UART) WantsInput() bool { return !u.drivesRTS || u.mcr&mcrRTS != 0 }

// Pending is the count of received bytes the guest has not read yet.
func (u *UART) Pending() int { return len(u.rx) }

// Input queues bytes received from the host.
func (u *UART) Input(b []byte) {
	u.rx = append(u.rx, b...)
	u.update()
}

// Read reads register reg (0-7); other offsets read all ones.
func (u *UART) Read(reg uint8) uint8 {
	dlab := u.lcr&lcrDLAB != 0
	switch reg {
	case uartData:
		if dlab {
			return u.dll
		}
		var b uint8
		if len(u.rx) > 0 {
			b = u.rx[0]
			u.rx = u.rx[1:]
		}
		u.update()
		return b
	case uartIER:
		if dlab {
			return u.dlm
		}
		return u.ier
	case uartIIR:
		iir := u.iir()
		if iir&0x0f == 0x02 { // reading IIR clears a reported THRE interrupt
			u.threPend = false
			u.update()
		}
		return iir
	case uartLCR:
		return u.lcr
	case uartMCR:
		return u.mcr
	case uartLSR:
		lsr := u.lsr()
		u.lsrErr = 0
		u.update()
		return lsr
	case uartMSR:
		msr := u.msr()
		u.msrDelta = 0
		u.update()
		return msr
	case uartSCR:
		return u.scr
	}
	return 0xff
}

// Write writes register reg (0-7); other offsets are ignored.
func (u *UART) Write(reg, v uint8) {
	dlab := u.lcr&lcrDLAB != 0
	switch reg {
	case uartData:
		if dlab {
			u.dll = v
			return
		}
		u.threPend = false
		u.update()
		u.transmit(v)
		u.threPend = true // the byte is gone at once: THR empty again
	case uartIER:
		if dlab {
			u.dlm = v
			return
		}
		if v&ierTx != 0 && u.ier&ierTx == 0 {
			u.threPend = true // the 16550 interrupts when ETBEI is set with THR empty
		}
		u.ier = v & 0x0f
	case uartIIR:
		if (v^u.fcr)&fcrEnable != 0 || v&fcrClearRx != 0 {
			u.rx = nil // toggling FIFO mode or the clear bit empties it
		}
		u.fcr = v & 0xc9
	case uartLCR:
		u.lcr = v
	case uartMCR:
		u.setMCR(v & 0x1f)
	case uartSCR:
		u.scr = v
	}
	u.update()
}

func (u *UART) transmit(b byte) {
	if u.mcr&mcrLoopback == 0 {
		u.out.Write([]byte{b}) // a failing console must not stop the guest
		return
	}
	if len(u.rx) >= uartFIFO {
		u.lsrErr |= lsrOE
		return
	}
	u.rx = append(u.rx, b)
}

// setMCR records a changed modem status input as a delta bit, since in
// loopback the MCR outputs drive the MSR inputs.
func (u *UART) setMCR(v uint8) {
	old := u.msr() >> 4
	if u.mcr&mcrRTS != 0 && v&mcrRTS == 0 {
		u.drivesRTS = true
	}
	u.mcr = v
	now := u.msr() >> 4
	changed := old ^ now
	u.msrDelta |= changed & 0x0b // DCTS, DDSR, DDCD
	if old&0x04 != 0 && now&0x04 == 0 {
		u.msrDelta |= 0x04 // TERI: RI went inactive
	}
}

func (u *UART) lsr() uint8 {
	v := uint8(lsrTHRE|lsrTEMT) | u.lsrErr
	if len(u.rx) > 0 {
		v |= lsrDR
	}
	return v
}

// msr is the modem status: outside loopback the modem lines say a
// terminal is present (CTS, DSR, DCD).
func (u *UART) msr() uint8 {
	in := uint8(0xb0)
	if u.mcr&mcrLoopback != 0 {
		in = 0
		if u.mcr&mcrRTS != 0 {
			in |= 0x10
		}
		if u.mcr&mcrDTR != 0 {
			in |= 0x20
		}
		if u.mcr&mcrOUT1 != 0 {
			in |= 0x40
		}
		if u.mcr&mcrOUT2 != 0 {
			in |= 0x80
		}
	}
	return in | u.msrDelta
}

// iir is the highest-priority pending interrupt, with the FIFO-enabled bits.
func (u *UART) iir() uint8 {
	var id uint8 = 0x01 // none pending
	switch {
	case u.ier&ierLine != 0 && u.lsrErr != 0:
		id = 0x06
	case u.ier&ierRx != 0 && len(u.rx) > 0:
		id = 0x04
	case u.ier&ierTx != 0 && u.threPend:
		id = 0x02
	case u.ier&ierModem != 0 && u.msrDelta != 0:
		id = 0x00
	}
	if u.fcr&fcrEnable != 0 {
		id |= 0xc0
	}
	return id
}

// update drives the interrupt line: OUT2 gates it, as on the PC, and the
// I/O APIC sees only its rising edge.
func (u *UART) update() {
	high := u.mcr&mcrOUT2 != 0 && u.iir()&0x01 == 0
	if high && !u.lineHigh {
		u.irq()
	}
	u.lineHigh = high
}

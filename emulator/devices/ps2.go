package devices

// PS/2 controller ports.
const (
	PS2Data   = 0x60
	PS2Status = 0x64
)

// Status and configuration bits.
const (
	ps2StatOBF      = 1 << 0
	ps2StatSys      = 1 << 2
	ps2StatCmd      = 1 << 3 // the last write went to the command port
	ps2StatUnlocked = 1 << 4

	ps2CfgIRQ1   = 1 << 0
	ps2CfgSys    = 1 << 2
	ps2CfgKbdOff = 1 << 4
	ps2CfgAuxOff = 1 << 5
)

// ps2ResetConfig has the keyboard interrupt on and the system flag set, as
// firmware leaves it. Translation (bit 6) is stored but not applied: the
// bytes Key injects are the bytes the guest reads.
const ps2ResetConfig = ps2CfgIRQ1 | ps2CfgSys

// PS2 is an 8042 keyboard controller with a keyboard on its first port and
// nothing on its second.
type PS2 struct {
	irq func() // IRQ1's rising edge

	ctrl     []byte // controller replies, read before keyboard bytes
	kbd      []byte // bytes from the keyboard
	last     byte   // the output buffer keeps its last byte once read
	config   byte
	outPort  byte
	cmd      byte // controller command waiting for its data byte
	kbdCmd   byte // keyboard command waiting for its parameter
	scanning bool
	scanSet  byte
	lastCmd  bool
	line     bool // IRQ1: output buffer full and the interrupt enabled
}

// NewPS2 returns a controller that calls irq when a byte becomes readable
// with the keyboard interrupt enabled.
func NewPS2(irq func()) *PS2 {
	return &PS2{irq: irq, config: ps2ResetConfig, outPort: 0x01, scanning: true, scanSet: 2}
}

// Key injects bytes from the keyboard; a keyboard told to stop scanning
// (0xF5) drops them.
func (p *PS2) Key(scancodes []byte) {
	if p.scanning {
		p.kbd = append(p.kbd, scancodes...)
		p.update()
	}
}

// Read reads port 0x60 or 0x64; other ports read all ones.
func (p *PS2) Read(port uint16) uint8 {
	switch port {
	case PS2Status:
		s := byte(ps2StatUnlocked)
		if p.readable() {
			s |= ps2StatOBF
		}
		if p.config&ps2CfgSys != 0 {
			s |= ps2StatSys
		}
		if p.lastCmd {
			s |= ps2StatCmd
		}
		return s
	case PS2Data:
		switch {
		case len(p.ctrl) > 0:
			p.last, p.ctrl = p.ctrl[0], p.ctrl[1:]
		case p.readable():
			p.last, p.kbd = p.kbd[0], p.kbd[1:]
		}
		p.line = false // the buffer emptied; a next byte refills it
		p.update()
		return p.last
	}
	return 0xff
}

// Write writes port 0x60 (data) or 0x64 (command); other ports are ignored.
func (p *PS2) Write(port uint16, v uint8) {
	switch port {
	case PS2Status:
		p.lastCmd = true
		p.command(v)
	case PS2Data:
		p.lastCmd = false
		if c := p.cmd; c != 0 {
			p.cmd = 0
			p.commandData(c, v)
		} else {
			p.keyboard(v)
		}
	}
	p.update()
}

// command runs a controller command written to port 0x64.
func (p *PS2) command(c byte) {
	switch c {
	case 0x20:
		p.reply(p.config)
	case 0x60, 0xD1, 0xD2, 0xD3, 0xD4:
		p.cmd = c
	case 0xA7:
		p.config |= ps2CfgAuxOff
	case 0xA8:
		p.config &^= ps2CfgAuxOff
	case 0xA9, 0xAB: // port tests: no fault
		p.reply(0x00)
	case 0xAA:
		p.config |= ps2CfgSys
		p.reply(0x55)
	case 0xAD:
		p.config |= ps2CfgKbdOff
	case 0xAE:
		p.config &^= ps2CfgKbdOff
	case 0xD0:
		p.reply(p.outPort)
	}
}

// commandData takes the data byte of controller command c.
func (p *PS2) commandData(c, v byte) {
	switch c {
	case 0x60:
		p.config = v
	case 0xD1:
		p.outPort = v
	case 0xD2: // as if from the keyboard
		p.kbd = append(p.kbd, v)
	}
	// 0xD3 and 0xD4 address the absent auxiliary device.
}

// keyboard runs a byte sent to the keyboard.
func (p *PS2) keyboard(v byte) {
	if c := p.kbdCmd; c != 0 {
		p.kbdCmd = 0
		switch {
		case c != 0xF0:
			p.send(0xFA)
		case v == 0:
			p.send(0xFA, p.scanSet)
		case v <= 3:
			p.scanSet = v
			p.send(0xFA)
		default:
			p.send(0xFE) // resend: bad parameter
		}
		return
	}
	switch v {
	case 0xFF:
		p.kbd = nil
		p.scanning, p.scanSet = true, 2
		p.send(0xFA, 0xAA)
	case 0xF4:
		p.scanning = true
		p.send(0xFA)
	case 0xF5:
		p.scanning = false
		p.send(0xFA)
	case 0xEE:
		p.send(0xEE)
	case 0xF2:
		p.send(0xFA, 0xAB, 0x83)
	case 0xF0, 0xED, 0xF3: // scan set, LEDs, typematic: a parameter follows
		p.kbdCmd = v
		p.send(0xFA)
	default:
		p.send(0xFA)
	}
}

func (p *PS2) reply(b byte) { p.ctrl = append(p.ctrl, b) }

func (p *PS2) send(b ...byte) { p.kbd = append(p.kbd, b...) }

// readable reports whether the output buffer is full: a controller reply,
// or a keyboard byte while the keyboard port is enabled.
func (p *PS2) readable() bool {
	return len(p.ctrl) > 0 || len(p.kbd) > 0 && p.config&ps2CfgKbdOff == 0
}

// update raises IRQ1 when the output buffer fills with the interrupt on.
func (p *PS2) update() {
	high := p.readable() && p.config&ps2CfgIRQ1 != 0
	if high && !p.line {
		p.irq()
	}
	p.line = high
}

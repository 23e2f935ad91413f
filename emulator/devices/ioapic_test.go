package devices

import "testing"

func ioWrite(io *IOAPIC, reg uint8, v uint32) {
	io.WriteMMIO(ioRegSel, 4, uint64(reg))
	io.WriteMMIO(ioWin, 4, uint64(v))
}

func ioRead(io *IOAPIC, reg uint8) uint32 {
	io.WriteMMIO(ioRegSel, 4, uint64(reg))
	return uint32(io.ReadMMIO(ioWin, 4))
}

func TestIOAPICRegisters(t *testing.T) {
	io := NewIOAPIC(NewLAPIC(0))
	ioWrite(io, ioID, 0xffffffff)
	ioWrite(io, ioVersion, 0)
	ioWrite(io, ioRedir+2, 0xffffffff)
	ioWrite(io, ioRedir+3, 0xffffffff)
	tests := []struct {
		reg  uint8
		want uint32
	}{
		{ioID, 0x0f000000},
		{ioArb, 0x0f000000},
		{ioVersion, ioapicVersion},
		{ioRedir, redirMasked},                // pin 0 at reset
		{ioRedir + 1, 0},                      // its destination
		{ioRedir + 2, 0x1afff},                // pin 1: delivery status and remote IRR are read-only
		{ioRedir + 3, 0xff000000},             // pin 1 destination
		{ioRedir + 2*IOAPICPins - 2, 0x10000}, // last pin
		{ioRedir + 2*IOAPICPins, 0},           // beyond the last pin
	}
	for _, tt := range tests {
		if got := ioRead(io, tt.reg); got != tt.want {
			t.Errorf("register %#x = %#x, want %#x", tt.reg, got, tt.want)
		}
	}
	io.WriteMMIO(ioRegSel, 1, 0x01)
	if got := io.ReadMMIO(ioWin+2, 1); got != 0x17 {
		t.Errorf("byte read of version bits 16-23 = %#x, want 0x17", got)
	}
	if got := io.ReadMMIO(ioRegSel, 4); got != 1 {
		t.Errorf("IOREGSEL = %#x, want 1", got)
	}
}

func TestIOAPICDelivery(t *testing.T) {
	tests := []struct {
		name  string
		low   uint32 // pin 4's redirection entry
		high  uint32
		raise int     // times pin 4 is raised
		eoi   bool    // take, EOI and raise once more
		want  []uint8 // vectors the CPU takes, in order
	}{
		{"edge", 0x24, 0, 1, false, []uint8{0x24}},
		{"masked at reset", redirMasked | 0x24, 0, 1, false, nil},
		{"edges coalesce in IRR", 0x24, 0, 3, false, []uint8{0x24}},
		{"lowest priority", 1<<8 | 0x24, 0, 1, false, []uint8{0x24}},
		{"NMI not modelled", 4<<8 | 0x24, 0, 1, false, nil},
		{"other destination", 0x24, 1 << 24, 1, false, nil},
		{"broadcast destination", 0x24, 0xff << 24, 1, false, []uint8{0x24}},
		{"logical destination", redirLogical | 0x24, 1 << 24, 1, false, []uint8{0x24}},
		{"level waits for EOI", redirLevel | 0x30, 0, 2, true, []uint8{0x30, 0x30}},
		{"edge after EOI", 0x30, 0, 1, true, []uint8{0x30, 0x30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lapic := NewLAPIC(0)
			lapic.WriteMMIO(regDFR, 4, 0xffffffff)
			lapic.WriteMMIO(regLDR, 4, 1<<24)
			io := NewIOAPIC(lapic)
			lapic.EOIBroadcast = io.EOI
			ioWrite(io, ioRedir+9, tt.high)
			ioWrite(io, ioRedir+8, tt.low)
			var got []uint8
			take := func() {
				for _, ok := lapic.Pending(); ok; _, ok = lapic.Pending() {
					got = append(got, lapic.Ack())
				}
			}
			for range tt.raise {
				io.Raise(4)
			}
			take()
			if tt.eoi {
				lapic.WriteMMIO(regEOI, 4, 0)
				io.Raise(4)
				take()
			}
			io.Raise(-1)
			io.Raise(IOAPICPins)
			if string(got) != string(tt.want) {
				t.Errorf("vectors taken %#x, want %#x", got, tt.want)
			}
		})
	}
}

func TestIOAPICRemoteIRR(t *testing.T) {
	lapic := NewLAPIC(0)
	io := NewIOAPIC(lapic)
	ioWrite(io, ioRedir+2, redirLevel|0x31)
	io.Raise(1)
	if ioRead(io, ioRedir+2)&redirRemoteIRR == 0 {
		t.Fatal("remote IRR clear after a level-triggered delivery")
	}
	io.WriteMMIO(ioEOI, 4, 0x31)
	if ioRead(io, ioRedir+2)&redirRemoteIRR != 0 {
		t.Fatal("remote IRR set after the EOI register write")
	}
}

package machine

import (
	"testing"

	"github.com/twinstep/twinstep/emulator/devices"
)

func TestPage(t *testing.T) {
	m, err := newMachine(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pa   uint64
		want bool
	}{
		{0, true},
		{0x9ffff, true},
		{0xa0000, false},
		{0xfffff, false},
		{0x100000, true},
		{0x1fffff, true},
		{0x200000, false},
		{devices.LAPICBase, false},
		{^uint64(0), false},
	}
	for _, tt := range tests {
		p := m.Page(tt.pa)
		if (p != nil) != tt.want {
			t.Errorf("Page(%#x) present=%v, want %v", tt.pa, p != nil, tt.want)
		}
		if p != nil && &p[0] != &m.ram[tt.pa&^0xfff] {
			t.Errorf("Page(%#x) is not the RAM page", tt.pa)
		}
	}
}

func TestPorts(t *testing.T) {
	m, err := newMachine(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Out(devices.COM1+7, 1, 0x5a) // UART scratch register
	tests := []struct {
		port uint16
		size int
		want uint32
	}{
		{0x20, 1, 0xff}, // no 8259 PIC
		{0xa1, 1, 0xff},
		{0x80, 4, 0xffffffff},
		{devices.COM1 + 7, 1, 0x5a},
		{devices.COM1 + 5, 2, 0xb060}, // LSR and MSR in one access
		{devices.COM1 + 7, 2, 0xff5a}, // past the UART
		{devices.PS2Status, 1, 0x14},
		{0xffff, 2, 0xffff}, // wraps to port 0
	}
	for _, tt := range tests {
		if got := m.In(tt.port, tt.size); got != tt.want {
			t.Errorf("In(%#x, %d) = %#x, want %#x", tt.port, tt.size, got, tt.want)
		}
	}
	m.Out(devices.DebugExitPort, 2, 0x1234)
	if !m.debugExit.Exited || m.debugExit.Status != 0x1234 {
		t.Errorf("debug exit %+v after a 16-bit write of 0x1234", m.debugExit)
	}
}

func TestMMIO(t *testing.T) {
	m, err := newMachine(2, nil)
	if err != nil {
		t.Fatal(err)
	}
	const version = devices.LAPICBase + 0x30
	reads := []struct {
		pa   uint64
		size int
		want uint64
	}{
		{version, 4, 0x50014},
		{devices.IOAPICBase, 4, 0},                   // IOREGSEL
		{devices.IOAPICBase + 0x1000, 4, 0xffffffff}, // nothing there
		{0xfed00000, 8, ^uint64(0)},
		{0xfed00000, 1, 0xff},
	}
	for _, r := range reads {
		if got := m.ReadMMIO(r.pa, r.size); got != r.want {
			t.Errorf("ReadMMIO(%#x, %d) = %#x, want %#x", r.pa, r.size, got, r.want)
		}
	}
	m.WriteMMIO(0xfed00000, 4, 1) // ignored
	m.WriteMMIO(devices.IOAPICBase, 4, 1)
	m.WriteMMIO(devices.LAPICBase+0x80, 4, 0x20)
	if m.TPR() != 0x20 {
		t.Errorf("TPR %#x after an MMIO write of 0x20", m.TPR())
	}
	if got := m.ReadMMIO(devices.IOAPICBase+0x10, 4); got != 0x00170020 {
		t.Errorf("I/O APIC version %#x", got)
	}
	// In x2APIC mode the xAPIC page is gone and the MSRs answer.
	if _, ok := m.ReadMSR(0x803); ok {
		t.Error("x2APIC MSR readable in xAPIC mode")
	}
	if !m.WriteMSR(devices.MSRAPICBase, devices.LAPICBase|0xd00) {
		t.Fatal("cannot enable x2APIC")
	}
	if got := m.ReadMMIO(version, 4); got != 0xffffffff {
		t.Errorf("xAPIC page read %#x in x2APIC mode", got)
	}
	if v, ok := m.ReadMSR(0x803); !ok || v != 0x50014 {
		t.Errorf("x2APIC version MSR %#x, %v", v, ok)
	}
	m.SetTPR(0x30)
	if v, _ := m.ReadMSR(0x808); v != 0x30 {
		t.Errorf("TPR MSR %#x after SetTPR(0x30)", v)
	}
}

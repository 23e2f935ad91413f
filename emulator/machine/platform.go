package machine

import "github.com/twinstep/twinstep/emulator/devices"

// portRange is a run of byte-wide I/O ports one device decodes.
type portRange struct {
	first, last uint16
	in          func(port uint16) uint8
	out         func(port uint16, v uint8)
}

func (m *Machine) portTable() []portRange {
	return []portRange{
		{devices.COM1, devices.COM1 + 7,
			func(p uint16) uint8 { return m.uart.Read(uint8(p - devices.COM1)) },
			func(p uint16, v uint8) { m.uart.Write(uint8(p-devices.COM1), v) }},
		{devices.PS2Data, devices.PS2Data, m.ps2.Read, m.ps2.Write},
		{devices.PS2Status, devices.PS2Status, m.ps2.Read, m.ps2.Write},
	}
}

func (m *Machine) port(p uint16) *portRange {
	for i := range m.ports {
		if r := &m.ports[i]; p >= r.first && p <= r.last {
			return r
		}
	}
	return nil
}

// In implements cpu.Platform. A wide access reads consecutive byte ports,
// as the ISA bus splits it; unclaimed ports read all ones.
func (m *Machine) In(port uint16, size int) uint32 {
	var v uint32
	for i := range size {
		b := uint8(0xff)
		if r := m.port(port + uint16(i)); r != nil {
			b = r.in(port + uint16(i))
		}
		v |= uint32(b) << (8 * i)
	}
	return v
}

// Out implements cpu.Platform. The debug-exit port takes the whole value.
func (m *Machine) Out(port uint16, size int, v uint32) {
	if port == devices.DebugExitPort {
		m.debugExit.Write(v)
		return
	}
	for i := range size {
		if r := m.port(port + uint16(i)); r != nil {
			r.out(port+uint16(i), uint8(v>>(8*i)))
		}
	}
}

// mmio is the device whose MMIO page holds pa, with pa's offset in it.
func (m *Machine) mmio(pa uint64) (dev interface {
	ReadMMIO(off uint64, size int) uint64
	WriteMMIO(off uint64, size int, v uint64)
}, off uint64) {
	page, off := pa&^0xfff, pa&0xfff
	if base, ok := m.lapic.MMIOBase(); ok && page == base {
		m.lapic.Sync(m.now()) // timer reads and writes happen now
		return m.lapic, off
	}
	if page == devices.IOAPICBase {
		return m.ioapic, off
	}
	return nil, 0
}

// ReadMMIO implements cpu.Platform; unclaimed addresses read all ones.
func (m *Machine) ReadMMIO(pa uint64, size int) uint64 {
	if dev, off := m.mmio(pa); dev != nil {
		return dev.ReadMMIO(off, size)
	}
	if size >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*uint(size)) - 1
}

// WriteMMIO implements cpu.Platform; unclaimed addresses ignore writes.
func (m *Machine) WriteMMIO(pa uint64, size int, v uint64) {
	if dev, off := m.mmio(pa); dev != nil {
		dev.WriteMMIO(off, size, v)
	}
}

// ReadMSR implements cpu.Platform: IA32_APIC_BASE and the x2APIC MSRs.
func (m *Machine) ReadMSR(msr uint32) (uint64, bool) {
	m.lapic.Sync(m.now())
	return m.lapic.ReadMSR(msr)
}

// WriteMSR implements cpu.Platform.
func (m *Machine) WriteMSR(msr uint32, v uint64) bool {
	m.lapic.Sync(m.now())
	return m.lapic.WriteMSR(msr, v)
}

// TPR implements cpu.Platform (MOV CR8).
func (m *Machine) TPR() uint8 { return m.lapic.TPR() }

// SetTPR implements cpu.Platform (MOV CR8).
func (m *Machine) SetTPR(v uint8) { m.lapic.SetTPR(v) }

package devices

import (
	"encoding/binary"
	"io"
	"testing"
)

// FuzzDevices drives every device with arbitrary accesses, the way a
// misbehaving guest could: none may panic.
func FuzzDevices(f *testing.F) {
	f.Add([]byte{0, 0x20, 0, 4, 1, 0, 0, 0, 0})
	f.Add([]byte{2, 0x80, 3, 8, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, ops []byte) {
		lapic := NewLAPIC(0)
		ioa := NewIOAPIC(lapic)
		lapic.EOIBroadcast = ioa.EOI
		uart := NewUART(io.Discard, func() { ioa.Raise(4) })
		ps2 := NewPS2(func() { ioa.Raise(1) })
		now := uint64(0)
		for len(ops) >= 9 {
			op, off, size := ops[0]%10, uint64(binary.LittleEndian.Uint16(ops[1:]))&0xfff, int(ops[3]%9)
			v := binary.LittleEndian.Uint64(ops[1:])
			ops = ops[9:]
			now += v & 0xffff
			switch op {
			case 0:
				lapic.Sync(now)
				lapic.WriteMMIO(off, size, v)
			case 1:
				lapic.ReadMMIO(off, size)
			case 2:
				lapic.WriteMSR(0x800|uint32(off)&0xff, v)
				lapic.WriteMSR(MSRAPICBase, v)
			case 3:
				lapic.ReadMSR(0x800 | uint32(off)&0xff)
			case 4:
				ioa.WriteMMIO(off, size, v)
				ioa.ReadMMIO(off, size)
			case 5:
				ioa.Raise(int(int8(v >> 56)))
			case 6:
				uart.Write(uint8(off), uint8(v>>24))
				uart.Read(uint8(v >> 32))
			case 7:
				uart.Input(ops[:min(len(ops), 3)])
			case 8:
				ps2.Write(uint16(off)&0x64, uint8(v>>24))
				ps2.Read(uint16(v>>32) & 0x64)
				ps2.Key([]byte{uint8(v)})
			case 9:
				lapic.Advance(now)
				lapic.NextDeadline()
				if _, ok := lapic.Pending(); ok {
					lapic.Ack()
				}
			}
		}
	})
}

package cpu

// Platform is the machine around a CPU in system mode: everything it reaches
// beyond RAM. The machine package implements it with its devices.
type Platform interface {
	// ReadMMIO and WriteMMIO reach physical addresses with no RAM. Sizes are
	// 1, 2, 4 or 8; an address nothing claims reads all ones and ignores
	// writes.
	ReadMMIO(pa uint64, size int) uint64
	WriteMMIO(pa uint64, size int, v uint64)
	// In and Out are the I/O ports (size 1, 2 or 4); an unclaimed port reads
	// all ones and ignores writes.
	In(port uint16, size int) uint32
	Out(port uint16, size int, v uint32)
	// ReadMSR and WriteMSR reach the MSRs the CPU does not hold itself (the
	// x2APIC range). false means there is no such MSR, or the write is not
	// allowed: the CPU raises #GP.
	ReadMSR(msr uint32) (uint64, bool)
	WriteMSR(msr uint32, v uint64) bool
	// TPR and SetTPR are the local APIC's task-priority register, which MOV
	// CR8 reads and writes (CR8 = TPR[7:4]).
	TPR() uint8
	SetTPR(v uint8)
}

// NewSystem returns a CPU in system mode on bus and platform: linear
// addresses go through the guest's page tables when CR0.PG is set, and
// exceptions and interrupts are delivered through the guest IDT instead of
// stopping Run. Its state is the one SetState gives it.
func NewSystem(bus Bus, p Platform) *CPU {
	c := New(bus)
	c.platform = p
	return c
}

package devices

// DebugExitPort is the I/O port of the debug-exit device.
const DebugExitPort = 0xF4

// DebugExit is QEMU's isa-debug-exit: a write of v asks the machine to stop
// with status v.
type DebugExit struct {
	Exited bool
	Status uint32
}

// Write records a write of v (any size).
func (d *DebugExit) Write(v uint32) {
	d.Exited = true
	d.Status = v
}

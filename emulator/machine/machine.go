// Package machine is the twinstep PC (docs/BOOT.md): RAM, one system-mode
// CPU and the devices, with the loop that runs them.
package machine

import (
	"fmt"
	"io"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator/boot"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/devices"
)

// The legacy hole below 1 MiB is not RAM, and RAM stays below the MMIO
// devices at the top of the 4 GiB space.
const (
	holeStart    = 0xA0000
	holeEnd      = 0x100000
	defaultMiB   = 128
	maxMiB       = 3072
	ioapicPinCOM = 4
	ioapicPinKbd = 1
)

// Config describes a machine to build.
type Config struct {
	Kernel, Initrd []byte
	Cmdline        string
	MemoryMiB      int       // 0 means 128
	Console        io.Writer // the UART's output; nil discards it
	// Script is serial input typed at deterministic points: the next line
	// (through its CR or LF) arrives when the CPU halts with the UART's
	// receive buffer empty, that is when the guest idles waiting for it.
	// The same kernel and script give the same run, instruction for
	// instruction.
	Script []byte
	// CPU is the profile for what the SDM leaves undefined; nil is
	// cpu.DefaultProfile.
	CPU *cpu.Profile
	// UnimplementedUD makes an instruction the emulator lacks raise #UD in
	// the guest, logged to Log, instead of ending the run (Unimplemented,
	// the default, which the harness and the tests need).
	UnimplementedUD bool
	// Log receives the machine's notes on such events; nil discards them.
	Log io.Writer
}

// Machine is the whole emulated PC.
type Machine struct {
	// Interactive makes a halted CPU with nothing else to wake it wait for
	// SendSerial or SendKeys instead of ending the run.
	Interactive bool

	ram     []byte
	cpu     *cpu.CPU
	idle    uint64 // clock ticks spent halted
	console *consoleWriter

	uart      *devices.UART
	ps2       *devices.PS2
	ioapic    *devices.IOAPIC
	lapic     *devices.LAPIC
	debugExit devices.DebugExit
	ports     []portRange

	input  input
	script script

	unimplementedUD bool
	log             io.Writer
}

// New builds a machine and loads the kernel into it.
func New(cfg Config) (*Machine, error) {
	m, err := newMachine(cfg.MemoryMiB, cfg.Console)
	if err != nil {
		return nil, err
	}
	m.script.rest = cfg.Script
	m.cpu.SetProfile(cfg.CPU)
	m.unimplementedUD = cfg.UnimplementedUD
	if cfg.Log != nil {
		m.log = cfg.Log
	}
	s, err := boot.Load(m.ram, cfg.Kernel, cfg.Initrd, cfg.Cmdline)
	if err != nil {
		return nil, err
	}
	m.setState(&s)
	return m, nil
}

// newMachine builds a machine with empty RAM and the CPU in its default state.
func newMachine(mib int, console io.Writer) (*Machine, error) {
	if mib == 0 {
		mib = defaultMiB
	}
	if mib < 2 || mib > maxMiB {
		return nil, fmt.Errorf("memory size %d MiB: must be 2 to %d MiB", mib, maxMiB)
	}
	if console == nil {
		console = io.Discard
	}
	m := &Machine{console: &consoleWriter{w: console}, log: io.Discard}
	m.ram = newRAM(m, mib<<20)
	m.lapic = devices.NewLAPIC(0)
	m.ioapic = devices.NewIOAPIC(m.lapic)
	m.lapic.EOIBroadcast = m.ioapic.EOI
	m.uart = devices.NewUART(m.console, func() { m.ioapic.Raise(ioapicPinCOM) })
	m.ps2 = devices.NewPS2(func() { m.ioapic.Raise(ioapicPinKbd) })
	m.ports = m.portTable()
	m.input.wake = make(chan struct{}, 1)
	m.cpu = cpu.NewSystem(m, m)
	return m, nil
}

// setState starts the CPU at s, with IA32_APIC_BASE as the APIC has it.
func (m *Machine) setState(s *arch.State) {
	s.MSR.APICBase, _ = m.lapic.ReadMSR(devices.MSRAPICBase)
	m.cpu.SetState(s)
}

// CPU is the machine's processor.
func (m *Machine) CPU() *cpu.CPU { return m.cpu }

// Instructions is the number of instructions retired since boot.
func (m *Machine) Instructions() uint64 { return m.cpu.Retired }

// Page implements cpu.Bus: RAM pages, nil for the hole and beyond RAM.
func (m *Machine) Page(pa uint64) *[4096]byte {
	if pa >= uint64(len(m.ram)) || pa >= holeStart && pa < holeEnd {
		return nil
	}
	return (*[4096]byte)(m.ram[pa&^0xfff:])
}

// now is the clock the local APIC timer counts: retired instructions plus
// the ticks skipped while halted.
func (m *Machine) now() uint64 { return m.cpu.Retired + m.idle }

// consoleWriter keeps the first error writing the console, which ends the
// run: the guest cannot see it.
type consoleWriter struct {
	w   io.Writer
	err error
}

func (c *consoleWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.err = fmt.Errorf("console: %w", err)
	}
	return n, err
}

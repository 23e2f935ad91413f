package machine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/arch"
)

// The test machine's layout: identity-mapped page tables for [0, 4 GiB)
// with 2 MiB pages, a GDT, an IDT, a stack, the program at codeAt and the
// interrupt handlers 4 KiB apart from handlersAt.
const (
	pml4At     = 0x1000
	pdptAt     = 0x2000
	pdAt       = 0x3000 // four page directories
	gdtAt      = 0x7000
	idtAt      = 0x8000
	stackTop   = 0x80000
	codeAt     = 0x100000
	handlersAt = 0x110000
)

// newTestMachine builds a 16 MiB machine without the boot loader, running
// code at CPL 0 in 64-bit mode with interrupts off; handlers maps vectors
// to their code.
func newTestMachine(t *testing.T, console *bytes.Buffer, code []byte, handlers map[uint8][]byte) *Machine {
	t.Helper()
	m, err := newMachine(16, console)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	le.PutUint64(m.ram[pml4At:], pdptAt|3)
	for i := range uint64(4) {
		le.PutUint64(m.ram[pdptAt+8*i:], pdAt+0x1000*i|3)
	}
	for i := range uint64(4 * 512) {
		le.PutUint64(m.ram[pdAt+8*i:], i<<21|0x83) // present, writable, 2 MiB
	}
	le.PutUint64(m.ram[gdtAt+8:], 0x00af9b000000ffff)  // 0x08: 64-bit code
	le.PutUint64(m.ram[gdtAt+16:], 0x00cf93000000ffff) // 0x10: data
	copy(m.ram[codeAt:], code)
	i := uint64(0)
	for vector, h := range handlers {
		at := handlersAt + 0x1000*i
		copy(m.ram[at:], h)
		gate := m.ram[idtAt+16*uint64(vector):]
		le.PutUint16(gate[0:], uint16(at))
		le.PutUint16(gate[2:], 0x08)
		gate[5] = 0x8e // present interrupt gate, DPL 0
		le.PutUint16(gate[6:], uint16(at>>16))
		le.PutUint32(gate[8:], uint32(at>>32))
		i++
	}

	s := arch.Flat64()
	s.CPL = 0
	s.RFLAGS = arch.FlagsFixed
	s.RIP = codeAt
	s.GPR[arch.RSP] = stackTop
	code64 := arch.Segment{Selector: 0x08, Limit: 0xffffffff, Attr: 0xa09b}
	data := arch.Segment{Selector: 0x10, Limit: 0xffffffff, Attr: 0xc093}
	s.Seg = [6]arch.Segment{arch.ES: data, arch.CS: code64, arch.SS: data, arch.DS: data}
	s.CR0 = arch.CR0PE | arch.CR0PG | arch.CR0WP | arch.CR0ET | arch.CR0NE | arch.CR0MP
	s.CR4 = arch.CR4PAE | arch.CR4OSFXSR | arch.CR4OSXMMEXCPT
	s.EFER = arch.EFERLME | arch.EFERLMA | arch.EFERNXE
	s.CR3 = pml4At
	s.GDTR = arch.DescriptorTable{Base: gdtAt, Limit: 23}
	s.IDTR = arch.DescriptorTable{Base: idtAt, Limit: 256*16 - 1}
	m.setState(&s)
	return m
}

// Guest programs (Intel syntax; assembled with GNU as).
var (
	// mov dx,0xf4; mov eax,7; out dx,eax
	progExit7 = []byte{0x66, 0xba, 0xf4, 0x00, 0xb8, 0x07, 0x00, 0x00, 0x00, 0xef}
	// mov dx,0x3f8; mov al,'h'; out dx,al; mov al,'i'; out dx,al; mov dx,0xf4; xor eax,eax; out dx,eax
	progHello = []byte{0x66, 0xba, 0xf8, 0x03, 0xb0, 0x68, 0xee, 0xb0, 0x69, 0xee, 0x66, 0xba, 0xf4, 0x00, 0x31, 0xc0, 0xef}
	// jmp .
	progSpin = []byte{0xeb, 0xfe}
	// mov dx,0x3fc; mov al,0x0b; out dx,al (DTR, RTS, OUT2); mov al,9; out dx,al (RTS dropped)
	progDropRTS = []byte{0x66, 0xba, 0xfc, 0x03, 0xb0, 0x0b, 0xee, 0xb0, 0x09, 0xee}
	// fld1: x87, which the emulator lacks
	progFld1 = []byte{0xd9, 0xe8}
	// cli; hlt
	progCliHlt = []byte{0xfa, 0xf4}
	// sti; hlt
	progStiHlt = []byte{0xfb, 0xf4}

	// LAPIC timer: mov ebx,0xfee00000; SVR=0x1ff; divide=1; LVT timer =
	// periodic vector 0x40; initial count=1000
	timerSetup = []byte{
		0xbb, 0x00, 0x00, 0xe0, 0xfe,
		0xc7, 0x83, 0xf0, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x00,
		0xc7, 0x83, 0xe0, 0x03, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00,
		0xc7, 0x83, 0x20, 0x03, 0x00, 0x00, 0x40, 0x00, 0x02, 0x00,
		0xc7, 0x83, 0x80, 0x03, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,
	}
	// sti; 1: hlt; cmp r15,5; jb 1b; mov eax,r15d; mov dx,0xf4; out dx,eax
	progTimerHlt = concat(timerSetup, []byte{0xfb, 0xf4, 0x49, 0x83, 0xff, 0x05, 0x72, 0xf9,
		0x44, 0x89, 0xf8, 0x66, 0xba, 0xf4, 0x00, 0xef})
	// sti; 1: cmp r15,3; jb 1b; mov eax,r15d; mov dx,0xf4; out dx,eax
	progTimerSpin = concat(timerSetup, []byte{0xfb, 0x49, 0x83, 0xff, 0x03, 0x72, 0xfa,
		0x44, 0x89, 0xf8, 0x66, 0xba, 0xf4, 0x00, 0xef})
	// mov eax,15; mov cr8,rax; sti; hlt
	progTPRBlocks = concat(timerSetup, []byte{0xb8, 0x0f, 0x00, 0x00, 0x00, 0x44, 0x0f, 0x22, 0xc0, 0xfb, 0xf4})
	// inc r15; mov ebx,0xfee00000; mov dword [rbx+0xb0],0 (EOI); iretq
	isrTick = []byte{0x49, 0xff, 0xc7, 0xbb, 0x00, 0x00, 0xe0, 0xfe,
		0xc7, 0x83, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48, 0xcf}

	// mov ebx,0xfee00000; SVR=0x1ff; mov esi,0xfec00000; IOREGSEL=0x18;
	// IOWIN=0x50 (pin 4 → vector 0x50); UART IER=1; MCR=OUT2; sti;
	// 1: hlt; test r15,r15; jz 1b; mov eax,r14d; mov dx,0xf4; out dx,eax
	progUARTRx = []byte{0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xf0, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x00,
		0xbe, 0x00, 0x00, 0xc0, 0xfe, 0xc7, 0x06, 0x18, 0x00, 0x00, 0x00, 0xc7, 0x46, 0x10, 0x50, 0x00, 0x00, 0x00,
		0x66, 0xba, 0xf9, 0x03, 0xb0, 0x01, 0xee, 0x66, 0xba, 0xfc, 0x03, 0xb0, 0x08, 0xee,
		0xfb, 0xf4, 0x4d, 0x85, 0xff, 0x74, 0xfa, 0x44, 0x89, 0xf0, 0x66, 0xba, 0xf4, 0x00, 0xef}
	// mov dx,0x3f8; in al,dx; movzx r14d,al; inc r15; EOI; iretq
	isrUART = []byte{0x66, 0xba, 0xf8, 0x03, 0xec, 0x44, 0x0f, 0xb6, 0xf0, 0x49, 0xff, 0xc7,
		0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48, 0xcf}

	// As progUARTRx for pin 1 → vector 0x51, then the 8042 config byte is
	// written with IRQ1 off and on again (out 0x64,0x60; out 0x60,4;
	// out 0x64,0x60; out 0x60,5), so a byte already waiting raises an edge.
	progKbdRx = []byte{0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xf0, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x00,
		0xbe, 0x00, 0x00, 0xc0, 0xfe, 0xc7, 0x06, 0x12, 0x00, 0x00, 0x00, 0xc7, 0x46, 0x10, 0x51, 0x00, 0x00, 0x00,
		0xb0, 0x60, 0xe6, 0x64, 0xb0, 0x04, 0xe6, 0x60, 0xb0, 0x60, 0xe6, 0x64, 0xb0, 0x05, 0xe6, 0x60,
		0xfb, 0xf4, 0x4d, 0x85, 0xff, 0x74, 0xfa, 0x44, 0x89, 0xf0, 0x66, 0xba, 0xf4, 0x00, 0xef}
	// in al,0x60; movzx r14d,al; inc r15; EOI; iretq
	isrKbd = []byte{0xe4, 0x60, 0x44, 0x0f, 0xb6, 0xf0, 0x49, 0xff, 0xc7,
		0xbb, 0x00, 0x00, 0xe0, 0xfe, 0xc7, 0x83, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x48, 0xcf}
)

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestRun(t *testing.T) {
	tests := []struct {
		name        string
		code        []byte
		handlers    map[uint8][]byte
		input       func(m *Machine) // before Run
		interactive bool
		limit       uint64
		reason      Reason
		status      uint32
		detail      string // a substring of Exit.Detail
		console     string
		maxInstr    uint64 // Exit.Instructions at most this (0: unchecked)
	}{
		{name: "debug exit", code: progExit7, reason: DebugExit, status: 7, maxInstr: 3},
		{name: "UART output", code: progHello, reason: DebugExit, console: "hi"},
		{name: "instruction limit", code: progSpin, limit: 1000, reason: InstructionLimit, maxInstr: 1000},
		{name: "triple fault", code: []byte{0x0f, 0x0b}, reason: TripleFault}, // ud2 with no IDT gates
		{name: "halted with interrupts off", code: progCliHlt, reason: Halted, detail: "interrupts disabled", maxInstr: 2},
		{name: "halted with nothing to wake it", code: progStiHlt, reason: Halted, detail: "no timer interrupt", maxInstr: 2},
		{name: "halted with the timer blocked by TPR", code: progTPRBlocks, reason: Halted, detail: "blocked by TPR"},
		{name: "timer wakes HLT", code: progTimerHlt, handlers: map[uint8][]byte{0x40: isrTick},
			reason: DebugExit, status: 5, maxInstr: 100},
		{name: "timer interrupts a loop", code: progTimerSpin, handlers: map[uint8][]byte{0x40: isrTick},
			reason: DebugExit, status: 3, maxInstr: 3100},
		{name: "UART receive interrupt", code: progUARTRx, handlers: map[uint8][]byte{0x50: isrUART},
			input: func(m *Machine) { m.SendSerial([]byte("Z")) }, reason: DebugExit, status: 'Z'},
		{name: "scripted input arrives when the guest idles", code: progUARTRx, handlers: map[uint8][]byte{0x50: isrUART},
			input: func(m *Machine) { m.script.rest = []byte("Z\r") }, reason: DebugExit, status: 'Z'},
		{name: "a used-up script ends a run that waits for input", code: concat(timerSetup, []byte{0xfb, 0xf4, 0xeb, 0xfd}),
			handlers: map[uint8][]byte{0x40: isrTick}, input: func(m *Machine) { m.script.rest = []byte{} },
			limit: 100_000_000, reason: InputExhausted, detail: "scripted input is used up"},
		{name: "an unimplemented instruction ends the run", code: progFld1, reason: Unimplemented, detail: "x87"},
		{name: "or raises #UD in the guest", code: progFld1, handlers: map[uint8][]byte{arch.VecUD: progExit7},
			input: func(m *Machine) { m.unimplementedUD = true }, reason: DebugExit, status: 7, maxInstr: 4},
		{name: "the end of input ends a run that waits for more", code: concat(timerSetup, []byte{0xfb, 0xf4, 0xeb, 0xfd}),
			handlers: map[uint8][]byte{0x40: isrTick}, input: func(m *Machine) { m.EndInput() }, interactive: true,
			limit: 100_000_000, reason: InputExhausted},
		{name: "a guest that drops RTS is not waiting for input", code: concat(progDropRTS, timerSetup, []byte{0xfb, 0xf4, 0xeb, 0xfd}),
			handlers: map[uint8][]byte{0x40: isrTick}, input: func(m *Machine) { m.script.rest = []byte{} },
			limit: 1_000_000, reason: InstructionLimit},
		{name: "keyboard interrupt", code: progKbdRx, handlers: map[uint8][]byte{0x51: isrKbd},
			input: func(m *Machine) { m.SendKeys([]byte{0x1e}) }, reason: DebugExit, status: 0x1e},
		{name: "interactive halt waits for input", code: progUARTRx, handlers: map[uint8][]byte{0x50: isrUART},
			input: func(m *Machine) {
				go func() {
					time.Sleep(20 * time.Millisecond)
					m.SendSerial([]byte("Q"))
				}()
			}, interactive: true, reason: DebugExit, status: 'Q'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var console bytes.Buffer
			m := newTestMachine(t, &console, tt.code, tt.handlers)
			m.Interactive = tt.interactive
			if tt.input != nil {
				tt.input(m)
			}
			limit := tt.limit
			if limit == 0 {
				limit = 1_000_000
			}
			exit, err := m.Run(limit)
			if err != nil {
				t.Fatal(err)
			}
			if exit.Reason != tt.reason || exit.Status != tt.status || !strings.Contains(exit.Detail, tt.detail) {
				t.Fatalf("exit %v status %#x detail %q; want %v status %#x detail containing %q",
					exit.Reason, exit.Status, exit.Detail, tt.reason, tt.status, tt.detail)
			}
			if got := console.String(); got != tt.console {
				t.Errorf("console %q, want %q", got, tt.console)
			}
			if exit.Instructions != m.Instructions() {
				t.Errorf("Exit.Instructions %d, Instructions() %d", exit.Instructions, m.Instructions())
			}
			if tt.maxInstr != 0 && exit.Instructions > tt.maxInstr {
				t.Errorf("%d instructions, want at most %d", exit.Instructions, tt.maxInstr)
			}
		})
	}
}

// kernelELF wraps code in a minimal ELF64 executable: one PT_LOAD of the
// whole file at physical and virtual 1 MiB, entered just past the headers.
func kernelELF(code []byte) []byte {
	const hdrs = 64 + 56
	le := binary.LittleEndian
	b := make([]byte, hdrs, hdrs+len(code))
	copy(b, "\x7fELF\x02\x01\x01")
	le.PutUint16(b[16:], 2)  // ET_EXEC
	le.PutUint16(b[18:], 62) // x86-64
	le.PutUint32(b[20:], 1)
	le.PutUint64(b[24:], codeAt+hdrs) // entry
	le.PutUint64(b[32:], 64)          // phoff
	le.PutUint16(b[52:], 64)          // ehsize
	le.PutUint16(b[54:], 56)          // phentsize
	le.PutUint16(b[56:], 1)           // phnum
	ph := b[64:]
	le.PutUint32(ph[0:], 1) // PT_LOAD
	le.PutUint32(ph[4:], 5) // R+X
	le.PutUint64(ph[16:], codeAt)
	le.PutUint64(ph[24:], codeAt)
	le.PutUint64(ph[32:], uint64(hdrs+len(code)))
	le.PutUint64(ph[40:], uint64(hdrs+len(code)))
	le.PutUint64(ph[48:], 0x1000)
	return append(b, code...)
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"boots and exits", Config{Kernel: kernelELF(progHello)}, ""},
		{"with initrd and command line", Config{Kernel: kernelELF(progHello), Initrd: []byte("x"), Cmdline: "a=b", MemoryMiB: 8}, ""},
		{"not a kernel", Config{Kernel: []byte("nope")}, "ELF"},
		{"too little memory", Config{Kernel: kernelELF(progHello), MemoryMiB: 1}, "memory size"},
		{"too much memory", Config{Kernel: kernelELF(progHello), MemoryMiB: 4096}, "memory size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var console bytes.Buffer
			tt.cfg.Console = &console
			m, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New: %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			exit, err := m.Run(1000)
			if err != nil || exit.Reason != DebugExit || console.String() != "hi" {
				t.Fatalf("Run: %v %+v, console %q", err, exit, console.String())
			}
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestConsoleError(t *testing.T) {
	m, err := New(Config{Kernel: kernelELF(progHello), Console: failingWriter{}})
	if err != nil {
		t.Fatal(err)
	}
	exit, err := m.Run(1000)
	if err == nil || exit.Reason != ConsoleError || !strings.Contains(exit.Detail, "broken pipe") {
		t.Fatalf("Run: %v %+v; want a console error", err, exit)
	}
}

package devices

import (
	"bytes"
	"testing"
)

// uartOp is one step of a UART script: a register write, a register read
// with its expected value, or host input; irqs is the number of interrupt
// edges expected so far after the step.
type uartOp struct {
	kind  byte // 'w', 'r' or 'i'
	reg   uint8
	v     uint8
	input string
	irqs  int
}

func w(reg, v uint8, irqs int) uartOp    { return uartOp{kind: 'w', reg: reg, v: v, irqs: irqs} }
func r(reg, want uint8, irqs int) uartOp { return uartOp{kind: 'r', reg: reg, v: want, irqs: irqs} }
func in(s string, irqs int) uartOp       { return uartOp{kind: 'i', input: s, irqs: irqs} }

func TestUART(t *testing.T) {
	tests := []struct {
		name string
		ops  []uartOp
		out  string
	}{
		{"transmit", []uartOp{w(0, 'h', 0), w(0, 'i', 0), r(uartLSR, 0x60, 0)}, "hi"},
		{"divisor latch", []uartOp{
			w(uartLCR, 0x83, 0), w(0, 1, 0), w(1, 2, 0), r(0, 1, 0), r(1, 2, 0),
			w(uartLCR, 0x03, 0), r(uartIER, 0, 0), r(uartLCR, 3, 0), w(0, 'x', 0),
		}, "x"},
		{"scratch and reset values", []uartOp{
			w(uartSCR, 0x5a, 0), r(uartSCR, 0x5a, 0), r(uartIIR, 0x01, 0), r(uartMSR, 0xb0, 0), r(9, 0xff, 0),
		}, ""},
		{"receive polled", []uartOp{
			in("ab", 0), r(uartLSR, 0x61, 0), r(0, 'a', 0), r(0, 'b', 0), r(uartLSR, 0x60, 0), r(0, 0, 0),
		}, ""},
		{"receive interrupt needs OUT2", []uartOp{
			w(uartIER, ierRx, 0), in("a", 0), r(uartIIR, 0x04, 0), w(uartMCR, mcrOUT2, 1), r(0, 'a', 1),
		}, ""},
		{"receive interrupt edges", []uartOp{
			w(uartMCR, mcrOUT2, 0), w(uartIER, ierRx, 0), in("a", 1), in("b", 1),
			r(uartIIR, 0x04, 1), r(0, 'a', 1), r(0, 'b', 1), r(uartIIR, 0x01, 1), in("c", 2),
		}, ""},
		{"THRE interrupt on enable, cleared by IIR read", []uartOp{
			w(uartMCR, mcrOUT2, 0), w(uartIER, ierTx, 1), r(uartIIR, 0x02, 1), r(uartIIR, 0x01, 1),
			w(0, 'z', 2), r(uartIIR, 0x02, 2), r(uartIIR, 0x01, 2),
		}, "z"},
		{"receive outranks THRE", []uartOp{
			w(uartMCR, mcrOUT2, 0), w(uartIER, ierRx|ierTx, 1), in("q", 1), r(uartIIR, 0x04, 1),
			r(0, 'q', 1), r(uartIIR, 0x02, 1), r(uartIIR, 0x01, 1),
		}, ""},
		{"FIFO bits in IIR and FIFO clear", []uartOp{
			w(uartIIR, 0x07, 0), r(uartIIR, 0xc1, 0), in("ab", 0), w(uartIIR, 0x03, 0), r(uartLSR, 0x60, 0),
		}, ""},
		{"loopback", []uartOp{
			w(uartMCR, mcrLoopback|mcrOUT2|mcrRTS, 0), w(0, 0xae, 0), r(uartLSR, 0x61, 0), r(0, 0xae, 0),
			r(uartMSR, 0x92, 0), r(uartMSR, 0x90, 0), w(uartMCR, 0, 0), w(0, 'o', 0),
		}, "o"},
		{"loopback interrupt", []uartOp{
			w(uartMCR, mcrLoopback|mcrOUT2, 0), w(uartIER, ierRx, 0), w(0, 1, 1), r(uartIIR, 0x04, 1), r(0, 1, 1),
		}, ""},
		{"loopback overrun", append(append([]uartOp{w(uartMCR, mcrLoopback, 0)},
			repeat(w(0, 'x', 0), uartFIFO+1)...),
			r(uartLSR, 0x63, 0), r(uartLSR, 0x61, 0)), ""},
		{"modem status interrupt", []uartOp{
			w(uartMCR, mcrLoopback|mcrOUT2, 0), r(uartMSR, 0x83, 0), w(uartIER, ierModem, 0), w(uartMCR, mcrLoopback|mcrOUT2|mcrDTR, 1),
			r(uartIIR, 0x00, 1), r(uartMSR, 0xa2, 1), r(uartIIR, 0x01, 1),
		}, ""},
		{"line status interrupt", append(append([]uartOp{w(uartMCR, mcrLoopback|mcrOUT2, 0), w(uartIER, ierLine, 0)},
			repeat(w(0, 0, 0), uartFIFO)...),
			w(0, 0, 1), r(uartIIR, 0x06, 1), r(uartLSR, 0x63, 1), r(uartIIR, 0x01, 1)), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			irqs := 0
			u := NewUART(&out, func() { irqs++ })
			for i, op := range tt.ops {
				switch op.kind {
				case 'w':
					u.Write(op.reg, op.v)
				case 'r':
					if got := u.Read(op.reg); got != op.v {
						t.Fatalf("step %d: read reg %d = %#x, want %#x", i, op.reg, got, op.v)
					}
				case 'i':
					u.Input([]byte(op.input))
				}
				if irqs != op.irqs {
					t.Fatalf("step %d: %d interrupts, want %d", i, irqs, op.irqs)
				}
			}
			if out.String() != tt.out {
				t.Errorf("output %q, want %q", out.String(), tt.out)
			}
		})
	}
}

func repeat(op uartOp, n int) []uartOp {
	ops := make([]uartOp, n)
	for i := range ops {
		ops[i] = op
	}
	return ops
}

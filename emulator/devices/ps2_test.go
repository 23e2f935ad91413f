package devices

import "testing"

// ps2Op is one step: a port write ('w'), a port read with its expected
// value ('r'), or injected scancodes ('k'); irqs counts IRQ1 edges so far.
type ps2Op struct {
	kind byte
	port uint16
	v    uint8
	keys string
	irqs int
}

func pw(port uint16, v uint8, irqs int) ps2Op { return ps2Op{kind: 'w', port: port, v: v, irqs: irqs} }
func pr(port uint16, v uint8, irqs int) ps2Op { return ps2Op{kind: 'r', port: port, v: v, irqs: irqs} }
func pk(keys string, irqs int) ps2Op          { return ps2Op{kind: 'k', keys: keys, irqs: irqs} }

func TestPS2(t *testing.T) {
	const (
		data   = PS2Data
		status = PS2Status
		// status values: unlocked and system flag, plus OBF and the command bit
		idle    = ps2StatUnlocked | ps2StatSys
		full    = idle | ps2StatOBF
		cmdIdle = idle | ps2StatCmd
		cmdFull = full | ps2StatCmd
	)
	tests := []struct {
		name string
		ops  []ps2Op
	}{
		{"reset status", []ps2Op{pr(status, idle, 0), pr(0x61, 0xff, 0)}},
		{"read config", []ps2Op{pw(status, 0x20, 1), pr(status, cmdFull, 1), pr(data, ps2ResetConfig, 1), pr(status, cmdIdle, 1)}},
		{"write config", []ps2Op{pw(status, 0x60, 0), pw(data, 0x00, 0), pr(status, ps2StatUnlocked, 0),
			pw(status, 0x20, 0), pr(data, 0x00, 0)}},
		{"self test", []ps2Op{pw(status, 0xAA, 1), pr(data, 0x55, 1)}},
		{"port tests", []ps2Op{pw(status, 0xAB, 1), pr(data, 0x00, 1), pw(status, 0xA9, 2), pr(data, 0x00, 2)}},
		{"aux disable and enable", []ps2Op{pw(status, 0xA7, 0), pw(status, 0x20, 1), pr(data, 0x25, 1),
			pw(status, 0xA8, 1), pw(status, 0x20, 2), pr(data, 0x05, 2)}},
		{"keyboard port disable holds bytes", []ps2Op{pw(status, 0xAD, 0), pk("\x1e", 0), pr(status, cmdIdle, 0),
			pw(status, 0xAE, 1), pr(data, 0x1e, 1)}},
		{"keys raise IRQ1 per byte", []ps2Op{pk("\x1e\x9e", 1), pr(data, 0x1e, 2), pr(data, 0x9e, 2),
			pr(status, idle, 2), pr(data, 0x9e, 2)}},
		{"no IRQ when disabled in config", []ps2Op{pw(status, 0x60, 0), pw(data, ps2CfgSys, 0), pk("\x1e", 0),
			pr(status, full, 0), pw(status, 0x60, 0), pw(data, ps2CfgSys|ps2CfgIRQ1, 1), pr(data, 0x1e, 1)}},
		{"controller reply before keyboard bytes", []ps2Op{pk("\x10", 1), pw(status, 0x20, 1),
			pr(data, ps2ResetConfig, 2), pr(data, 0x10, 2)}},
		{"keyboard reset", []ps2Op{pk("\x10", 1), pw(data, 0xFF, 1), pr(data, 0xFA, 2), pr(data, 0xAA, 2)}},
		{"keyboard echo", []ps2Op{pw(data, 0xEE, 1), pr(data, 0xEE, 1)}},
		{"keyboard identify", []ps2Op{pw(data, 0xF2, 1), pr(data, 0xFA, 2), pr(data, 0xAB, 3), pr(data, 0x83, 3)}},
		{"scanning off and on", []ps2Op{pw(data, 0xF5, 1), pr(data, 0xFA, 1), pk("\x1e", 1), pr(status, idle, 1),
			pw(data, 0xF4, 2), pr(data, 0xFA, 2), pk("\x1e", 3), pr(data, 0x1e, 3)}},
		{"scan set get and set", []ps2Op{pw(data, 0xF0, 1), pr(data, 0xFA, 1), pw(data, 0, 2), pr(data, 0xFA, 3),
			pr(data, 2, 3), pw(data, 0xF0, 4), pr(data, 0xFA, 4), pw(data, 1, 5), pr(data, 0xFA, 5),
			pw(data, 0xF0, 6), pr(data, 0xFA, 6), pw(data, 0, 7), pr(data, 0xFA, 8), pr(data, 1, 8)}},
		{"bad scan set", []ps2Op{pw(data, 0xF0, 1), pr(data, 0xFA, 1), pw(data, 9, 2), pr(data, 0xFE, 2)}},
		{"LEDs", []ps2Op{pw(data, 0xED, 1), pr(data, 0xFA, 1), pw(data, 7, 2), pr(data, 0xFA, 2)}},
		{"other keyboard commands acknowledged", []ps2Op{pw(data, 0xF6, 1), pr(data, 0xFA, 1)}},
		{"write keyboard output buffer", []ps2Op{pw(status, 0xD2, 0), pw(data, 0x42, 1), pr(data, 0x42, 1)}},
		{"output port", []ps2Op{pw(status, 0xD1, 0), pw(data, 0x03, 0), pw(status, 0xD0, 1), pr(data, 0x03, 1)}},
		{"aux write ignored", []ps2Op{pw(status, 0xD4, 0), pw(data, 0xFF, 0), pr(status, idle, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			irqs := 0
			p := NewPS2(func() { irqs++ })
			for i, op := range tt.ops {
				switch op.kind {
				case 'w':
					p.Write(op.port, op.v)
				case 'r':
					if got := p.Read(op.port); got != op.v {
						t.Fatalf("step %d: read %#x = %#x, want %#x", i, op.port, got, op.v)
					}
				case 'k':
					p.Key([]byte(op.keys))
				}
				if irqs != op.irqs {
					t.Fatalf("step %d: %d interrupts, want %d", i, irqs, op.irqs)
				}
			}
		})
	}
}

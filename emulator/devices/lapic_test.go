package devices

import "testing"

func TestLAPICResetRegisters(t *testing.T) {
	a := NewLAPIC(3)
	tests := []struct {
		off  uint64
		size int
		want uint64
	}{
		{regID, 4, 3 << 24},
		{regVersion, 4, apicVersion},
		{regVersion, 1, 0x14},
		{regVersion + 2, 1, 0x05},
		{regVersion + 2, 2, 0x05},
		{regVersion + 4, 4, 0},
		{regSVR, 4, 0xff},
		{regDFR, 4, 0xffffffff},
		{regTPR, 4, 0},
		{regLVT + lvtTimer<<4, 4, lvtMasked},
		{regLVT + lvtError<<4, 4, lvtMasked},
		{regCurrent, 4, 0},
		{0x3A0, 4, 0}, // reserved
	}
	for _, tt := range tests {
		if got := a.ReadMMIO(tt.off, tt.size); got != tt.want {
			t.Errorf("read %#x/%d = %#x, want %#x", tt.off, tt.size, got, tt.want)
		}
	}
	if base, _ := a.ReadMSR(MSRAPICBase); base != 0xfee00900 {
		t.Errorf("IA32_APIC_BASE = %#x, want 0xfee00900", base)
	}
}

// apicStep is one action on a LAPIC; check, when set, runs after it.
type apicStep struct {
	do    func(a *LAPIC)
	check func(t *testing.T, a *LAPIC)
}

func accept(vs ...uint8) apicStep {
	return apicStep{do: func(a *LAPIC) {
		for _, v := range vs {
			a.Accept(v)
		}
	}}
}

func mmio(off uint64, v uint32) apicStep {
	return apicStep{do: func(a *LAPIC) { a.WriteMMIO(off, 4, uint64(v)) }}
}

func wantPending(v uint8, ok bool) apicStep {
	return apicStep{check: func(t *testing.T, a *LAPIC) {
		t.Helper()
		if gv, gok := a.Pending(); gv != v || gok != ok {
			t.Fatalf("Pending() = %#x, %v; want %#x, %v", gv, gok, v, ok)
		}
	}}
}

func wantAck(v uint8) apicStep {
	return apicStep{check: func(t *testing.T, a *LAPIC) {
		t.Helper()
		if got := a.Ack(); got != v {
			t.Fatalf("Ack() = %#x, want %#x", got, v)
		}
	}}
}

func wantReg(off uint64, v uint32) apicStep {
	return apicStep{check: func(t *testing.T, a *LAPIC) {
		t.Helper()
		if got := a.ReadMMIO(off, 4); got != uint64(v) {
			t.Fatalf("register %#x = %#x, want %#x", off, got, v)
		}
	}}
}

func TestLAPICInterrupts(t *testing.T) {
	eoi := mmio(regEOI, 0)
	tests := []struct {
		name  string
		steps []apicStep
	}{
		{"priority order and nesting", []apicStep{
			accept(0x31, 0x45), wantPending(0x45, true), wantAck(0x45), wantReg(regPPR, 0x40),
			wantPending(0, false), accept(0x52), wantPending(0x52, true), wantAck(0x52),
			eoi, eoi, wantReg(regPPR, 0), wantPending(0x31, true),
		}},
		{"IRR and ISR registers", []apicStep{
			accept(0x41), wantReg(regIRR+0x20, 1<<1), wantAck(0x41), wantReg(regIRR+0x20, 0),
			wantReg(regISR+0x20, 1<<1), eoi, wantReg(regISR+0x20, 0),
		}},
		{"same class waits for EOI", []apicStep{
			accept(0x40), wantAck(0x40), accept(0x4f), wantPending(0, false), eoi, wantPending(0x4f, true),
		}},
		{"TPR masks classes at or below it", []apicStep{
			mmio(regTPR, 0x50), accept(0x5f), wantPending(0, false), wantReg(regPPR, 0x50),
			accept(0x60), wantPending(0x60, true),
			{do: func(a *LAPIC) { a.SetTPR(0x60) }}, wantPending(0, false),
		}},
		{"Ack with nothing pending is spurious", []apicStep{wantAck(0xff)}},
		{"illegal vector sets ESR", []apicStep{
			accept(5), wantPending(0, false), wantReg(regESR, 0), mmio(regESR, 0), wantReg(regESR, esrRecvIllegal),
			mmio(regESR, 0), wantReg(regESR, 0),
		}},
		{"error LVT", []apicStep{
			mmio(regSVR, 0x1ff), mmio(regLVT+lvtError<<4, 0xee), accept(1), wantPending(0xee, true),
		}},
		{"self IPI by shorthand", []apicStep{mmio(regICRLow, 1<<18|0x70), wantPending(0x70, true)}},
		{"self IPI by own ID", []apicStep{mmio(regICRHigh, 0), mmio(regICRLow, 0x71), wantPending(0x71, true)}},
		{"IPI to another CPU", []apicStep{mmio(regICRHigh, 1<<24), mmio(regICRLow, 0x72), wantPending(0, false)}},
		{"IPI to all but self", []apicStep{mmio(regICRLow, 3<<18|0x72), wantPending(0, false)}},
		{"NMI IPI not modelled", []apicStep{mmio(regICRLow, 1<<18|4<<8|0x72), wantPending(0, false)}},
		{"illegal IPI vector", []apicStep{mmio(regICRLow, 1<<18|0x02), mmio(regESR, 0), wantReg(regESR, esrSendIllegal)}},
		{"software disable masks LVTs", []apicStep{
			mmio(regSVR, 0x1ff), mmio(regLVT, 0x30), wantReg(regLVT, 0x30), mmio(regSVR, 0xff),
			wantReg(regLVT, lvtMasked|0x30), mmio(regLVT, 0x30), wantReg(regLVT, lvtMasked|0x30),
		}},
		{"unaligned and narrow writes ignored", []apicStep{
			{do: func(a *LAPIC) { a.WriteMMIO(regTPR+1, 4, 0x50); a.WriteMMIO(regTPR, 2, 0x50) }},
			wantReg(regTPR, 0),
			{do: func(a *LAPIC) { a.WriteMMIO(regTPR, 8, 0x1234_0000_0050) }}, wantReg(regTPR, 0x50),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewLAPIC(0)
			for _, s := range tt.steps {
				if s.do != nil {
					s.do(a)
				}
				if s.check != nil {
					s.check(t, a)
				}
			}
		})
	}
}

func TestLAPICEOIBroadcast(t *testing.T) {
	a := NewLAPIC(0)
	var broadcast []uint8
	a.EOIBroadcast = func(v uint8) { broadcast = append(broadcast, v) }
	a.AcceptLevel(0x80)
	a.Accept(0x81)
	if got := a.ReadMMIO(regTMR+0x40, 4); got != 1 {
		t.Errorf("TMR[128:159] = %#x, want vector 0x80 only", got)
	}
	for range 2 {
		a.Ack()
		a.WriteMMIO(regEOI, 4, 0)
	}
	if len(broadcast) != 1 || broadcast[0] != 0x80 {
		t.Errorf("EOI broadcasts %#x, want [0x80]", broadcast)
	}
}

func TestLAPICModes(t *testing.T) {
	const (
		xapic    = LAPICBase | apicBaseBSP | apicBaseEnable
		x2apic   = xapic | apicBaseX2
		disabled = LAPICBase | apicBaseBSP
	)
	tests := []struct {
		name     string
		writes   []uint64 // IA32_APIC_BASE values, in order
		ok       []bool
		wantBase uint64
		mmio     bool
	}{
		{"reset", nil, nil, xapic, true},
		{"to x2APIC", []uint64{x2apic}, []bool{true}, x2apic, false},
		{"x2APIC back to xAPIC", []uint64{x2apic, xapic}, []bool{true, false}, x2apic, false},
		{"x2APIC to disabled to xAPIC", []uint64{x2apic, disabled, xapic}, []bool{true, true, true}, xapic, true},
		{"disabled to x2APIC", []uint64{disabled, x2apic}, []bool{true, false}, disabled, false},
		{"x2 without enable", []uint64{disabled | apicBaseX2}, []bool{false}, xapic, true},
		{"reserved bit", []uint64{xapic | 1}, []bool{false}, xapic, true},
		{"beyond MAXPHYADDR", []uint64{xapic | 1<<48}, []bool{false}, xapic, true},
		{"relocate", []uint64{0xfed00000 | apicBaseEnable}, []bool{true}, 0xfed00000 | xapic&^LAPICBase, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewLAPIC(0)
			for i, v := range tt.writes {
				if got := a.WriteMSR(MSRAPICBase, v); got != tt.ok[i] {
					t.Fatalf("write %#x: ok=%v, want %v", v, got, tt.ok[i])
				}
			}
			if got, _ := a.ReadMSR(MSRAPICBase); got != tt.wantBase {
				t.Errorf("IA32_APIC_BASE = %#x, want %#x", got, tt.wantBase)
			}
			if base, ok := a.MMIOBase(); ok != tt.mmio || base != tt.wantBase&apicBaseAddr {
				t.Errorf("MMIOBase() = %#x, %v; want %#x, %v", base, ok, tt.wantBase&apicBaseAddr, tt.mmio)
			}
		})
	}
}

func TestLAPICX2MSRs(t *testing.T) {
	a := NewLAPIC(5)
	if _, ok := a.ReadMSR(0x802); ok {
		t.Fatal("x2APIC MSR readable in xAPIC mode")
	}
	if !a.WriteMSR(MSRAPICBase, LAPICBase|apicBaseBSP|apicBaseEnable|apicBaseX2) {
		t.Fatal("cannot enter x2APIC mode")
	}
	reads := []struct {
		msr  uint32
		want uint64
		ok   bool
	}{
		{0x802, 5, true},
		{0x803, apicVersion, true},
		{0x80D, 1 << 5, true}, // LDR derived from the ID
		{0x80F, 0xff, true},
		{0x80B, 0, false}, // EOI is write-only
		{0x80E, 0, false}, // no DFR in x2APIC mode
		{0x831, 0, false}, // ICR is one 64-bit MSR
		{0x83F, 0, false}, // SELF IPI is write-only
		{0x8FF, 0, false},
		{0x900, 0, false},
	}
	for _, r := range reads {
		if got, ok := a.ReadMSR(r.msr); got != r.want || ok != r.ok {
			t.Errorf("rdmsr %#x = %#x, %v; want %#x, %v", r.msr, got, ok, r.want, r.ok)
		}
	}
	writes := []struct {
		msr uint32
		v   uint64
		ok  bool
	}{
		{0x802, 1, false},       // ID is read-only
		{0x80B, 1, false},       // EOI must write 0
		{0x808, 1 << 32, false}, // reserved high half
		{0x808, 0x20, true},     // TPR
		{0x83F, 0x41, true},     // SELF IPI
		{0x830, 5<<32 | 0x42, true},
		{0x830, 6<<32 | 0x43, true}, // another CPU: dropped
	}
	for _, w := range writes {
		if ok := a.WriteMSR(w.msr, w.v); ok != w.ok {
			t.Errorf("wrmsr %#x, %#x: ok=%v, want %v", w.msr, w.v, ok, w.ok)
		}
	}
	if a.TPR() != 0x20 {
		t.Errorf("TPR = %#x, want 0x20", a.TPR())
	}
	if got := a.irr[2]; got != 1<<1|1<<2 {
		t.Errorf("IRR[64:95] = %#x, want vectors 0x41 and 0x42", got)
	}
	if icr, _ := a.ReadMSR(0x830); icr != 6<<32|0x43 {
		t.Errorf("ICR = %#x", icr)
	}
}

func TestLAPICTimer(t *testing.T) {
	type point struct {
		now      uint64
		fired    bool   // the timer vector became pending at this point
		current  uint32 // current-count register after advancing
		deadline uint64 // 0: none
	}
	tests := []struct {
		name    string
		lvt     uint32
		divide  uint32
		start   uint64 // clock at the initial-count write
		initial uint32
		points  []point
	}{
		{"one-shot divide 1", 0x40, 0xb, 1000, 100, []point{
			{1050, false, 50, 1100}, {1099, false, 1, 1100}, {1100, true, 0, 0}, {5000, false, 0, 0},
		}},
		{"one-shot divide 2 (reset value)", 0x40, 0, 0, 10, []point{{19, false, 1, 20}, {20, true, 0, 0}}},
		{"one-shot divide 128", 0x40, 0xa, 0, 2, []point{{255, false, 1, 256}, {256, true, 0, 0}}},
		{"one-shot divide 16", 0x40, 0x3, 0, 1, []point{{16, true, 0, 0}}},
		{"periodic without drift", 0x40 | lvtPeriodic, 0, 0, 10, []point{
			{5, false, 8, 20}, {25, true, 8, 40}, {39, false, 1, 40}, {100, true, 10, 120}, {130, true, 5, 140},
		}},
		{"masked counts silently", 0x40 | lvtMasked, 0xb, 0, 10, []point{{5, false, 5, 0}, {10, false, 0, 0}}},
		{"zero initial count stops", 0x40, 0xb, 0, 0, []point{{10, false, 0, 0}}},
		{"TSC-deadline mode is idle", 0x40 | lvtTimerTSC, 0xb, 0, 10, []point{{10, false, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewLAPIC(0)
			a.WriteMMIO(regSVR, 4, 0x1ff)
			a.WriteMMIO(regLVT, 4, uint64(tt.lvt))
			a.WriteMMIO(regDivide, 4, uint64(tt.divide))
			a.Sync(tt.start)
			a.WriteMMIO(regInitial, 4, uint64(tt.initial))
			for _, p := range tt.points {
				a.Advance(p.now)
				_, fired := a.Pending()
				if fired {
					a.Ack()
					a.WriteMMIO(regEOI, 4, 0)
				}
				cur := uint32(a.ReadMMIO(regCurrent, 4))
				d, ok := a.NextDeadline()
				if !ok {
					d = 0
				}
				if fired != p.fired || cur != p.current || d != p.deadline {
					t.Fatalf("at %d: fired=%v current=%d deadline=%d; want %v %d %d",
						p.now, fired, cur, d, p.fired, p.current, p.deadline)
				}
			}
		})
	}
}

func TestLAPICTimerDivideChange(t *testing.T) {
	a := NewLAPIC(0)
	a.WriteMMIO(regSVR, 4, 0x1ff)
	a.WriteMMIO(regLVT, 4, 0x40)
	a.WriteMMIO(regDivide, 4, 0xb)
	a.WriteMMIO(regInitial, 4, 100)
	a.Sync(60)
	a.WriteMMIO(regDivide, 4, 0) // 40 left, now at divide 2
	if d, _ := a.NextDeadline(); d != 140 {
		t.Errorf("deadline after divide change = %d, want 140", d)
	}
}

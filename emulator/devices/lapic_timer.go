package devices

// apicTimer is the local APIC timer's counter. It is computed from the
// clock rather than stepped: the count is baseCount at tick base and falls
// by one every divide ticks.
type apicTimer struct {
	now          uint64 // the clock as last given by Sync or Advance
	initial      uint32
	divideConfig uint32
	divide       uint64
	running      bool
	base         uint64
	baseCount    uint32
}

func (t *apicTimer) stop() {
	t.running, t.initial, t.baseCount = false, 0, 0
}

// start is a write of the initial count: zero stops the timer.
func (t *apicTimer) start(count uint32) {
	t.initial = count
	t.running = count != 0
	t.base, t.baseCount = t.now, count
}

func (t *apicTimer) deadline() uint64 {
	return t.base + uint64(t.baseCount)*t.divide
}

// current is the current-count register.
func (t *apicTimer) current(periodic bool) uint32 {
	switch {
	case !t.running:
		return 0
	case t.now < t.base:
		return t.baseCount
	}
	e := (t.now - t.base) / t.divide
	switch {
	case e < uint64(t.baseCount):
		return t.baseCount - uint32(e)
	case !periodic:
		return 0
	}
	return t.initial - uint32((e-uint64(t.baseCount))%uint64(t.initial))
}

// setDivide writes the divide configuration; a running count carries on
// from its current value at the new rate.
func (t *apicTimer) setDivide(v uint32, periodic bool) {
	if c := t.current(periodic); t.running && c != 0 {
		t.base, t.baseCount = t.now, c
	}
	t.divideConfig = v & 0xb
	if d := v&3 | v>>1&4; d == 7 {
		t.divide = 1
	} else {
		t.divide = 2 << d
	}
}

// expire reports whether the count reached zero by now. A periodic timer
// reloads from the deadline itself, so late delivery does not drift, and
// periods missed entirely are coalesced into one interrupt.
func (t *apicTimer) expire(periodic bool) bool {
	if !t.running || t.now < t.deadline() {
		return false
	}
	if !periodic {
		t.running, t.baseCount = false, 0
		return true
	}
	d := t.deadline()
	period := uint64(t.initial) * t.divide
	t.base = d + (t.now-d)/period*period
	t.baseCount = t.initial
	return true
}

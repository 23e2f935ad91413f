package machine

import "sync"

// input is host input waiting for the devices. Other goroutines add to it;
// the run loop moves it into the devices between slices, so the devices
// themselves are only touched by the loop.
type input struct {
	mu     sync.Mutex
	serial []byte
	keys   []byte
	wake   chan struct{} // signalled when input arrives
}

func (in *input) add(dst *[]byte, b []byte) {
	in.mu.Lock()
	*dst = append(*dst, b...)
	in.mu.Unlock()
	select {
	case in.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// SendSerial queues bytes for the UART's receiver. Safe from any goroutine.
func (m *Machine) SendSerial(b []byte) { m.input.add(&m.input.serial, b) }

// SendKeys queues keyboard scancodes. Safe from any goroutine.
func (m *Machine) SendKeys(scancodes []byte) { m.input.add(&m.input.keys, scancodes) }

// drainInput hands queued input to the devices.
func (m *Machine) drainInput() {
	m.input.mu.Lock()
	serial, keys := m.input.serial, m.input.keys
	m.input.serial, m.input.keys = nil, nil
	m.input.mu.Unlock()
	if len(serial) > 0 {
		m.uart.Input(serial)
	}
	if len(keys) > 0 {
		m.ps2.Key(keys)
	}
}

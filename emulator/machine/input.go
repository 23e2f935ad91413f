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
	ended  bool          // EndInput: no more serial input will come
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

// EndInput says no more serial input will come (the end of standard
// input): once the guest has read what came and waits for more, the run
// ends as a used-up script's does (InputExhausted). Safe from any goroutine.
func (m *Machine) EndInput() {
	m.input.mu.Lock()
	m.input.ended = true
	m.input.mu.Unlock()
	m.input.add(&m.input.keys, nil) // wake a waiting machine
}

// drainInput hands queued input to the devices.
func (m *Machine) drainInput() {
	m.input.mu.Lock()
	serial, keys, ended := m.input.serial, m.input.keys, m.input.ended
	m.input.serial, m.input.keys = nil, nil
	m.input.mu.Unlock()
	if ended && m.script.rest == nil {
		// Nothing more can arrive: idle time need not wait for a person,
		// and the input is a script that is used up.
		m.script.rest, m.Interactive = []byte{}, false
	}
	if len(serial) > 0 {
		m.uart.Input(serial)
	}
	if len(keys) > 0 {
		m.ps2.Key(keys)
	}
}

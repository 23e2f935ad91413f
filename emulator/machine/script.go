package machine

import "bytes"

// script is the scripted console input of a run (Config.Script).
type script struct {
	rest []byte
	// waits counts the halts since the script ran out at which the guest
	// was idle with nothing to read: enough of them end the run.
	waits int
	// firstWait is the instruction count at the first of those halts.
	firstWait uint64
}

// ScriptDone is the instruction count at which the guest first idled with
// the whole script read and nothing more to come (for a boot to a prompt:
// when the prompt was ready), or 0 if that has not happened.
func (m *Machine) ScriptDone() uint64 { return m.script.firstWait }

// exhaustedWaits is how many idle halts with the script used up end a run
// (InputExhausted): a guest waiting that long for input would wait forever.
const exhaustedWaits = 200

// feedScript runs at a halt. If the guest has read everything typed so
// far, the script's next line arrives; it reports whether the run should
// end because the script is used up and the guest still waits for input.
// A halt counts as waiting only while the UART says the guest wants input
// (RTS, for a guest that drives it): a program sleeping is not waiting.
func (m *Machine) feedScript() (exhausted bool) {
	if m.uart.Pending() > 0 || m.script.rest == nil {
		return false
	}
	if len(m.script.rest) == 0 {
		if !m.uart.WantsInput() {
			m.script.waits = 0 // busy, not waiting: the count starts again
			return false
		}
		if m.script.firstWait == 0 {
			m.script.firstWait = m.cpu.Retired
		}
		m.script.waits++
		return m.script.waits >= exhaustedWaits
	}
	n := bytes.IndexAny(m.script.rest, "\r\n") + 1
	if n == 0 {
		n = len(m.script.rest)
	}
	m.uart.Input(m.script.rest[:n])
	m.script.rest = m.script.rest[n:]
	return false
}

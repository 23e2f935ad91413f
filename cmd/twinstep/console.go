package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// ctrlA starts a console escape, as in QEMU: Ctrl-A x quits, Ctrl-A Ctrl-A
// sends one Ctrl-A.
const ctrlA = 0x01

// console feeds standard input to the guest's serial port. On a terminal it
// puts the terminal in raw mode, so every key reaches the guest, and
// watches for the escape and for signals; elsewhere it just copies input
// until EOF.
type console struct {
	interactive bool
	// piped is set when a pipe or file is the input: the guest waits for
	// it as for a person, until its end.
	piped bool
	// quit delivers why the user ended the run and the exit status.
	quit    chan quitReason
	restore func()
}

type quitReason struct {
	why  string
	code int
}

// startConsole starts feeding in to send; ended runs when a piped input
// reaches its end. The caller must call stop.
func startConsole(in io.Reader, send func([]byte), readPipe bool, ended func()) (*console, error) {
	c := &console{quit: make(chan quitReason, 1), restore: func() {}}
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		if readPipe {
			c.piped = true
			go func() {
				feed(in, send, nil, c)
				ended()
			}()
		}
		return c, nil
	}
	old, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("putting the terminal in raw mode: %v", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	c.interactive = true
	c.restore = func() {
		signal.Stop(sigs)
		_ = term.Restore(int(f.Fd()), old) // nothing better to do if it fails
	}
	go func() {
		if s, ok := (<-sigs).(syscall.Signal); ok {
			c.ask(quitReason{s.String(), 128 + int(s)}) // "terminated", "hangup"
		}
	}()
	go feed(in, send, new(escaper), c)
	return c, nil
}

// ask requests the end of the run unless one is already requested.
func (c *console) ask(q quitReason) {
	select {
	case c.quit <- q:
	default:
	}
}

// stop restores the terminal; it may be called more than once.
func (c *console) stop() {
	c.restore()
	c.restore = func() {}
}

// feed copies in to send until EOF, through esc when there is one.
func feed(in io.Reader, send func([]byte), esc *escaper, c *console) {
	buf := make([]byte, 4096)
	for {
		n, err := in.Read(buf)
		if n > 0 {
			b := bytes.Clone(buf[:n]) // the guest may keep it; buf is reused
			if esc != nil {
				var q bool
				if b, q = esc.filter(b); q {
					c.ask(quitReason{"quit (Ctrl-A x)", exitOK})
					return
				}
			}
			if len(b) > 0 {
				send(b)
			}
		}
		if err != nil {
			return
		}
	}
}

// escaper recognizes the console escape in a stream of input.
type escaper struct{ armed bool }

// filter returns the bytes for the guest and whether the user asked to
// quit. Ctrl-A followed by anything else than x or Ctrl-A passes through.
func (e *escaper) filter(in []byte) (out []byte, quit bool) {
	for _, c := range in {
		switch {
		case e.armed && c == 'x':
			return out, true
		case e.armed && c == ctrlA:
			out, e.armed = append(out, ctrlA), false
		case e.armed:
			out, e.armed = append(out, ctrlA, c), false
		case c == ctrlA:
			e.armed = true
		default:
			out = append(out, c)
		}
	}
	return out, false
}

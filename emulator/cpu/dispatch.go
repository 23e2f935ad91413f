package cpu

import (
	"fmt"
	"strings"

	"github.com/twinstep/twinstep/emulator/decoder"
)

// A handler executes one decoded instruction. It may read the operands, raise
// a fault (before changing any state), and set c.next for a branch.
type handler func(c *CPU, in *decoder.Inst)

// handlers[form ID] is the handler bound to each decoder form; nil means the
// emulator does not implement that form.
var handlers = make([]handler, len(decoder.Forms))

// on binds h to every form whose mnemonic is one of names.
func on(h handler, names ...string) {
	for _, name := range names {
		n := 0
		for _, f := range decoder.Forms {
			if f.Mnemonic == name {
				handlers[f.ID] = h
				n++
			}
		}
		if n == 0 {
			panic(fmt.Sprintf("cpu: no decoder form has mnemonic %q", name))
		}
	}
}

// onForm binds h to the forms whose key contains all of parts, for the few
// mnemonics whose forms need different handlers.
func onForm(h handler, mnemonic string, parts ...string) {
	n := 0
	for _, f := range decoder.Forms {
		if f.Mnemonic != mnemonic {
			continue
		}
		k := f.Key()
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(k, p)
		}
		if ok {
			handlers[f.ID] = h
			n++
		}
	}
	if n == 0 {
		panic(fmt.Sprintf("cpu: no decoder form %q matches %q", mnemonic, parts))
	}
}

// Implemented reports whether the emulator executes form f.
func Implemented(f *decoder.Form) bool { return handlers[f.ID] != nil }

func (c *CPU) bind(in *decoder.Inst) handler {
	h := handlers[in.Form.ID]
	if h == nil || c.Disabled[in.Form.Mnemonic] {
		return notImplemented
	}
	return h
}

func notImplemented(c *CPU, in *decoder.Inst) {
	panic(unimplemented{in.Form.Key(), "no handler for this form"})
}

package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/oracles/x86asm"
	"github.com/twinstep/twinstep/reports"
)

const decodeHelp = `Usage: twinstep decode HEX...

Decodes each encoding with the emulator's decoder and with x86asm
(golang.org/x/arch, the decode-length oracle) and compares the lengths as the
exhaustive sweep does: match, both undecodable, a known x86asm mistake or
another documented reason (named), or mismatch.

With no arguments, reads one encoding per line from standard input; blank
lines and # comments are skipped. Branch targets print relative to the end of
the instruction (.+0x10), as x86asm prints them.
`

func runDecode(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("decode", decodeHelp)
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		var err error
		if inputs, err = readLines(stdin); err != nil {
			fmt.Fprintf(stderr, "twinstep decode: reading standard input: %v\n", err)
			return exitError
		}
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "twinstep decode: no encodings given (as arguments or lines on standard input)")
		return exitError
	}
	t := reports.NewTable("bytes", "our length", "our disassembly", "x86asm length", "x86asm text", "verdict")
	status := exitOK
	for _, in := range inputs {
		b, err := parseCode(in)
		if err != nil {
			fmt.Fprintf(stderr, "twinstep decode: %v\n", err)
			status = exitError
			continue
		}
		t.Add(decodeRow(b)...)
	}
	if t.Len() > 0 {
		if err := t.Render(stdout); err != nil {
			fmt.Fprintf(stderr, "twinstep decode: %v\n", err)
			return exitError
		}
	}
	return status
}

// decodeRow is one encoding's row: both decoders' answers and the
// comparison's verdict.
func decodeRow(b []byte) []string {
	r := x86asm.Compare(b)
	ourLen, ourText := "-", ""
	if in, err := decoder.Decode(b); err != nil {
		ourText = err.Error()
	} else {
		ourLen, ourText = strconv.Itoa(int(in.Len)), in.String()
	}
	theirLen, theirText := "-", "cannot decode"
	if r.TheirLen > 0 {
		theirLen, theirText = strconv.Itoa(r.TheirLen), r.TheirText
	}
	verdict := r.Class.String()
	if r.Class == x86asm.Explained {
		verdict = r.Reason // "known x86asm mistake: NAME" or our decoder's documented class
	}
	return []string{fmt.Sprintf("% x", b), ourLen, ourText, theirLen, theirText, verdict}
}

// readLines returns the non-blank lines of r with # comments removed: the
// format of corpus/seeds/*.hex.
func readLines(r io.Reader) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

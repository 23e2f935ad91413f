// Package boot loads a kernel into guest RAM as docs/BOOT.md (boot protocol
// version 1) describes, and returns the CPU state at its 64-bit entry.
package boot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Segment flags, as p_flags holds them.
const (
	FlagX = 1
	FlagW = 2
	FlagR = 4
)

// Segment is one non-empty PT_LOAD segment of a validated kernel.
type Segment struct {
	Vaddr, Paddr uint64
	Memsz        uint64
	// Data is the segment's bytes in the file (p_filesz of them); the rest
	// up to Memsz is zero.
	Data  []byte
	Flags uint32
	// Index is the program header's index, for messages.
	Index int
}

// Image is a validated kernel: what Load needs, and the symbols tools use to
// name addresses.
type Image struct {
	Entry    uint64
	Segments []Segment // in program-header order
	Symbols  []Symbol  // sorted by Value; empty without a symbol table
}

// Extent is the physical range [base, end) covering every segment.
func (im *Image) Extent() (base, end uint64) {
	base = ^uint64(0)
	for _, s := range im.Segments {
		base = min(base, s.Paddr)
		end = max(end, s.Paddr+s.Memsz)
	}
	return base, end
}

const (
	ehdrSize = 64
	phdrSize = 56
	ptLoad   = 1
	etExec   = 2
	emX86_64 = 62
)

var le = binary.LittleEndian

// header is the part of the ELF header the loader uses.
type header struct {
	entry            uint64
	phoff, shoff     uint64
	phentsize, phnum uint64
	shentsize, shnum uint64
}

// ParseKernel validates an ELF64 x86-64 kernel for a machine with ramSize
// bytes of RAM. It checks everything Load relies on, so Load cannot fail on
// an image it accepted except for the initrd, command line or boot data not
// fitting.
func ParseKernel(b []byte, ramSize uint64) (*Image, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	segs, err := parseSegments(b, h, ramSize)
	if err != nil {
		return nil, err
	}
	if err := checkEntry(h.entry, segs); err != nil {
		return nil, err
	}
	syms, err := parseSymbols(b, h)
	if err != nil {
		return nil, err
	}
	return &Image{Entry: h.entry, Segments: segs, Symbols: syms}, nil
}

func parseHeader(b []byte) (header, error) {
	magic := []byte("\x7fELF")
	switch {
	case len(b) == 0:
		return header{}, errors.New("empty file, not an ELF kernel")
	case !bytes.HasPrefix(b, magic) && !bytes.HasPrefix(magic, b):
		return header{}, errors.New("not an ELF file (no \\x7fELF magic)")
	case len(b) < ehdrSize:
		return header{}, fmt.Errorf("truncated ELF header: %d bytes, want %d", len(b), ehdrSize)
	case b[4] != 2:
		return header{}, fmt.Errorf("ELF class %d, want 64-bit (ELFCLASS64)", b[4])
	case b[5] != 1:
		return header{}, fmt.Errorf("ELF data encoding %d, want little-endian (ELFDATA2LSB)", b[5])
	case b[6] != 1 || le.Uint32(b[20:]) != 1:
		return header{}, fmt.Errorf("ELF version %d/%d, want 1", b[6], le.Uint32(b[20:]))
	case le.Uint16(b[16:]) != etExec:
		return header{}, fmt.Errorf("ELF type %d, want an executable (ET_EXEC)", le.Uint16(b[16:]))
	case le.Uint16(b[18:]) != emX86_64:
		return header{}, fmt.Errorf("ELF machine %d, want x86-64 (62)", le.Uint16(b[18:]))
	}
	return header{
		entry:     le.Uint64(b[24:]),
		phoff:     le.Uint64(b[32:]),
		shoff:     le.Uint64(b[40:]),
		phentsize: uint64(le.Uint16(b[54:])),
		phnum:     uint64(le.Uint16(b[56:])),
		shentsize: uint64(le.Uint16(b[58:])),
		shnum:     uint64(le.Uint16(b[60:])),
	}, nil
}

// table returns the bytes of a header table of n entries of size entsize at
// off, checking it lies in the file. n and entsize are 16-bit, so their
// product cannot overflow.
func table(b []byte, what string, off, n, entsize, minEntsize uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if entsize < minEntsize {
		return nil, fmt.Errorf("%s entry size %d, want at least %d", what, entsize, minEntsize)
	}
	end, ok := add(off, n*entsize)
	if !ok || end > uint64(len(b)) {
		return nil, fmt.Errorf("%ss [%#x, +%#x) outside the file (%d bytes)", what, off, n*entsize, len(b))
	}
	return b[off:end], nil
}

// add is a+b and whether it did not overflow.
func add(a, b uint64) (uint64, bool) {
	s := a + b
	return s, s >= a
}

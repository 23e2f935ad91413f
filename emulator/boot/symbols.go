package boot

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
)

// Symbol is a function, data object or untyped label from the kernel's
// symbol table. Size is st_size or, for a label without one (assembly
// symbols usually have none), the distance to the next symbol or to the end
// of its section, whichever is nearer.
type Symbol struct {
	Name        string
	Value, Size uint64
}

const (
	shdrSize     = 64
	symSize      = 24
	shtSymtab    = 2
	shtStrtab    = 3
	sttNotype    = 0
	sttObject    = 1
	sttFunc      = 2
	shnUndef     = 0
	shnLoReserve = 0xff00 // SHN_ABS, SHN_COMMON and the like: not addresses in a section
	maxNameLen   = 4096   // longer names are cut: they only label addresses
)

// sections is the section header table.
type sections struct {
	tab        []byte
	n, entsize uint64
}

func (s sections) header(i uint64) []byte { return s.tab[i*s.entsize:] }

// parseSymbols reads the defined symbols of the first SHT_SYMTAB section. A
// kernel without section headers or a symbol table has none; a malformed
// table is an error, as it means a corrupt file.
func parseSymbols(b []byte, h header) ([]Symbol, error) {
	if h.shoff == 0 {
		return nil, nil
	}
	tab, err := table(b, "section header", h.shoff, h.shnum, h.shentsize, shdrSize)
	if err != nil {
		return nil, err
	}
	secs := sections{tab, h.shnum, h.shentsize}
	for i := range secs.n {
		sh := secs.header(i)
		if le.Uint32(sh[4:]) != shtSymtab {
			continue
		}
		syms, err := section(b, i, sh, symSize)
		if err != nil {
			return nil, err
		}
		link := uint64(le.Uint32(sh[40:]))
		if link >= secs.n || le.Uint32(secs.header(link)[4:]) != shtStrtab {
			return nil, fmt.Errorf("section %d: symbol table's string table %d is not a string table", i, link)
		}
		strs, err := section(b, link, secs.header(link), 1)
		if err != nil {
			return nil, err
		}
		return readSymbols(syms, le.Uint64(sh[56:]), strs, secs), nil
	}
	return nil, nil
}

// section returns a section's bytes, checking they are in the file and, for
// tables, that the entry size is at least minEnt.
func section(b []byte, i uint64, sh []byte, minEnt uint64) ([]byte, error) {
	off, size := le.Uint64(sh[24:]), le.Uint64(sh[32:])
	end, ok := add(off, size)
	if !ok || end > uint64(len(b)) {
		return nil, fmt.Errorf("section %d: [%#x, +%#x) outside the file (%d bytes)", i, off, size, len(b))
	}
	if minEnt > 1 && le.Uint64(sh[56:]) < minEnt {
		return nil, fmt.Errorf("section %d: entry size %d, want at least %d", i, le.Uint64(sh[56:]), minEnt)
	}
	return b[off:end], nil
}

// symbol is a Symbol while the table is read.
type symbol struct {
	Symbol
	typed   bool // a function or object, preferred over a label at the same address
	derived bool // Size is not st_size but bounded by the section's end
}

func readSymbols(tab []byte, entsize uint64, strs []byte, secs sections) []Symbol {
	var all []symbol
	// Counting entries rather than adding entsize cannot overflow.
	for i := range uint64(len(tab)) / entsize {
		e := tab[i*entsize:]
		if len(e) < symSize {
			break
		}
		typ, shndx := e[4]&0xf, uint64(le.Uint16(e[6:]))
		if (typ != sttNotype && typ != sttFunc && typ != sttObject) || shndx == shnUndef || shndx >= shnLoReserve || shndx >= secs.n {
			continue
		}
		s := symbol{Symbol: Symbol{Name: symName(strs, uint64(le.Uint32(e))), Value: le.Uint64(e[8:]), Size: le.Uint64(e[16:])}, typed: typ != sttNotype}
		if s.Name == "" {
			continue
		}
		if s.Size == 0 {
			sh := secs.header(shndx)
			if addr, size := le.Uint64(sh[16:]), le.Uint64(sh[32:]); s.Value-addr < size {
				s.Size, s.derived = size-(s.Value-addr), true
			}
		}
		all = append(all, s)
	}
	// Labels sort before typed symbols at the same address so Symbolize,
	// which looks downwards from the highest candidate, prefers the latter.
	slices.SortStableFunc(all, func(a, b symbol) int {
		if c := cmp.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		return cmp.Compare(b2i(a.typed), b2i(b.typed))
	})
	out := make([]Symbol, len(all))
	next := ^uint64(0) // the next higher symbol's address
	for i := len(all) - 1; i >= 0; i-- {
		s := all[i]
		if s.derived && next != ^uint64(0) {
			s.Size = min(s.Size, next-s.Value)
		}
		if i > 0 && all[i-1].Value < s.Value {
			next = s.Value
		}
		out[i] = s.Symbol
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// symName is the NUL-terminated string at off, "" if off is outside strs.
func symName(strs []byte, off uint64) string {
	if off >= uint64(len(strs)) {
		return ""
	}
	s := strs[off:]
	if n := bytes.IndexByte(s, 0); n >= 0 {
		s = s[:n]
	}
	return string(s[:min(len(s), maxNameLen)])
}

// Symbolize names addr as "name" or "name+0x12" after the symbol that
// covers it (a symbol of size 0 covers only its own address), or returns
// "" when none does.
func (im *Image) Symbolize(addr uint64) string {
	i, _ := slices.BinarySearchFunc(im.Symbols, addr, func(s Symbol, a uint64) int {
		if s.Value <= a {
			return -1
		}
		return 1
	})
	// Symbols may nest or alias, so the nearest one below need not cover
	// addr: look further down.
	for i--; i >= 0; i-- {
		s := im.Symbols[i]
		switch off := addr - s.Value; {
		case off == 0:
			return s.Name
		case off < s.Size:
			return fmt.Sprintf("%s+%#x", s.Name, off)
		}
	}
	return ""
}

package traces

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/twinstep/twinstep/emulator/boot"
)

// Symbols names addresses of a recorded run: the kernel's ELF symbols, and
// the PE images the kernel mapped (learnt from its image-load notifications,
// docs/BOOT.md), each with its sections and exports.
type Symbols struct {
	Kernel  []boot.Symbol `json:"kernel"`
	Modules []Module      `json:"modules"`
}

// Module is one PE image mapped into one address space.
type Module struct {
	Name     string    `json:"name"` // "cmd.exe", "ucrtbase.dll"
	CR3      uint64    `json:"cr3"`  // the address space: its page-table root
	Base     uint64    `json:"base"`
	Size     uint64    `json:"size"`
	Since    uint64    `json:"since"` // the instruction number it was announced at
	Sections []Section `json:"sections,omitempty"`
	Exports  []Export  `json:"exports,omitempty"` // sorted by RVA
}

// Section is one PE section.
type Section struct {
	Name      string `json:"name"`
	RVA, Size uint32
}

// Export is one exported function.
type Export struct {
	Name string `json:"name"`
	RVA  uint32 `json:"rva"`
}

// Symbolize names addr as the instruction numbered index, running in the
// address space cr3, saw it: "kernel!memcpy+0x8", "ucrtbase!wcslen+0x12",
// "cmd.exe+0x1a2b" (no export covers it: the offset in the image),
// "cmd.exe:.data+0x10" (outside code), or "" if nothing covers it.
func (s *Symbols) Symbolize(addr, cr3, index uint64) string {
	if m := s.module(addr, cr3, index); m != nil {
		return m.symbolize(addr)
	}
	im := boot.Image{Symbols: s.Kernel}
	if name := im.Symbolize(addr); name != "" {
		return "kernel!" + name
	}
	return ""
}

// module finds the latest image announced at or before index in cr3 that
// covers addr.
func (s *Symbols) module(addr, cr3, index uint64) *Module {
	var best *Module
	for i := range s.Modules {
		m := &s.Modules[i]
		if m.CR3 == cr3 && m.Since <= index && addr >= m.Base && addr-m.Base < m.Size &&
			(best == nil || m.Since >= best.Since) {
			best = m
		}
	}
	return best
}

func (m *Module) symbolize(addr uint64) string {
	rva := uint32(addr - m.Base)
	stem := strings.TrimSuffix(strings.TrimSuffix(m.Name, ".dll"), ".exe")
	// The nearest export below, if it lies in the same section: exports
	// name functions, and a function does not span sections.
	i := sort.Search(len(m.Exports), func(i int) bool { return m.Exports[i].RVA > rva }) - 1
	sec := m.section(rva)
	if i >= 0 && sec != nil && m.section(m.Exports[i].RVA) == sec {
		e := m.Exports[i]
		if e.RVA == rva {
			return stem + "!" + e.Name
		}
		return fmt.Sprintf("%s!%s+%#x", stem, e.Name, rva-e.RVA)
	}
	return fmt.Sprintf("%s+%#x", m.Name, rva)
}

func (m *Module) section(rva uint32) *Section {
	for i := range m.Sections {
		if s := &m.Sections[i]; rva >= s.RVA && rva-s.RVA < max(s.Size, 1) {
			return s
		}
	}
	return nil
}

// readPE fills m's sections and exports from the image as mapped, read
// through read (which reports false for memory it cannot read). A damaged
// or unreadable header leaves them empty: the image is still named.
func (m *Module) readPE(read func(addr uint64, b []byte) bool) {
	le := binary.LittleEndian
	at := func(rva uint32, n int) []byte {
		if uint64(rva)+uint64(n) > m.Size || n > 1<<20 {
			return nil
		}
		b := make([]byte, n)
		if !read(m.Base+uint64(rva), b) {
			return nil
		}
		return b
	}
	dos := at(0, 64)
	if dos == nil || string(dos[:2]) != "MZ" {
		return
	}
	peOff := le.Uint32(dos[60:])
	nt := at(peOff, 24+240)
	if nt == nil || string(nt[:4]) != "PE\x00\x00" || le.Uint16(nt[24:]) != 0x20b {
		return
	}
	nsec, optSize := int(le.Uint16(nt[6:])), uint32(le.Uint16(nt[20:]))
	secs := at(peOff+24+optSize, 40*min(nsec, 96))
	for i := 0; secs != nil && i < len(secs)/40; i++ {
		s := secs[40*i:]
		name := strings.TrimRight(string(s[:8]), "\x00")
		m.Sections = append(m.Sections, Section{Name: name, RVA: le.Uint32(s[12:]), Size: le.Uint32(s[8:])})
	}
	if optSize < 112+8 {
		return
	}
	expRVA, expSize := le.Uint32(nt[24+112:]), le.Uint32(nt[24+116:])
	dir := at(expRVA, 40)
	if expSize == 0 || dir == nil {
		return
	}
	nnames, funcs, names, ords := le.Uint32(dir[24:]), le.Uint32(dir[28:]), le.Uint32(dir[32:]), le.Uint32(dir[36:])
	nfuncs := le.Uint32(dir[20:])
	nameTab, ordTab, funcTab := at(names, 4*int(min(nnames, 1<<16))), at(ords, 2*int(min(nnames, 1<<16))), at(funcs, 4*int(min(nfuncs, 1<<16)))
	if nameTab == nil || ordTab == nil || funcTab == nil {
		return
	}
	for i := range len(nameTab) / 4 {
		ord := int(le.Uint16(ordTab[2*i:]))
		if 4*ord+4 > len(funcTab) {
			continue
		}
		rva := le.Uint32(funcTab[4*ord:])
		if rva >= expRVA && rva < expRVA+expSize {
			continue // a forwarder, not code here
		}
		nb := at(le.Uint32(nameTab[4*i:]), 0)
		for n := uint32(0); n < 256; n++ {
			c := at(le.Uint32(nameTab[4*i:])+n, 1)
			if c == nil || c[0] == 0 {
				break
			}
			nb = append(nb, c[0])
		}
		m.Exports = append(m.Exports, Export{Name: string(nb), RVA: rva})
	}
	slices.SortFunc(m.Exports, func(a, b Export) int { return int(int64(a.RVA) - int64(b.RVA)) })
}

package boot

import (
	"errors"
	"strings"

	"github.com/twinstep/twinstep/arch"
)

// Boot-information constants (docs/BOOT.md).
const (
	Magic   = 0x54535754 // "TWST", in the block and in RSI
	Version = 1
)

// Selectors of the boot GDT.
const (
	codeSelector = 0x08
	dataSelector = 0x10
)

// gdt is the boot GDT: null, 64-bit code and data, both DPL 0 and marked
// accessed so the descriptors match the hidden parts Load sets.
var gdt = [3]uint64{0, 0x00af9b000000ffff, 0x00cf93000000ffff}

// Load puts the kernel, initrd and command line in ram (guest physical
// memory from address 0; the hole [0xA0000, 0x100000) is not RAM), builds
// the boot information, page tables, GDT and stack, and returns the state
// at the kernel's 64-bit entry. On error ram may be partly written.
func Load(ram []byte, kernel, initrd []byte, cmdline string) (arch.State, error) {
	ramSize := uint64(len(ram))
	im, err := ParseKernel(kernel, ramSize)
	if err != nil {
		return arch.State{}, err
	}
	if strings.IndexByte(cmdline, 0) >= 0 {
		return arch.State{}, errors.New("the command line contains a NUL byte")
	}
	pt, err := newPageTables(im)
	if err != nil {
		return arch.State{}, err
	}
	l, err := plan(im, ramSize, uint64(len(initrd)), uint64(len(cmdline)), pt.size())
	if err != nil {
		return arch.State{}, err
	}
	for _, s := range im.Segments {
		n := copy(ram[s.Paddr:], s.Data)
		clear(ram[s.Paddr+uint64(n) : s.Paddr+s.Memsz])
	}
	copy(ram[l.initrd.Base:], initrd)
	data := ram[l.data.Base:l.data.End]
	clear(data)
	writeInfo(data, l)
	copy(ram[l.cmdline:], cmdline) // the NUL is already there
	for i, d := range gdt {
		le.PutUint64(ram[l.gdt+uint64(i)*8:], d)
	}
	pt.write(ram[l.tables:], l.tables)
	return entryState(im.Entry, l), nil
}

// writeInfo writes the boot-information block at the start of the boot data.
func writeInfo(b []byte, l layout) {
	le.PutUint32(b[0:], Magic)
	le.PutUint32(b[4:], Version)
	copy(b[8:24], "twinstep")
	le.PutUint64(b[24:], l.cmdline)
	le.PutUint64(b[32:], l.initrd.Base)
	le.PutUint64(b[40:], l.initrd.End-l.initrd.Base)
	le.PutUint64(b[48:], l.kernel.Base)
	le.PutUint64(b[56:], l.kernel.End)
	le.PutUint32(b[64:], uint32(len(l.mmap)))
	for i, r := range l.mmap {
		e := b[infoHeaderSize+i*mmapEntrySize:]
		le.PutUint64(e[0:], r.Base)
		le.PutUint64(e[8:], r.End-r.Base)
		le.PutUint32(e[16:], r.Type)
	}
}

// entryState is the CPU state at the 64-bit entry (docs/BOOT.md).
func entryState(entry uint64, l layout) arch.State {
	var s arch.State
	s.RIP = entry
	s.RFLAGS = arch.FlagsFixed
	s.GPR[arch.RDI] = l.data.Base // the boot information comes first
	s.GPR[arch.RSI] = Magic
	s.GPR[arch.RSP] = l.data.End // the stack is last; End is page-aligned
	code := arch.Segment{Selector: codeSelector, Limit: 0xffffffff, Attr: 0xa09b}
	data := arch.Segment{Selector: dataSelector, Limit: 0xffffffff, Attr: 0xc093}
	s.Seg[arch.CS] = code
	s.Seg[arch.SS], s.Seg[arch.DS], s.Seg[arch.ES] = data, data, data
	s.GDTR = arch.DescriptorTable{Base: l.gdt, Limit: gdtSize - 1}
	s.CR0 = arch.CR0PE | arch.CR0MP | arch.CR0ET | arch.CR0NE | arch.CR0WP | arch.CR0PG
	s.CR3 = l.tables // the PML4 is the first table
	s.CR4 = arch.CR4PAE | arch.CR4OSFXSR | arch.CR4OSXMMEXCPT
	s.EFER = arch.EFERLME | arch.EFERLMA | arch.EFERNXE
	s.MXCSR = 0x1f80
	s.X87.FCW = 0x37f
	s.MSR.PAT = 0x0007040600070406
	s.MSR.APICBase = 0xFEE00900 // xAPIC enabled at 0xFEE00000, this CPU the BSP
	return s
}

package boot

import "fmt"

// Memory-map types (docs/BOOT.md).
const (
	MemUsable   = 1
	MemReserved = 2
	MemKernel   = 3
	MemInitrd   = 4
	MemBootData = 5
)

// Region is a physical range [Base, End) of one memory-map type.
type Region struct {
	Base, End uint64
	Type      uint32
}

// Sizes within the boot data.
const (
	infoHeaderSize = 72
	mmapEntrySize  = 24
	// maxMmap bounds the map: low RAM, then in high RAM the kernel, initrd
	// and boot data with a usable gap before each and the rest after.
	maxMmap   = 8
	infoSize  = infoHeaderSize + maxMmap*mmapEntrySize
	gdtSize   = 3 * 8
	stackSize = 64 << 10
)

// layout is where Load puts everything. Boot data holds, in order: the
// boot information, the command line, the GDT, the page tables and the
// stack.
type layout struct {
	kernel, initrd, data Region // initrd is zero when there is none
	cmdline, gdt, tables uint64 // cmdline is 0 when there is none
	mmap                 []Region
}

// plan places the initrd at the first page boundary after the kernel and
// the boot data at the first page boundary after that.
func plan(im *Image, ramSize uint64, initrdLen, cmdlineLen, tablesSize uint64) (layout, error) {
	var l layout
	l.kernel.Base, l.kernel.End = im.Extent()
	l.kernel.Type = MemKernel
	next := alignUp(l.kernel.End) // segments end in RAM, so far below overflow
	if initrdLen > 0 {
		end, ok := add(next, initrdLen)
		if !ok || end > ramSize {
			return l, fmt.Errorf("initrd (%d bytes) does not fit in RAM (%#x bytes) after the kernel, which ends at %#x",
				initrdLen, ramSize, l.kernel.End)
		}
		l.initrd = Region{next, end, MemInitrd}
		next = alignUp(end)
	}
	off := uint64(infoSize)
	if cmdlineLen > 0 {
		l.cmdline = next + off
		off += cmdlineLen + 1 // the NUL; a string's length is far below overflow
	}
	off = (off + 7) &^ 7
	l.gdt = next + off
	off = alignUp(off + gdtSize)
	l.tables = next + off
	off += tablesSize + stackSize
	end, ok := add(next, off)
	switch {
	case !ok || end > ramSize:
		return l, fmt.Errorf("the command line (%d bytes) and boot data (%d bytes in all) do not fit in RAM (%#x bytes) after the kernel and initrd",
			cmdlineLen, off, ramSize)
	case end > identityEnd:
		return l, fmt.Errorf("boot data [%#x, %#x) would reach above the identity-mapped 4 GiB", next, end)
	}
	l.data = Region{next, end, MemBootData}
	l.mmap = memoryMap(ramSize, []Region{l.kernel, l.initrd, l.data})
	return l, nil
}

func alignUp(a uint64) uint64 { return (a + pageSize - 1) &^ (pageSize - 1) }

// memoryMap lists every byte of RAM once: the used regions (sorted,
// disjoint, empty ones ignored) with their types and the rest as usable.
func memoryMap(ramSize uint64, used []Region) []Region {
	var out []Region
	emit := func(base, end uint64, typ uint32) {
		if base < end {
			out = append(out, Region{base, end, typ})
		}
	}
	for _, ram := range []Region{{0, min(ramSize, holeStart), 0}, {holeEnd, ramSize, 0}} {
		at := ram.Base
		for _, u := range used {
			base, end := max(u.Base, ram.Base), min(u.End, ram.End)
			if base >= end {
				continue
			}
			emit(at, base, MemUsable)
			emit(base, end, u.Type)
			at = end
		}
		emit(at, ram.End, MemUsable)
	}
	return out
}

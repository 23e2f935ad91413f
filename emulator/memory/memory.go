// Package memory holds guest-physical memory: 4 KiB pages, allocated when
// first mapped, at any address.
package memory

import (
	"fmt"
	"sort"
)

// PageSize is the size of a guest page.
const PageSize = 4096

// Page is one page of guest memory.
type Page = [PageSize]byte

// Sparse is a guest-physical address space of pages allocated on demand.
// The zero value is an empty address space.
type Sparse struct {
	pages map[uint64]*Page
	// Generation changes whenever a page is mapped or unmapped, so caches of
	// page pointers (the CPU's TLB) know to refill.
	Generation uint64
}

// Page returns the page containing physical address pa, or nil if unmapped.
func (s *Sparse) Page(pa uint64) *Page {
	return s.pages[pa/PageSize]
}

// Map makes the pages covering [addr, addr+size) present, zero-filled where
// they were not mapped before.
func (s *Sparse) Map(addr, size uint64) {
	if s.pages == nil {
		s.pages = make(map[uint64]*Page)
	}
	if size == 0 {
		return
	}
	for pn := addr / PageSize; pn <= (addr+size-1)/PageSize; pn++ {
		if s.pages[pn] == nil {
			s.pages[pn] = new(Page)
		}
	}
	s.Generation++
}

// Unmap removes every page that overlaps [addr, addr+size).
func (s *Sparse) Unmap(addr, size uint64) {
	if size == 0 {
		return
	}
	for pn := addr / PageSize; pn <= (addr+size-1)/PageSize; pn++ {
		delete(s.pages, pn)
	}
	s.Generation++
}

// Write copies data into mapped memory at pa.
func (s *Sparse) Write(pa uint64, data []byte) error {
	for len(data) > 0 {
		p := s.Page(pa)
		if p == nil {
			return fmt.Errorf("memory: write to unmapped address %#x", pa)
		}
		n := copy(p[pa%PageSize:], data)
		data, pa = data[n:], pa+uint64(n)
	}
	return nil
}

// Read copies mapped memory at pa into buf.
func (s *Sparse) Read(pa uint64, buf []byte) error {
	for len(buf) > 0 {
		p := s.Page(pa)
		if p == nil {
			return fmt.Errorf("memory: read from unmapped address %#x", pa)
		}
		n := copy(buf, p[pa%PageSize:])
		buf, pa = buf[n:], pa+uint64(n)
	}
	return nil
}

// PageAddrs lists the base addresses of the mapped pages, ascending.
func (s *Sparse) PageAddrs() []uint64 {
	out := make([]uint64, 0, len(s.pages))
	for pn := range s.pages {
		out = append(out, pn*PageSize)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

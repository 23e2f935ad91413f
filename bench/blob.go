// Package bench runs the same machine code on the emulator, on Unicorn and
// on qemu-user and compares their speed: the workloads in workloads/ (gcc
// -O2 code built at build time into one static blob), run at the same
// addresses, their instruction counts taken from the emulator (the bytes
// and inputs are the same everywhere, so are the counts) and their answers
// compared so an engine that computes something else is caught.
package bench

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// Workloads are the blob's workloads, by the number run() takes.
var Workloads = []Workload{
	{1, "cpu-loop", "the CPU-bound loop of BenchmarkMIPS (ALU, LEA, a store and a load, a branch)"},
	{2, "sha256-1MiB", "SHA-256 over 1 MiB"},
	{3, "crc32-4MiB", "CRC-32 byte by byte over 4 MiB"},
	{4, "qsort-256K", "quicksort of 256K 32-bit integers"},
}

// Workload is one of the blob's workloads.
type Workload struct {
	N    int
	Name string
	What string
}

// Blob is the loaded benchmark image.
type Blob struct {
	Path    string
	Regions []engine.Region // the PT_LOAD segments, page-aligned, and the stack
	Run     uint64          // run(n)
	Halt    uint64          // a HLT run() returns to
	stack   uint64          // the top of the stack region
}

const (
	stackBase = 0x7ff00000
	stackSize = 1 << 16
)

// Load reads the blob at path.
func Load(path string) (*Blob, error) {
	f, err := elf.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is missing: make bench builds it", path)
		}
		return nil, fmt.Errorf("%s: not an ELF file: %w", path, err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 || f.Type != elf.ET_EXEC {
		return nil, fmt.Errorf("%s: not a static x86-64 executable", path)
	}
	b := &Blob{Path: path, stack: stackBase + stackSize}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		if p.Filesz > p.Memsz || p.Vaddr+p.Memsz < p.Vaddr || p.Vaddr+p.Memsz > stackBase {
			return nil, fmt.Errorf("%s: segment at %#x+%#x is out of range", path, p.Vaddr, p.Memsz)
		}
		start, end := p.Vaddr&^0xfff, (p.Vaddr+p.Memsz+0xfff)&^0xfff
		data := make([]byte, end-start)
		if _, err := p.ReadAt(data[p.Vaddr-start:][:p.Filesz], 0); err != nil && p.Filesz > 0 {
			return nil, fmt.Errorf("%s: segment at %#x: %w", path, p.Vaddr, err)
		}
		b.Regions = append(b.Regions, engine.Region{Addr: start, Data: data})
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: not the benchmark blob", path, err)
	}
	for _, s := range syms {
		switch s.Name {
		case "run":
			b.Run = s.Value
		case "bench_halt":
			b.Halt = s.Value
		}
	}
	if b.Run == 0 || b.Halt == 0 || len(b.Regions) == 0 {
		return nil, fmt.Errorf("%s: no run and bench_halt symbols or no segments: not the benchmark blob", path)
	}
	return b, nil
}

// Memory returns fresh copies of the blob's regions and a zeroed stack
// holding run()'s return address: every run starts from the same bytes.
func (b *Blob) Memory() []engine.Region {
	out := make([]engine.Region, 0, len(b.Regions)+1)
	for _, r := range b.Regions {
		out = append(out, engine.Region{Addr: r.Addr, Data: append([]byte(nil), r.Data...)})
	}
	stack := make([]byte, stackSize)
	ret := b.stack - 8 - stackBase
	for i := range 8 {
		stack[ret+uint64(i)] = byte(b.Halt >> (8 * i))
	}
	return append(out, engine.Region{Addr: stackBase, Data: stack})
}

// State is the state run(n) starts in: flat 64-bit mode at CPL 0, so the
// HLT it returns to ends the emulator's run.
func (b *Blob) State(n int) arch.State {
	s := arch.Flat64()
	s.CPL = 0
	s.RIP = b.Run
	s.GPR[arch.RDI] = uint64(n)
	s.GPR[arch.RSP] = b.stack - 8
	return s
}

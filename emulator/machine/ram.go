package machine

import (
	"runtime"
	"syscall"
)

// newRAM returns size bytes of zeroed guest RAM. It maps anonymous memory
// rather than allocating from the Go heap: the kernel hands out zero pages
// lazily, so a 128 MiB machine costs only the pages the guest touches, and
// nothing is cleared up front. The mapping is released when owner becomes
// unreachable.
func newRAM(owner *Machine, size int) []byte {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]byte, size) // no mmap: the heap works too, just eagerly
	}
	runtime.AddCleanup(owner, func(b []byte) { _ = syscall.Munmap(b) }, b)
	return b
}

//go:build linux && amd64

package native

import (
	"os"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// shm is the memory shared with the helper: the one place this package
// touches raw pointers and system calls.
type shm struct {
	b    []byte
	file *os.File // the memfd, passed to the helper as fd 3
}

func newSHM() (*shm, error) {
	fd, err := unix.MemfdCreate("twinstep-native", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "twinstep-native-shm")
	if err := unix.Ftruncate(fd, shmSize); err != nil {
		f.Close()
		return nil, err
	}
	b, err := unix.Mmap(fd, 0, shmSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, err
	}
	// Fault the pages in now: on these hosts a first touch costs far more
	// in the middle of a batch than it does here.
	_ = unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	return &shm{b: b, file: f}, nil
}

func (m *shm) close() {
	if m.b != nil {
		unix.Munmap(m.b)
		m.b = nil
	}
	m.file.Close()
}

func (m *shm) word(off int) *uint32 { return (*uint32)(unsafe.Pointer(&m.b[off])) }

func (m *shm) load(off int) uint32     { return atomic.LoadUint32(m.word(off)) }
func (m *shm) store(off int, v uint32) { atomic.StoreUint32(m.word(off), v) }

const (
	futexWait = 0
	futexWake = 1
)

// wake wakes the helper waiting on the word at off.
func (m *shm) wake(off int) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(m.word(off))), futexWake, 1, 0, 0, 0)
}

// wait sleeps while the word at off holds old, at most d.
func (m *shm) wait(off int, old uint32, d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(m.word(off))), futexWait, uintptr(old),
		uintptr(unsafe.Pointer(&ts)), 0, 0)
}

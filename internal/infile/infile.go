// Package infile reads input files with a bound on their size, so a file
// too large for what it holds, or a device that never ends (/dev/zero),
// is a clear error instead of a hang or an exhausted memory.
package infile

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// Read reads the file at path, which may hold at most limit bytes. A
// directory is refused; a pipe or device is read up to the limit. The
// open does not block, so a named pipe nobody writes to reads as empty
// instead of waiting forever.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case fi.IsDir():
		return nil, fmt.Errorf("%s is a directory, not a file", path)
	case fi.Mode().IsRegular() && fi.Size() > limit:
		return nil, tooLarge(path, limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(path, limit)
	}
	return b, nil
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s is larger than %s, the most this input can be", path, size(limit))
}

// size spells a limit in the unit people use for it.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

package infile

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path  string
		limit int64
		want  string // the contents, or the error's text
		fails bool
	}{
		{small, 10, "0123456789", false},
		{small, 9, "is larger than 9 bytes", true},
		{"/dev/zero", 1 << 20, "/dev/zero is larger than 1 MiB", true}, // never ends: bounded, not read forever
		{"/dev/null", 1 << 10, "", false},
		{dir, 1 << 10, "is a directory", true},
		{filepath.Join(dir, "none"), 1 << 10, "no such file", true},
	} {
		b, err := Read(tc.path, tc.limit)
		switch {
		case tc.fails && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("Read(%s, %d): %v, want an error saying %q", tc.path, tc.limit, err, tc.want)
		case !tc.fails && (err != nil || string(b) != tc.want):
			t.Errorf("Read(%s, %d) = %q, %v; want %q", tc.path, tc.limit, b, err, tc.want)
		}
	}
}

// A named pipe with no writer reads as empty rather than blocking the open.
func TestReadPipeWithoutWriter(t *testing.T) {
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := Read(p, 1<<10); err != nil || len(b) != 0 {
		t.Fatalf("Read = %q, %v; want nothing", b, err)
	}
}

package outfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Paths that exist and are not regular files are refused before anything
// is written, and keep what they were; regular paths are replaced whole.
func TestCreate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, path string) // makes what is at path before the write
		want    string                          // the error, "" for success
	}{
		{"new file", func(*testing.T, string) {}, ""},
		{"existing file", func(t *testing.T, p string) { must(t, os.WriteFile(p, []byte("old contents, longer"), 0o644)) }, ""},
		{"symbolic link to a file", func(t *testing.T, p string) {
			must(t, os.WriteFile(p+".target", nil, 0o644))
			must(t, os.Symlink(p+".target", p))
		}, ""},
		{"directory", func(t *testing.T, p string) { must(t, os.Mkdir(p, 0o755)) }, "is not a regular file (d"},
		{"named pipe", func(t *testing.T, p string) { must(t, syscall.Mkfifo(p, 0o644)) }, "is not a regular file (p"},
		{"device", func(t *testing.T, p string) {
			if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3); err != nil { // a copy of /dev/null
				t.Skipf("cannot make a device node here: %v", err)
			}
		}, "is not a regular file (Dc"},
		{"partial is a directory", func(t *testing.T, p string) { must(t, os.Mkdir(p+".partial", 0o755)) }, ".partial exists and is not a regular file"},
		{"partial is a symbolic link", func(t *testing.T, p string) {
			must(t, os.WriteFile(p+".other", []byte("keep"), 0o644))
			must(t, os.Symlink(p+".other", p+".partial"))
		}, ".partial exists and is not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "out")
			tc.prepare(t, p)
			before, _ := os.Lstat(p)
			err := WriteFile(p, []byte("new"))
			if tc.want == "" {
				b, rerr := os.ReadFile(p)
				if err != nil || rerr != nil || string(b) != "new" {
					t.Fatalf("WriteFile: %v; the file holds %q (%v)", err, b, rerr)
				}
				if _, err := os.Lstat(p + ".partial"); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the partial file is left: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("WriteFile: %v, want an error saying %q", err, tc.want)
			}
			if after, _ := os.Lstat(p); (before == nil) != (after == nil) || before != nil && before.Mode() != after.Mode() {
				t.Fatalf("the path changed: %v, now %v", before, after)
			}
			if b, err := os.ReadFile(p + ".other"); err == nil && string(b) != "keep" {
				t.Fatalf("the file the partial link points to was truncated: %q", b)
			}
		})
	}
}

// A write error (the disk full) sticks: later writes fail too, and Commit
// fails, removes the partial file and leaves the path as it was.
func TestWriteErrorCommitsNothing(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full to fill: %v", err)
	}
	for _, old := range []string{"", "the previous trace"} {
		p := filepath.Join(t.TempDir(), "out")
		if old != "" {
			must(t, os.WriteFile(p, []byte(old), 0o644))
		}
		f, err := Create(p)
		must(t, err)
		partial := f.f
		f.f = full // every write now fails with ENOSPC
		_, err1 := f.Write([]byte("chunk 1"))
		_, err2 := f.Write([]byte("chunk 2"))
		f.f = partial
		err = f.Commit()
		for i, e := range []error{err1, err2, err} {
			if !errors.Is(e, syscall.ENOSPC) || !strings.Contains(e.Error(), "writing "+p) {
				t.Errorf("error %d: %v, want ENOSPC naming %s", i, e, p)
			}
		}
		if _, err := os.Lstat(p + ".partial"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the partial file is left: %v", err)
		}
		if b, _ := os.ReadFile(p); string(b) != old {
			t.Errorf("the path holds %q, want %q", b, old)
		}
	}
	full.Close()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

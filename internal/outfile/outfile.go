// Package outfile writes output files so that no reader ever finds a short
// one under the final name: the bytes go to PATH.partial, which is synced
// to disk and renamed over PATH only when every write succeeded. Every
// command that writes a file (traces, exports, reports, cases) goes through
// it.
package outfile

import (
	"fmt"
	"os"
)

// File is an output file being written.
type File struct {
	f         *os.File
	path, tmp string
	err       error // the first write error: it sticks, so nothing short is committed
}

// Check refuses a path that exists and is not a regular file (a device,
// a directory, a pipe): renaming over it would replace a device node with
// a file, or fail only at the end of the work. PATH.partial must not be a
// symbolic link either, as truncating it would truncate another file.
// Create checks; a command checks its output paths before long work too.
func Check(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file (%s); give a file name", path, fi.Mode().Type())
	}
	tmp := path + ".partial"
	if fi, err := os.Lstat(tmp); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is not a regular file (%s); remove it", tmp, fi.Mode().Type())
	}
	return nil
}

// Create checks path and opens PATH.partial for writing.
func Create(path string) (*File, error) {
	if err := Check(path); err != nil {
		return nil, err
	}
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
	if err != nil {
		return nil, err
	}
	return &File{f: f, path: path, tmp: tmp}, nil
}

// Write writes to the partial file. After the first error it writes
// nothing more and returns that error again, so a caller that checks only
// at the end still fails.
func (f *File) Write(b []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.f.Write(b)
	if err != nil {
		f.err = fmt.Errorf("writing %s: %w", f.path, err)
	}
	return n, f.err
}

// Commit syncs the partial file to disk and renames it over the path. On
// any failure, then or before, it removes the partial file and returns the
// error: the path keeps what it held.
func (f *File) Commit() error {
	err := f.err
	if err == nil {
		if err = f.f.Sync(); err != nil {
			err = fmt.Errorf("writing %s: %w", f.path, err)
		}
	}
	if cerr := f.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %s: %w", f.path, cerr)
	}
	if err == nil {
		err = os.Rename(f.tmp, f.path)
	}
	if err != nil {
		os.Remove(f.tmp)
	}
	return err
}

// Abort removes the partial file; the path keeps what it held.
func (f *File) Abort() {
	f.f.Close()
	os.Remove(f.tmp)
}

// WriteFile writes b to path through a File.
func WriteFile(path string, b []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

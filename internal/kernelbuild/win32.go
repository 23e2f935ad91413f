package kernelbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
)

var (
	win32Once sync.Once
	win32Root string
	win32Err  error
)

// BuildWin32 runs `make -s win32 wine` in the repository root (once per
// process): our user-mode DLLs and test programs (build/win32) and Wine's
// cmd.exe (build/wine/cmd.exe). It returns the repository root.
func BuildWin32() (root string, err error) {
	win32Once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			win32Err = err
			return
		}
		out, err := Make(root, "win32", "wine")
		if err != nil {
			win32Err = fmt.Errorf("kernelbuild: make -s win32 wine in %s: %v\n%s", root, err, out)
			return
		}
		win32Root = root
	})
	return win32Root, win32Err
}

// Make runs `make -s targets...` in root under the build lock that Build
// also takes.
func Make(root string, targets ...string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Join(root, "build"), 0o755); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(filepath.Join(root, "build", ".kernelbuild.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	defer lock.Close() // releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("locking %s: %v", lock.Name(), err)
	}
	cmd := exec.Command("make", append([]string{"-s"}, targets...)...)
	cmd.Dir = root
	return cmd.CombinedOutput()
}

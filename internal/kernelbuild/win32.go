package kernelbuild

// BuildWin32 builds everything Build does (the kernel's initrd holds our
// user-mode DLLs, our Windows test programs under build/win32 and Wine's
// cmd.exe under build/wine) and returns the repository root, where the
// tests find those files.
func BuildWin32() (root string, err error) {
	if _, _, err := Build(); err != nil {
		return "", err
	}
	return repoRoot()
}

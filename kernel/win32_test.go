package kernel_test

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/emulator/machine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
)

// Our DLLs, in build/win32/System32, with their preferred image bases.
var win32DLLs = []string{"ntdll", "kernel32", "ucrtbase", "msvcrt", "advapi32", "user32", "shell32"}

// peExports lists the names a PE image exports (its export directory).
func peExports(path string) (map[string]bool, error) {
	f, err := pe.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return nil, fmt.Errorf("%s: not PE32+", path)
	}
	if len(oh.DataDirectory) < 1 || oh.DataDirectory[0].VirtualAddress == 0 {
		return map[string]bool{}, nil
	}
	// read the image's sections at their RVAs
	img := make([]byte, oh.SizeOfImage)
	for _, s := range f.Sections {
		data, err := s.Data()
		if err != nil {
			return nil, err
		}
		n := copy(img[s.VirtualAddress:], data)
		_ = n
	}
	ed := img[oh.DataDirectory[0].VirtualAddress:]
	nnames := binary.LittleEndian.Uint32(ed[24:])
	names := binary.LittleEndian.Uint32(ed[32:])
	out := map[string]bool{}
	for i := uint32(0); i < nnames; i++ {
		rva := binary.LittleEndian.Uint32(img[names+4*i:])
		end := rva
		for img[end] != 0 {
			end++
		}
		out[string(img[rva:end])] = true
	}
	return out, nil
}

// peImports maps lower-case DLL names to the functions path imports from them.
func peImports(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := pe.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.ImportedSymbols()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string][]string{}
	for _, s := range syms {
		fn, dll, ok := strings.Cut(s, ":")
		if !ok {
			t.Fatalf("%s: odd import %q", path, s)
		}
		dll = strings.TrimSuffix(strings.ToLower(dll), ".dll")
		out[dll] = append(out[dll], fn)
	}
	return out
}

// TestWin32Imports: every function Wine's cmd.exe, our test programs and our
// DLLs import is exported by our DLL of that name.
func TestWin32Imports(t *testing.T) {
	root, err := kernelbuild.BuildWin32()
	if err != nil {
		t.Fatal(err)
	}
	sys := filepath.Join(root, "build", "win32", "System32")
	exports := map[string]map[string]bool{}
	for _, d := range win32DLLs {
		e, err := peExports(filepath.Join(sys, d+".dll"))
		if err != nil {
			t.Fatal(err)
		}
		exports[d] = e
		t.Logf("%s.dll exports %d functions", d, len(e))
	}
	images := []string{filepath.Join(root, "build", "wine", "cmd.exe")}
	progs, _ := filepath.Glob(filepath.Join(root, "build", "win32", "programs", "*.exe"))
	if len(progs) < 5 {
		t.Errorf("expected args, files, exitcode, fault and modules .exe in build/win32/programs, found %v", progs)
	}
	images = append(images, progs...)
	for _, d := range win32DLLs {
		images = append(images, filepath.Join(sys, d+".dll"))
	}
	for _, img := range images {
		imps := peImports(t, img)
		var missing []string
		total := 0
		var perDLL []string
		for dll, fns := range imps {
			total += len(fns)
			perDLL = append(perDLL, fmt.Sprintf("%s %d", dll, len(fns)))
			ex, ok := exports[dll]
			if !ok {
				missing = append(missing, fmt.Sprintf("%s.dll (not one of ours)", dll))
				continue
			}
			for _, fn := range fns {
				if !ex[fn] {
					missing = append(missing, dll+"!"+fn)
				}
			}
		}
		sort.Strings(missing)
		sort.Strings(perDLL)
		name := filepath.Base(img)
		t.Logf("%s imports %d functions (%s)", name, total, strings.Join(perDLL, ", "))
		if len(missing) > 0 {
			t.Errorf("%s: %d imports not exported by our DLLs: %s", name, len(missing), strings.Join(missing, " "))
		}
		if strings.HasSuffix(name, ".exe") && name != "cmd.exe" {
			for dll := range imps {
				if dll != "kernel32" && dll != "ucrtbase" {
					t.Errorf("%s imports from %s.dll: test programs may use only kernel32 and ucrtbase", name, dll)
				}
			}
		}
	}
	if n := len(peImports(t, images[0])); n != 6 {
		t.Errorf("cmd.exe imports from %d DLLs, expected 6", n)
	}
}

// TestWin32Images: PE32+ x86-64 DLLs with relocations, distinct image bases
// and no time stamps (deterministic output).
func TestWin32Images(t *testing.T) {
	root, err := kernelbuild.BuildWin32()
	if err != nil {
		t.Fatal(err)
	}
	bases := map[uint64]string{}
	check := func(path string, dll bool) {
		f, err := pe.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		name := filepath.Base(path)
		if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
			t.Errorf("%s: machine %#x", name, f.Machine)
		}
		if f.TimeDateStamp != 0 {
			t.Errorf("%s: time stamp %#x, want 0", name, f.TimeDateStamp)
		}
		oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
		if !ok {
			t.Fatalf("%s: not PE32+", name)
		}
		if oh.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_BASERELOC].Size == 0 {
			t.Errorf("%s: no base relocations", name)
		}
		if oh.AddressOfEntryPoint == 0 {
			t.Errorf("%s: no entry point", name)
		}
		if dll {
			if f.Characteristics&pe.IMAGE_FILE_DLL == 0 {
				t.Errorf("%s: not marked as a DLL", name)
			}
			if other, dup := bases[oh.ImageBase]; dup {
				t.Errorf("%s and %s share image base %#x", name, other, oh.ImageBase)
			}
			bases[oh.ImageBase] = name
		} else if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_CUI {
			t.Errorf("%s: subsystem %d, want console", name, oh.Subsystem)
		}
	}
	for _, d := range win32DLLs {
		check(filepath.Join(root, "build", "win32", "System32", d+".dll"), true)
	}
	progs, _ := filepath.Glob(filepath.Join(root, "build", "win32", "programs", "*.exe"))
	for _, p := range progs {
		check(p, false)
	}
	// a second build from scratch in another directory gives the same bytes
	again := filepath.Join("build", "win32-again")
	os.RemoveAll(filepath.Join(root, again))
	defer os.RemoveAll(filepath.Join(root, again))
	if out, err := kernelbuild.Make(root, "W32_OUT="+again, "win32"); err != nil {
		t.Fatalf("second build: %v\n%s", err, out)
	}
	for _, d := range win32DLLs {
		a, err1 := os.ReadFile(filepath.Join(root, "build", "win32", "System32", d+".dll"))
		b, err2 := os.ReadFile(filepath.Join(root, again, "System32", d+".dll"))
		if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			t.Errorf("%s.dll differs between two builds (%v, %v)", d, err1, err2)
		}
	}
	// ntdll must export the start-up entry and one stub per system call
	ex, err := peExports(filepath.Join(root, "build", "win32", "System32", "ntdll.dll"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"LdrInitializeThunk", "NtClose", "NtCreateFile", "NtTerminateThread", "RtlGetVersion", "_vsnprintf"} {
		if !ex[fn] {
			t.Errorf("ntdll.dll does not export %s", fn)
		}
	}
}

// TestWin32HostUnits builds the DLLs' pure helpers (printf engine, heap,
// paths, command-line splitting, resources) for the host and runs them.
func TestWin32HostUnits(t *testing.T) {
	root, err := kernelbuild.BuildWin32()
	if err != nil {
		t.Fatal(err)
	}
	out, err := kernelbuild.Make(root, "win32-hosttest")
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("make win32-hosttest: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "build", "wine", "cmd.exe")); err == nil && !strings.Contains(string(out), "cmd.exe:") {
		t.Errorf("the resource walker did not run on cmd.exe")
	}
}

// TestWin32CmdSession boots the kernel with Wine's cmd.exe as init (the
// initrd holds our DLLs and test programs), types a session, and checks
// what cmd prints, in order.
func TestWin32CmdSession(t *testing.T) {
	// command, then what must follow it in the output
	steps := []struct{ cmd, want string }{
		{"ver", "Microsoft Windows 10.0.19045"},
		{"echo hello world", "hello world"},
		{"set FOO=bar baz", ""},
		{"echo [%FOO%]", "[bar baz]"},
		{"mkdir tdir", ""},
		{"cd tdir", "C:\\tdir>"},
		{"cd", "C:\\tdir\r\n"},
		{"echo hi > a.txt", ""},
		{"type a.txt", "hi \r\n"},
		{"dir", "a.txt"},
		{"del a.txt", ""},
		{"dir", "0 files"},
		{"cd ..", "C:\\>"},
		{"rem nothing to see", ""},
		{"set TEST=from cmd", ""},
		{`args.exe one "two three" four\"five`, "argc=4\r\nargv[0]=[args.exe]\r\nargv[1]=[one]\r\nargv[2]=[two three]\r\nargv[3]=[four\"five]\r\nTEST=from cmd"},
		{"files.exe", "OK"},
		{"modules.exe", "OK"},
		{"exitcode.exe 42", ""},
		{"echo level=%ERRORLEVEL%", "level=42"},
		{"fault.exe", "fault: writing through a null pointer"},
		{"echo level=%ERRORLEVEL%", "level=-1073741819"},
		{"echo piped | args.exe x", "argv[1]=[x]"},
		{"echo @echo in batch [%1] > t.bat", ""},
		{"echo @exitcode.exe 5 >> t.bat", ""},
		{"t.bat hello", "in batch [hello]"},
		{"echo level=%ERRORLEVEL%", "level=5"},
		{"echo line one> lines.txt", ""},
		{"echo line two>> lines.txt", ""},
		{`for /f "tokens=2" %a in (lines.txt) do @echo tok %a`, "tok one\r\ntok two"},
		{"for /f %a in ('args.exe') do @echo out %a", "out argc=1"},
		{`mkdir tree\sub`, ""},
		{`echo x > tree\sub\f.txt`, ""},
		{"rmdir /s /q tree", ""},
		{"if exist tree (echo still there) else echo gone", "gone"},
		{"copy /b lines.txt+t.bat both.txt", ""},
		{"type both.txt", "line one\r\nline two\r\n@echo in batch"},
		{"echo swallowed > nul", ""},
		{"echo shown > con", "shown"},
		{"cls", "\x1b[2J\x1b[H"},
		{"exit 7", ""},
	}
	var script strings.Builder
	for _, s := range steps {
		script.WriteString(s.cmd + "\r")
	}
	text, exit, _ := bootCmd(t, script.String())
	if exit.Reason != machine.DebugExit || exit.Status != 7 {
		t.Errorf("run ended with %v (%s) status %d, want debug exit 7 (cmd's exit 7)", exit.Reason, exit.Detail, exit.Status)
	}
	pos := 0
	for _, s := range steps {
		i := strings.Index(text[pos:], s.cmd+"\r\n")
		if i < 0 {
			t.Errorf("the command %q is not echoed after offset %d", s.cmd, pos)
			break
		}
		pos += i + len(s.cmd)
		if s.want == "" {
			continue
		}
		j := strings.Index(text[pos:], s.want)
		if j < 0 {
			t.Errorf("after %q: %q not found", s.cmd, s.want)
			continue
		}
		pos += j + len(s.want)
	}
	if t.Failed() {
		t.Logf("console output:\n%s", text)
	}
	t.Logf("cmd session: %d commands, %d instructions", len(steps), exit.Instructions)
}

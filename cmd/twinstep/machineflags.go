package main

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/internal/infile"
)

// Bounds on the files a machine reads: an image (kernel, initrd) and the
// typed script.
const (
	maxImage  = 1 << 30
	maxScript = 16 << 20
)

// machineFlags are the flags that describe a machine to boot, shared by run
// and record so both take the same machine the same way.
type machineFlags struct {
	initrd, cmdline, script, cpu *string
	memory                       *int
	limit                        *uint64
	typed                        []string
}

func addMachineFlags(fs *flag.FlagSet) *machineFlags {
	m := &machineFlags{
		initrd:  fs.String("initrd", "", "the initial ramdisk `file` (a ustar archive)"),
		cmdline: fs.String("cmdline", "", "the kernel command `line`"),
		memory:  fs.Int("memory", 128, "RAM size in `MiB`"),
		limit:   fs.Uint64("max-instructions", 0, "end the run after `N` instructions (0: no limit)"),
		script:  fs.String("script", "", "type the lines of `file`, each newline as Enter"),
		cpu:     fs.String("cpu", "", profileFlagHelp),
	}
	fs.Func("type", "type `TEXT` (Go escapes; repeatable)", func(v string) error {
		t, err := strconv.Unquote(`"` + strings.ReplaceAll(v, `"`, `\"`) + `"`)
		if err != nil {
			return fmt.Errorf("bad escape in %q", v)
		}
		m.typed = append(m.typed, t)
		return nil
	})
	return m
}

// machineInput is what the flags name, read from disk.
type machineInput struct {
	kernel, initrd []byte
	kernelName     string
	initrdName     string
	script         []byte // nil when nothing is typed
	cpu            *cpu.Profile
}

// load checks the flags and reads the kernel, initrd and script files.
// The error says which file or flag is at fault.
func (m *machineFlags) load(kernelPath string) (*machineInput, error) {
	if *m.memory <= 0 {
		return nil, fmt.Errorf("--memory %d: want a positive size in MiB", *m.memory)
	}
	in := &machineInput{kernelName: filepath.Base(kernelPath)}
	var err error
	if *m.cpu != "" {
		if in.cpu, err = cpu.ProfileByName(*m.cpu); err != nil {
			return nil, fmt.Errorf("--cpu: %w", err)
		}
	}
	// Neither image can be larger than the machine's memory, nor than
	// maxImage whatever the memory.
	ram := min(int64(*m.memory)<<20, maxImage)
	if in.kernel, err = infile.Read(kernelPath, ram); err != nil {
		return nil, fmt.Errorf("reading the kernel: %w", err)
	}
	if *m.initrd != "" {
		in.initrdName = filepath.Base(*m.initrd)
		if in.initrd, err = infile.Read(*m.initrd, ram); err != nil {
			return nil, fmt.Errorf("reading the initrd: %w", err)
		}
	}
	script := []byte(strings.Join(m.typed, ""))
	if *m.script != "" {
		b, err := infile.Read(*m.script, maxScript)
		if err != nil {
			return nil, fmt.Errorf("reading the script: %w", err)
		}
		script = append(script, bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\r")), []byte("\n"), []byte("\r"))...)
	}
	if len(m.typed) > 0 || *m.script != "" {
		in.script = script
	}
	return in, nil
}

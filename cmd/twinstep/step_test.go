package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/oracles/native"
)

// writeState writes a state file holding js and returns its path.
func writeState(t *testing.T, js string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// postState reads the JSON object step prints before its outcome lines.
func postState(t *testing.T, out string) arch.State {
	t.Helper()
	end := strings.Index(out, "\n}\n")
	if !strings.HasPrefix(out, "{\n") || end < 0 {
		t.Fatalf("output does not start with a JSON state:\n%s", out)
	}
	var st arch.State
	if err := json.Unmarshal([]byte(out[:end+2]), &st); err != nil {
		t.Fatalf("post-state: %v\n%s", err, out)
	}
	return st
}

func TestStepOneEngine(t *testing.T) {
	for _, tc := range []struct {
		name   string
		state  string // JSON, "" for the default
		args   []string
		check  func(t *testing.T, st arch.State)
		output []string
	}{
		{
			name:  "add on the emulator",
			state: `{"rax":"0x1","rbx":"0x2","rip":"0x400000"}`,
			args:  []string{"--bytes", "4801d8"},
			check: func(t *testing.T, st arch.State) {
				if st.GPR[arch.RAX] != 3 || st.RIP != 0x400003 {
					t.Errorf("rax %#x rip %#x, want 3 and 0x400003", st.GPR[arch.RAX], st.RIP)
				}
			},
			output: []string{"instruction: add rax, rbx (48 01 d8) at 0x400000", "outcome: emulator: completed", "writes: none"},
		},
		{
			name:  "add on unicorn",
			state: `{"rax":"0xffffffffffffffff","rbx":"0x1","rip":"0x400000"}`,
			args:  []string{"--bytes", "48 01 d8", "--engine", "unicorn"},
			check: func(t *testing.T, st arch.State) {
				if st.GPR[arch.RAX] != 0 || st.RFLAGS&(arch.CF|arch.ZF) != arch.CF|arch.ZF {
					t.Errorf("rax %#x rflags %#x, want 0 with CF and ZF", st.GPR[arch.RAX], st.RFLAGS)
				}
			},
			output: []string{"outcome: unicorn: completed"},
		},
		{
			name: "default state runs at 0x400000",
			args: []string{"--bytes", "90"},
			check: func(t *testing.T, st arch.State) {
				if st.RIP != 0x400001 {
					t.Errorf("rip %#x, want 0x400001", st.RIP)
				}
			},
			output: []string{"instruction: nop (90) at 0x400000"},
		},
		{
			name:  "a store maps its page and reports the write",
			state: `{"rax":"0x600010","rbx":"0x1122334455667788","rip":"0x400000"}`,
			args:  []string{"--bytes", "488918", "--seed", "7"},
			check: func(t *testing.T, st arch.State) {
				if st.RIP != 0x400003 {
					t.Errorf("rip %#x, want 0x400003", st.RIP)
				}
			},
			output: []string{"outcome: emulator: completed", "writes: 0x600010:", "->8877665544332211"},
		},
		{
			name:   "an exception is an outcome, not an error",
			state:  `{"rax":"0x0","rdx":"0x0","rcx":"0x0","rip":"0x400000"}`,
			args:   []string{"--bytes", "48f7f1"},
			check:  func(t *testing.T, st arch.State) {},
			output: []string{"outcome: emulator: exception #DE"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"step"}, tc.args...)
			if tc.state != "" {
				args = append(args, "--state", writeState(t, tc.state))
			}
			out, errOut, code := runCmd(t, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			tc.check(t, postState(t, out))
			for _, s := range tc.output {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out[strings.Index(out, "\n}\n")+3:])
				}
			}
		})
	}
}

// The printed post-state is a state file: feeding it back runs the next
// instruction from there.
func TestStepChains(t *testing.T) {
	out, errOut, code := runCmd(t, "", "step", "--bytes", "48ffc0", "--state", writeState(t, `{"rip":"0x400000"}`))
	if code != exitOK {
		t.Fatal(errOut)
	}
	js := out[:strings.Index(out, "\n}\n")+2]
	out, errOut, code = runCmd(t, "", "step", "--bytes", "48ffc0", "--state", writeState(t, js))
	if code != exitOK {
		t.Fatal(errOut)
	}
	if st := postState(t, out); st.GPR[arch.RAX] != 2 || st.RIP != 0x400006 {
		t.Errorf("after two incs: rax %#x rip %#x, want 2 and 0x400006", st.GPR[arch.RAX], st.RIP)
	}
}

func TestStepDiff(t *testing.T) {
	for _, tc := range []struct {
		name   string
		state  string
		bytes  string
		seed   string
		output []string
		rows   map[string][]string // field -> emulator, unicorn (native's is the host's)
	}{
		{
			name:   "match",
			state:  `{"rax":"0x5","rbx":"0x7","rip":"0x400000"}`,
			bytes:  "4801d8",
			output: []string{"outcome: emulator: completed", "outcome: unicorn: completed", "no compared field differs", "verdict: match"},
		},
		{
			// Masked, unless the emulator runs the host's measured profile:
			// then compared (the output says which).
			name:   "undefined flags",
			state:  `{"rax":"0x8000000000000001","rcx":"0x3","rip":"0x400000"}`,
			bytes:  "48d3e0",
			output: []string{"verdict: match"},
		},
		{
			name:  "known oracle mistake",
			state: `{"rip":"0x123456"}`,
			bytes: "66 e9 00 01 00 00",
			seed:  "1",
			output: []string{"instruction: jmp 0x12355c", "verdict: known oracle mistake: 66 on a near branch truncates the target",
				"why: "},
			rows: map[string][]string{"rip": {"0x12355c", "0x355a"}},
		},
		{
			name:   "missing in the emulator",
			state:  `{"rip":"0x400000"}`,
			bytes:  "d9e8",
			output: []string{"outcome: emulator: unimplemented: D9", "verdict: missing"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"step", "--diff", "--bytes", tc.bytes, "--state", writeState(t, tc.state)}
			if tc.seed != "" {
				args = append(args, "--seed", tc.seed)
			}
			out, errOut, code := runCmd(t, "", args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, s := range tc.output {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			if strings.Contains(out, "undefined flags compared") && strings.Contains(out, "masked: ") {
				t.Errorf("undefined flags both compared and masked:\n%s", out)
			}
			if tc.bytes == "48d3e0" && !strings.Contains(out, "undefined flags compared") &&
				!strings.Contains(out, "masked: undefined flags AF OF") {
				t.Errorf("undefined flags neither compared nor masked:\n%s", out)
			}
			if !strings.Contains(out, "agreement: emulator") {
				t.Errorf("no agreement line:\n%s", out)
			}
			for field, want := range tc.rows {
				got := tableRow(out, field)
				if len(got) != 4 || got[1] != want[0] || got[3] != want[1] {
					t.Errorf("row %s = %q, want %q:\n%s", field, got, want, out)
				}
			}
		})
	}
}

func TestStepErrors(t *testing.T) {
	good := writeState(t, `{"rip":"0x400000"}`)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no bytes", []string{}, exitUsage, "--bytes is required"},
		{"bad hex", []string{"--bytes", "48zz"}, exitError, `--bytes: "48zz" is not hex bytes`},
		{"odd hex", []string{"--bytes", "480"}, exitError, "odd length"},
		{"too long", []string{"--bytes", strings.Repeat("66", 15) + "90"}, exitError, "16 bytes; an instruction is at most 15"},
		{"positional bytes", []string{"4801d8"}, exitUsage, `unexpected argument "4801d8"`},
		{"unknown engine", []string{"--bytes", "90", "--engine", "qemu"}, exitError, `unknown engine "qemu"`},
		{"bad seed", []string{"--bytes", "90", "--seed", "-1"}, exitUsage, "invalid value"},
		{"missing state file", []string{"--bytes", "90", "--state", filepath.Join(t.TempDir(), "none.json")}, exitError, "no such file"},
		{"state not JSON", []string{"--bytes", "90", "--state", writeState(t, `{"rax":`)}, exitError, "state.json"},
		{"state number value", []string{"--bytes", "90", "--state", writeState(t, `{"rax":5}`)}, exitError, "hex strings"},
		{"state unknown field", []string{"--bytes", "90", "--state", writeState(t, `{"rzx":"0x1"}`)}, exitError, `unknown field "rzx"`},
		{"rip in the oracle's reserved range", []string{"--bytes", "90", "--engine", "unicorn",
			"--state", writeState(t, `{"rip":"0x7ffffff00000"}`)}, exitError, "reserved range"},
		{"good state still needs bytes", []string{"--state", good}, exitUsage, "--bytes is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runCmd(t, "", append([]string{"step"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr %q lacks %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("stdout not empty:\n%s", out)
			}
		})
	}
}

// TestStepNative runs one instruction on this machine's CPU.
func TestStepNative(t *testing.T) {
	if err := native.Supported(); err != nil {
		t.Skip(err)
	}
	out, errOut, code := runCmd(t, "", "step", "--engine", "native", "--bytes", "4801d8",
		"--state", writeState(t, `{"rax":"0xffffffffffffffff","rbx":"0x2","rip":"0x400000"}`))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if st := postState(t, out); st.GPR[arch.RAX] != 1 || st.RIP != 0x400003 || st.RFLAGS&arch.CF == 0 {
		t.Errorf("rax %#x rip %#x rflags %#x, want 1, 0x400003 and CF:\n%s", st.GPR[arch.RAX], st.RIP, st.RFLAGS, out)
	}
	if !strings.Contains(out, "outcome: native: completed") {
		t.Errorf("no native outcome:\n%s", out)
	}
}

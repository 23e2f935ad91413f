package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/corpus"
)

func TestCorpusAdd(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "s.json")
	if err := os.WriteFile(state, []byte(`{"rip":"0x400000","rbx":"0xff"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string // in stdout or stderr
	}{
		{"match", []string{"--name", "add", "--bytes", "4801d8", "--why", "w", "--state", state}, 0, "add.case: match"},
		{"mistake", []string{"--name", "pop", "--bytes", "f30fb8c3", "--why", "w"}, 0, "known oracle mistake: popcnt is #UD"},
		{"exists", []string{"--name", "add", "--bytes", "4801d8", "--why", "w"}, 1, "exists"},
		{"missing", []string{"--name", "x87", "--bytes", "d9c0", "--why", "w"}, 1, "missing"},
		{"no why", []string{"--name", "x", "--bytes", "90"}, 1, "--why is required"},
		{"bad name", []string{"--name", "A B", "--bytes", "90", "--why", "w"}, 1, "--name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"corpus", "add", "--dir", dir}, tc.args...), &out, &errb)
			if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.out) {
				t.Fatalf("exit %d, want %d; out %q err %q; want %q", code, tc.code, out.String(), errb.String(), tc.out)
			}
		})
	}
	cases, err := corpus.Load(dir)
	if err != nil || len(cases) != 2 || cases[0].State.GPR[3] != 0xff {
		t.Fatalf("written cases: %+v, %v", cases, err)
	}
}

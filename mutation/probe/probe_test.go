package probe

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSkip(t *testing.T) {
	if Skip(Hits(), "00") {
		t.Fatal("an unarmed probe skipped a case: ordinary builds must check everything")
	}
	Arm()
	before := Hits()
	if !Skip(before, "01") {
		t.Error("a case that never reached the change was not skipped")
	}
	Hit()
	if Skip(before, "02") {
		t.Error("a case that reached the change was skipped")
	}
	out := filepath.Join(t.TempDir(), "reached")
	t.Setenv(OutEnv, out)
	if err := Flush(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil || string(b) != "02\n" {
		t.Fatalf("reached keys %q (%v), want only the case that reached the change", b, err)
	}
}

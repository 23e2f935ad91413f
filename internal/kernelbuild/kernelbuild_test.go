package kernelbuild

import "testing"

func TestParseSelftest(t *testing.T) {
	out := "boot: loader \"pvh\"\r\n[ OK ] bootinfo\r\n       note: not supported\r\n[FAIL] pmm\r\n       free count wrong\r\n[ OK ] heap\r\nselftest: 2 passed, 1 failed\r\n"
	r, err := ParseSelftest(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Passed != 2 || r.Failed != 1 || len(r.Tests) != 3 {
		t.Fatalf("got %+v", r)
	}
	if r.Tests[1].Name != "pmm" || r.Tests[1].Passed || r.Tests[1].Detail != "free count wrong" {
		t.Fatalf("failed test parsed as %+v", r.Tests[1])
	}
	if r.Tests[0].Detail != "" {
		t.Fatalf("a note on a passing test became a detail: %+v", r.Tests[0])
	}
	if got := r.Names(); len(got) != 3 || got[2] != "heap" {
		t.Fatalf("Names() = %v", got)
	}
}

func TestParseSelftestErrors(t *testing.T) {
	if _, err := ParseSelftest("[ OK ] bootinfo\nKERNEL PANIC: x\n"); err == nil {
		t.Fatal("missing summary accepted")
	}
	if _, err := ParseSelftest("[ OK ] a\nselftest: 2 passed, 0 failed\n"); err == nil {
		t.Fatal("inconsistent summary accepted")
	}
}

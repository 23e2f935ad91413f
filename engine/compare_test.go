package engine

import (
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

func TestCompareReportsEveryDifference(t *testing.T) {
	a := Result{Outcome: Completed, State: arch.Flat64()}
	b := a
	b.State.GPR[arch.RBX] = 1
	b.State.RIP = 5
	b.State.RFLAGS |= arch.CF | arch.AF
	b.State.XMM[3][1] = 7
	b.State.CR3 = 0x1000 // not compared: no engine reports it the same way
	b.Writes = []Write{{Addr: 0x10, Old: []byte{1}, New: []byte{2}}}
	var got []string
	for _, d := range Compare(&a, &b, Mask{Flags: arch.AF}) {
		got = append(got, d.What)
	}
	if want := "rbx,rip,rflags,xmm3,memory"; strings.Join(got, ",") != want {
		t.Fatalf("differences %v, want %s", got, want)
	}
}

func TestCompareMasks(t *testing.T) {
	a := Result{Outcome: Exception, Vector: arch.VecGP, HasErrorCode: true, State: arch.Flat64()}
	b := a
	b.State.RFLAGS ^= arch.OF
	b.State.GPR[arch.RDX] = 9
	b.HasErrorCode = false // an engine that cannot read the error code does not disagree
	b.ErrorCode = 4
	if d := Compare(&a, &b, Mask{Flags: arch.OF, Result: []string{"rdx"}}); len(d) != 0 {
		t.Fatalf("masked differences reported: %v", d)
	}
	b.Vector = arch.VecPF
	if d := Compare(&a, &b, Mask{Flags: arch.OF, Result: []string{"rdx"}}); len(d) != 1 || d[0].What != "outcome" {
		t.Fatalf("outcome difference: %v", d)
	}
}

func TestDiffBytesAndFormat(t *testing.T) {
	pre := []byte{0, 1, 2, 3, 4, 5}
	post := []byte{0, 9, 9, 3, 4, 8}
	ws := DiffMemory(0x100, pre, post)
	if got := FormatWrites(ws); got != "0x101:0102->0909 0x105:05->08" {
		t.Fatalf("writes %q", got)
	}
	long := Write{Addr: 0, Old: make([]byte, 40), New: make([]byte, 40)}
	if got := FormatWrites([]Write{long}); !strings.Contains(got, "...(40 bytes)") {
		t.Fatalf("long write not shortened: %q", got)
	}
	if !SameWrites(ws, DiffMemory(0x100, pre, post)) || SameWrites(ws, ws[:1]) {
		t.Fatal("SameWrites")
	}
}

package traces

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
)

// syntheticSteps exercises every part of the encoding: sequential and
// jumping RIPs, repeated code at one address, a fault and its delivery,
// port and memory reads, writes, the oracle mark.
func syntheticSteps() (arch.State, []Step) {
	st := arch.Flat64()
	st.RIP = 0x401000
	var steps []Step
	add := func(s Step) {
		s.Pre = st
		steps = append(steps, s)
		st = s.Post
	}
	post := func(f func(*arch.State)) arch.State { s := st; f(&s); return s }
	add(Step{Kind: Retired, Code: []byte{0x48, 0x01, 0xd8}, Post: post(func(s *arch.State) { s.RIP += 3; s.GPR[arch.RAX] = 7; s.RFLAGS = 0x206 })})
	add(Step{Kind: Retired, Code: []byte{0x8b, 0x07}, Post: post(func(s *arch.State) { s.RIP += 2; s.GPR[arch.RAX] = 0x11223344 }),
		Reads: []Access{{Addr: 0x7ffe1000, Data: []byte{0x44, 0x33, 0x22, 0x11}}}})
	add(Step{Kind: Retired, Code: []byte{0xeb, 0xf9}, Post: post(func(s *arch.State) { s.RIP = 0x401000 })})
	add(Step{Kind: Retired, Code: []byte{0x48, 0x01, 0xd8}, Post: post(func(s *arch.State) { s.RIP += 3; s.GPR[arch.RAX] += 2 }), ByOracle: true})
	add(Step{Kind: Retired, Code: []byte{0xec}, Post: post(func(s *arch.State) { s.RIP++; s.GPR[arch.RAX] = 0x41 }),
		Reads: []Access{{Addr: 0x3f8, Data: []byte{0x41}, Port: true}}})
	add(Step{Kind: Raised, Code: []byte{0x89, 0x03}, Post: st, Vector: arch.VecPF, ErrorCode: 6, HasErrorCode: true, Address: 0xdead000})
	add(Step{Kind: Delivery, Post: post(func(s *arch.State) { s.RIP = 0xffffffff80001000; s.CPL = 0; s.CR2 = 0xdead000 }),
		Vector: arch.VecPF, Writes: []Access{{Addr: 0xffff8000001ffff0, Data: bytes.Repeat([]byte{0xab}, 40)}}})
	add(Step{Kind: Delivery, Post: post(func(s *arch.State) { s.RIP = 0xffffffff80002000 }), Vector: 0x40, External: true})
	return steps[0].Pre, steps
}

func encodeSteps(first uint64, start arch.State, steps []Step) []byte {
	var e stepEncoder
	e.begin(first, &start)
	for i := range steps {
		e.add(&steps[i])
	}
	return e.buf
}

func TestStepsRoundTrip(t *testing.T) {
	start, steps := syntheticSteps()
	d, err := NewStepDecoder(encodeSteps(100, start, steps))
	if err != nil {
		t.Fatal(err)
	}
	index := uint64(100)
	for i, want := range steps {
		got, err := d.Next()
		if err != nil || got == nil {
			t.Fatalf("step %d: %v, %v", i, got, err)
		}
		want.Index = index
		if want.IsInstruction() {
			index++
		}
		g := *got
		if len(g.Reads) == 0 {
			g.Reads = nil
		}
		if len(g.Writes) == 0 {
			g.Writes = nil
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("step %d:\n got %+v\nwant %+v\ndiff %v", i, g, want, arch.Diff(&g.Post, &want.Post))
		}
	}
	if s, err := d.Next(); s != nil || err != nil {
		t.Fatalf("after the last step: %v, %v", s, err)
	}
}

// Every cut of a chunk decodes to an error or a prefix of its steps, never
// a panic.
func TestStepsTruncated(t *testing.T) {
	start, steps := syntheticSteps()
	b := encodeSteps(0, start, steps)
	for n := range len(b) {
		d, err := NewStepDecoder(b[:n])
		if err != nil {
			continue
		}
		for {
			s, err := d.Next()
			if err != nil {
				if !strings.Contains(err.Error(), "step of instruction") {
					t.Fatalf("cut at %d: error %q does not say where", n, err)
				}
				break
			}
			if s == nil {
				break
			}
		}
	}
}

func FuzzSteps(f *testing.F) {
	start, steps := syntheticSteps()
	f.Add(encodeSteps(0, start, steps))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := NewStepDecoder(b)
		if err != nil {
			return
		}
		for range 10000 {
			s, err := d.Next()
			if err != nil || s == nil {
				return
			}
		}
	})
}

// The Tenet export: all registers on the first line, then what changed,
// rip on every line, and the memory accesses in Tenet's spelling.
func TestExportTenet(t *testing.T) {
	path, _, _, rec := recordBoot(t, 20_000, 5_000)
	tr, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var b bytes.Buffer
	n, err := tr.ExportTenet(&b)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if n != rec.Instructions || uint64(len(lines)) != n {
		t.Fatalf("%d lines, %d reported, %d instructions", len(lines), n, rec.Instructions)
	}
	for _, r := range tenetRegs {
		if !strings.Contains(lines[0], r+"=0x") {
			t.Fatalf("first line lacks %s: %s", r, lines[0])
		}
	}
	var mr, mw bool
	for i, l := range lines {
		if !strings.Contains(l, "rip=0x") {
			t.Fatalf("line %d has no rip: %s", i, l)
		}
		mr = mr || strings.Contains(l, ",mr=0x")
		mw = mw || strings.Contains(l, ",mw=0x")
	}
	if !mr || !mw {
		t.Fatalf("no memory reads (%v) or writes (%v) in %d lines", mr, mw, len(lines))
	}
	t.Logf("%d lines; line 2: %s", len(lines), lines[1])
}

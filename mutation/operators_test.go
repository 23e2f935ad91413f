package mutation

import (
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// wrap puts statements in a function of package cpu.
func wrap(body string) string {
	return "package cpu\n\nfunc (c *CPU) f(in *decoder.Inst, a, b, d, r uint64) {\n" + body + "\n}\n"
}

func TestOperators(t *testing.T) {
	for _, tc := range []struct {
		body string
		want []string // "op: before -> after"
	}{
		{"x = a & 0xff", []string{"drop: x = a & 0xff -> (removed)", "mask: 0xff -> 0xffff"}},
		{"x = a >> 63", []string{"drop: x = a >> 63 -> (removed)", "mask: 63 -> 31"}},
		{"x = a >> 3", []string{"drop: x = a >> 3 -> (removed)", "offbyone: 3 -> 4", "offbyone: 3 -> 2"}},
		{"if a < b {\n}", []string{"negate: a < b -> !(a < b)", "boundary: < -> <="}},
		{"y := a == b", []string{"negate: == -> !="}},
		{"a += b", []string{"drop: a += b -> (removed)", "direction: += -> -="}},
		{"y := a - b", []string{"direction: - -> +"}},
		{"y := a | arch.CF", []string{"flag: arch.CF -> 0"}},
		{"y := a &^ arch.OF", []string{"flag: arch.OF -> 0"}},
		{"c.setLazy(op, size, a, b, r)", []string{"operand: op, size -> size, op", "operand: size, a -> a, size",
			"operand: a, b -> b, a", "operand: b, r -> r, b"}},
		{"y := uint64(int32(a))", []string{"extend: uint64(...) -> int64(...)", "extend: int32(...) -> uint32(...)"}},
		{"y := in.OpSize", []string{"prefix: in.OpSize -> 4"}},
		{"in.OpSize = 8", []string{"drop: in.OpSize = 8 -> (removed)", "mask: 8 -> 16"}},
		{"y := rex&rexW != 0", []string{"negate: != -> ==", "prefix: rex & rexW -> 0"}},
		{"c.raiseCode(arch.VecGP, 0)", []string{"exception: c.raiseCode(arch.VecGP, 0) -> (removed)",
			"exception: arch.VecGP -> arch.VecSS", "exception: 0 -> 4"}},
		{"c.raise(arch.VecUD)", []string{"exception: c.raise(arch.VecUD) -> (removed)", "exception: arch.VecUD -> arch.VecGP"}},
		{"panic(&Exception{Vector: arch.VecPF, ErrorCode: code})", []string{
			"exception: panic(&Exception{Vector: arch.VecPF, ErrorCode: code}) -> (removed)", "exception: code -> 0"}},
		{"c.check(a)\nc.store(d, r)", []string{"order: c.check(a); c.store(d, r) -> c.store(d, r); c.check(a)",
			"operand: d, r -> r, d"}},
	} {
		ms, err := Sites("emulator/cpu/x.go", []byte(wrap(tc.body)))
		if err != nil {
			t.Fatalf("%q: %v", tc.body, err)
		}
		var got []string
		for _, m := range ms {
			got = append(got, m.Op+": "+m.Before+" -> "+m.After)
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q: no %q among %q", tc.body, w, got)
			}
		}
		for _, m := range ms {
			if !m.Probed || m.Func != "(CPU).f" {
				t.Errorf("%q: %s: probed %v in %q, want probed in (CPU).f", tc.body, m.String(), m.Probed, m.Func)
			}
		}
	}
}

// Constant declarations, imports and types are not mutated: changing an
// enumeration or an array length models no emulator bug.
func TestOperatorsSkipDeclarations(t *testing.T) {
	src := "package cpu\n\nimport \"math/bits\"\n\nconst w = 64\n\ntype regs [16]uint64\n\nvar _ = bits.Len\n"
	ms, err := Sites("x.go", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 0 {
		t.Fatalf("mutants in declarations: %v", ms)
	}
}

// Apply makes exactly the site's change, and with the probe a call to it
// right before the statement that holds the change and an init arming it.
func TestApply(t *testing.T) {
	src := []byte(wrap("x := a\nif a < b {\n\tx = b & 0xff\n}\nc.use(x)"))
	ms, err := Sites("emulator/cpu/x.go", src)
	if err != nil {
		t.Fatal(err)
	}
	var mask Mutant
	for _, m := range ms {
		if m.Op == "mask" {
			mask = m
		}
	}
	for _, probe := range []bool{false, true} {
		out, err := Apply(src, &mask, probe)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.ParseFile(token.NewFileSet(), "x.go", out, 0); err != nil {
			t.Fatalf("the mutant does not parse: %v\n%s", err, out)
		}
		text := string(out)
		if !strings.Contains(text, "x = b & 0xffff") || strings.Count(text, "0xff") != 1 {
			t.Errorf("probe %v: the change is not made exactly once:\n%s", probe, text)
		}
		hit := strings.Contains(text, "mutationprobe.Hit()\n\t\tx = b & 0xffff")
		armed := strings.Contains(text, `mutationprobe "`+ProbePath+`"`) && strings.Contains(text, "mutationprobe.Arm()")
		if hit != probe || armed != probe {
			t.Errorf("probe %v: hit %v, armed %v:\n%s", probe, hit, armed, text)
		}
	}
	if _, err := Apply([]byte(wrap("x := a")), &mask, false); err == nil {
		t.Error("a mutant applied to source it did not come from")
	}
}

// Every candidate of the real targets has a unique ID, the same on every
// walk, and the draw is a reproducible permutation.
func TestCandidates(t *testing.T) {
	a, err := Candidates("..", Targets, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Candidates("..", Targets, nil, nil)
	if len(a) < 5000 || !slices.Equal(a, b) {
		t.Fatalf("%d candidates; two walks equal: %v", len(a), slices.Equal(a, b))
	}
	ids := map[string]bool{}
	ops := map[string]int{}
	for _, m := range a {
		if ids[m.ID] {
			t.Fatalf("duplicate ID %s (%s)", m.ID, m.String())
		}
		ids[m.ID] = true
		ops[m.Op]++
	}
	for _, op := range Operators {
		if ops[op.Name] == 0 {
			t.Errorf("operator %s makes no mutant in the targets", op.Name)
		}
	}
	for id, tr := range Triaged {
		if !ids[id] {
			t.Errorf("triaged survivor %s (%s) is no longer a candidate: the code changed; drop or renew the entry", id, tr.Why)
		}
		if tr.Class != "equivalent" && tr.Class != "system level" && tr.Class != "oracle cannot decide" {
			t.Errorf("triaged survivor %s: class %q", id, tr.Class)
		}
	}
	d1, d2, d3 := Draw(a, 1), Draw(a, 1), Draw(a, 2)
	if !slices.Equal(d1, d2) || slices.Equal(d1, d3) || len(d1) != len(a) {
		t.Error("the draw is not a reproducible permutation of the seed")
	}
	only, _ := Candidates("..", Targets, []string{"prefix"}, []string{"emulator/decoder/decode.go"})
	for _, m := range only {
		if m.Op != "prefix" || m.File != "emulator/decoder/decode.go" {
			t.Fatalf("filter let %s through", m.String())
		}
	}
	if len(only) == 0 {
		t.Error("no prefix mutant in the decoder")
	}
}

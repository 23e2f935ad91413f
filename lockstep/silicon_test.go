package lockstep

import (
	"slices"
	"strings"
	"testing"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/emulator"
	"github.com/twinstep/twinstep/emulator/cpu"
	"github.com/twinstep/twinstep/emulator/decoder"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
	"github.com/twinstep/twinstep/oracles/native"
	"github.com/twinstep/twinstep/traces"
)

// nativeEngine starts the host CPU as an oracle for one test, building its
// helper first. A host that cannot run it (not x86-64 Linux) skips the
// test, saying so.
func nativeEngine(t *testing.T) *native.Engine {
	t.Helper()
	if err := native.Supported(); err != nil {
		t.Skipf("no silicon to compare with: %v", err)
	}
	path, err := kernelbuild.NativeHelper()
	if err != nil {
		t.Fatal(err)
	}
	e, err := native.New(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func newPartial() *partial {
	return &partial{groups: map[string]*Group{}, forms: map[string]*Form{}, byID: make([]*Form, len(decoder.Forms))}
}

// The comparison with silicon, case by case: the emulator's result (made
// wrong on purpose where a case says so) against what the host CPU does
// from the same state and pages.
func TestSiliconJudgesTheEmulator(t *testing.T) {
	nat := nativeEngine(t)
	const code, data = 0x401000, 0x600ff8 // the data straddles two pages
	stored := []byte{0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}
	for _, tc := range []struct {
		name          string
		code          []byte
		gpr           map[int]uint64
		reads, writes []traces.Access
		tamper        func(*engine.Result)
		want          string // "agreed", "disagreed: FIELDS" or "unable: REASON"
	}{
		{name: "add agrees", code: []byte{0x48, 0x01, 0xd8}, // add rax, rbx
			gpr: map[int]uint64{arch.RAX: 0x7fffffffffffffff, arch.RBX: 1}, want: "agreed"},
		{name: "a wrong register disagrees", code: []byte{0x48, 0x01, 0xd8},
			gpr:    map[int]uint64{arch.RAX: 5, arch.RBX: 7},
			tamper: func(r *engine.Result) { r.State.GPR[arch.RAX]++ }, want: "disagreed: rax"},
		{name: "a flag the SDM leaves undefined is masked", code: []byte{0x48, 0xd3, 0xe0}, // shl rax, cl: AF undefined
			gpr:    map[int]uint64{arch.RAX: 0x1234, arch.RCX: 3},
			tamper: func(r *engine.Result) { r.State.RFLAGS ^= arch.AF }, want: "agreed"},
		{name: "a defined flag is not", code: []byte{0x48, 0xd3, 0xe0},
			gpr:    map[int]uint64{arch.RAX: 0x1234, arch.RCX: 3},
			tamper: func(r *engine.Result) { r.State.RFLAGS ^= arch.ZF }, want: "disagreed: rflags"},
		{name: "a load reads the recorded bytes", code: []byte{0x48, 0x8b, 0x06}, // mov rax, [rsi]
			gpr: map[int]uint64{arch.RSI: data}, reads: []traces.Access{{Addr: data, Data: stored}}, want: "agreed"},
		{name: "a store is compared by what it changes", code: []byte{0x48, 0x89, 0x07}, // mov [rdi], rax
			gpr: map[int]uint64{arch.RDI: data}, writes: []traces.Access{{Addr: data, Data: make([]byte, 8)}}, want: "agreed"},
		{name: "a wrong store disagrees", code: []byte{0x48, 0x89, 0x07},
			gpr: map[int]uint64{arch.RDI: data, arch.RAX: 0x1122334455667788}, writes: []traces.Access{{Addr: data, Data: stored}},
			tamper: func(r *engine.Result) { r.Writes[0].New[7] ^= 0xff }, want: "disagreed: memory"},
		{name: "silicon declines what is the host's", code: []byte{0x0f, 0xa2}, // cpuid
			want: "unable: CPUID reports the host's processor"},
		{name: "a system call is the machine's", code: []byte{0x0f, 0x05}, // syscall: the emulator's flat replay has no kernel to enter
			gpr: map[int]uint64{arch.RAX: 39}, want: "unable: the emulator's replay cannot run it outside the machine (a system instruction)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := traces.Step{Kind: traces.Retired, Index: 1000, Code: tc.code, Pre: arch.Flat64(), Reads: tc.reads, Writes: tc.writes}
			s.Pre.RIP = code
			for r, v := range tc.gpr {
				s.Pre.GPR[r] = v
			}
			emu := emulator.NewReplayer(nil)
			if err := supply(emu, &s); err != nil {
				t.Fatal(err)
			}
			er, err := emu.Exec(&s.Pre)
			if err != nil {
				t.Fatal(err)
			}
			er.Writes = mergeWrites(er.Writes)
			s.Post = er.State
			rec := recorded(&s)
			if tc.tamper != nil {
				tc.tamper(&er)
			}
			in, derr := decoder.Decode(tc.code)
			if derr != nil {
				t.Fatal(derr)
			}
			w := &worker{t: &traces.Trace{Meta: &traces.Meta{}}, hist: []line{lineOf(&s)}, sil: newSiliconWorker(nat, Silicon{First: 1, Every: 1})}
			p := newPartial()
			f := p.form(&in, true, tc.code)
			p.silicon.Ring3++
			if !w.sil.chosen(&s, in.Form.ID, f, p) {
				t.Fatal("a ring-3 instruction is not in a sample of every one")
			}
			if err := w.siliconAdd(p, &s, 0, in.Form.ID, f, cpu.Undefined(&in, &s.Pre), &rec, &er, nil); err != nil {
				t.Fatal(err)
			}
			if err := w.siliconFlush(p); err != nil {
				t.Fatal(err)
			}
			got := siliconVerdict(t, p)
			if got != tc.want {
				t.Fatalf("%s, want %s (counts %+v)", got, tc.want, p.silicon)
			}
			if p.silicon.Ring3 != 1 || p.silicon.Sampled != 1 || p.silicon.Agreed+p.silicon.Disagreed+p.silicon.Unable != 1 ||
				p.checked.Silicon != p.silicon.Agreed+p.silicon.Disagreed || f.Silicon != p.checked.Silicon {
				t.Fatalf("counts %+v, checked %+v, form %+v", p.silicon, p.checked, f)
			}
		})
	}
}

// siliconVerdict reads what silicon concluded about the partial's one
// instruction from its counts and groups, checking the group's shape.
func siliconVerdict(t *testing.T, p *partial) string {
	t.Helper()
	if len(p.groups) != 1 {
		if p.silicon.Agreed == 1 && len(p.groups) == 0 {
			return "agreed"
		}
		t.Fatalf("%d groups, counts %+v", len(p.groups), p.silicon)
	}
	for id, g := range p.groups {
		switch {
		case strings.HasPrefix(id, "100|"):
			if p.silicon.Unable != 1 || g.Count != 1 || g.First.Index != 1000 || len(g.First.Around) != 1 {
				t.Fatalf("unable group %+v, counts %+v", g, p.silicon)
			}
			return "unable: " + g.Key
		case strings.HasPrefix(id, "1|"):
			if p.silicon.Disagreed != 1 || g.Who != whoSilicon || !strings.HasPrefix(g.Key, g.Form+"|"+whoSilicon+"|") ||
				!strings.Contains(g.Repro, "--case 1000 ") || len(g.First.Diffs) == 0 {
				t.Fatalf("divergence group %+v, counts %+v", g, p.silicon)
			}
			// The state table has silicon's column, and it differs from
			// the emulator's in every field the comparison names.
			for _, field := range g.Fields {
				i := slices.IndexFunc(g.First.States, func(r StateRow) bool { return r.Field == field })
				if i < 0 {
					t.Fatalf("no state row for %s: %+v", field, g.First.States)
				}
				if r := g.First.States[i]; r.Native == "" || r.Native == r.Emulator || !r.Differs || r.Oracle != "" {
					t.Fatalf("state row %+v", r)
				}
			}
			return "disagreed: " + strings.Join(g.Fields, ",")
		}
		t.Fatalf("group %s", id)
	}
	return ""
}

// The sample is the first of each form in the chunk and every Nth
// instruction by number, counted among ring-3 instructions only.
func TestSiliconSample(t *testing.T) {
	sw := &siliconWorker{first: 2, every: 4, byID: make([]int32, len(decoder.Forms)), other: map[*Form]int{}}
	p := newPartial()
	in, err := decoder.Decode([]byte{0x90})
	if err != nil {
		t.Fatal(err)
	}
	f := p.form(&in, true, []byte{0x90})
	var chosen []uint64
	for i := range uint64(12) {
		s := traces.Step{Index: i, Pre: arch.Flat64()}
		if i >= 10 {
			s.Pre.CPL = 0 // the kernel's: never silicon's, whatever the number
		}
		if s.Pre.CPL == 3 {
			p.silicon.Ring3++ // as the replay counts them
		}
		if sw.chosen(&s, in.Form.ID, f, p) {
			chosen = append(chosen, i)
			sw.byID[in.Form.ID]++ // as siliconAdd counts what it hands on
		}
	}
	if want := []uint64{0, 1, 4, 8}; !slices.Equal(chosen, want) {
		t.Errorf("chose %v, want %v", chosen, want)
	}
	if p.silicon.Ring3 != 10 || p.silicon.Sampled != 4 {
		t.Errorf("counts %+v, want 10 ring-3, 4 sampled", p.silicon)
	}
}

func TestReasonKey(t *testing.T) {
	for in, want := range map[string]string{
		"page 0x7ffff000 collides with the helper's window [0x1000, 0x2000) or leaves the lower half": "page N collides with the helper's window [N, N) or leaves the lower half",
		"the instruction makes a system call (number 39), which the helper traps before it runs":      "the instruction makes a system call (number N), which the helper traps before it runs",
		"SSE4.1: the host has it and the emulator's CPU model does not":                               "SSE4.1: the host has it and the emulator's CPU model does not",
		"65 pages (at most 64)": "N pages (at most N)",
	} {
		if got := reasonKey(in); got != want {
			t.Errorf("reasonKey(%q) = %q, want %q", in, got, want)
		}
	}
}

package reports

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/lockstep"
)

// hostileSymbol is a real shape of C++ symbol: it carries every character
// HTML treats specially, so a page that shows it raw is broken or unsafe.
const hostileSymbol = `cmd.exe!<lambda_1>::operator()&"'+0x1a`

// bswapGroup is the emulator lacking BSWAP, met in ucrtbase.
func bswapGroup() lockstep.Group {
	return lockstep.Group{
		Key: "bswap", Form: "bswap r32", Count: 17,
		First: lockstep.Occurrence{
			Index: 1234567, RIP: 0x7ffb1c2d0012, Symbol: "ucrtbase!_byteswap_ulong+0x2",
			Bytes: []byte{0x0f, 0xc8}, Text: "bswap eax",
		},
		Repro:    "twinstep lockstep --trace traces/cmd-dir.ttrace --start 1234567 --count 1 --corpus corpus/bswap.case",
		Location: "ucrtbase!_byteswap_ulong+0x2",
	}
}

// adcGroup is a divergence in the carry flag's use, with the full first
// occurrence: disassembly around it and the state table.
func adcGroup() lockstep.Group {
	return lockstep.Group{
		Key: "adc r/m64, r64: emulator", Form: "adc r/m64, r64", Who: "emulator",
		Fields: []string{"rax", "rflags"}, Count: 40,
		First: lockstep.Occurrence{
			Index: 8000123, RIP: 0x140001a2b, Symbol: hostileSymbol,
			Bytes: []byte{0x48, 0x11, 0xd8}, Text: "adc rax, rbx",
			Around: []lockstep.Line{
				{Index: 8000121, RIP: 0x140001a25, Symbol: "cmd.exe+0x1a25", Bytes: []byte{0x48, 0x01, 0xc8}, Text: "add rax, rcx"},
				{Index: 8000122, RIP: 0x140001a28, Symbol: "cmd.exe+0x1a28", Bytes: []byte{0x48, 0x31, 0xd2}, Text: "xor rdx, rdx"},
				{Index: 8000123, RIP: 0x140001a2b, Symbol: hostileSymbol, Bytes: []byte{0x48, 0x11, 0xd8}, Text: "adc rax, rbx", Current: true},
				{Index: 8000124, RIP: 0x140001a2e, Symbol: "cmd.exe+0x1a2e", Bytes: []byte{0xc3}, Text: "ret"},
			},
			States: []lockstep.StateRow{
				{Field: "rax", Pre: "0xffffffffffffffff", Recorded: "0x1", Emulator: "0x0", Oracle: "0x1", Differs: true},
				{Field: "rbx", Pre: "0x1", Recorded: "0x1", Emulator: "0x1", Oracle: "0x1"},
				{Field: "rflags", Pre: "0x247", Recorded: "0x213", Emulator: "0x257", Oracle: "0x213", Differs: true},
			},
			Diffs: []engine.Difference{{What: "rax", A: "0x0", B: "0x1"}, {What: "rflags", A: "0x257", B: "0x213"}},
		},
		Repro: "twinstep lockstep --trace 'traces/cmd dir&more.ttrace' --start 8000123 --count 1",
	}
}

// pcmpistriGroup diverges where the oracle could not run: the recording
// alone stands against the emulator.
func pcmpistriGroup() lockstep.Group {
	return lockstep.Group{
		Key: "pcmpistri xmm, xmm/m128, imm8: recorded", Form: "pcmpistri xmm, xmm/m128, imm8", Who: "recorded",
		Fields: []string{"rcx"}, Count: 3,
		First: lockstep.Occurrence{
			Index: 9100000, RIP: 0x7ffb1c2e4410, Symbol: "ucrtbase!wcslen+0x12",
			Bytes: []byte{0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x01}, Text: "pcmpistri xmm0, xmm1, 0x1",
			States: []lockstep.StateRow{{Field: "rcx", Pre: "0x0", Recorded: "0x4", Emulator: "0x5", Differs: true}},
		},
		Repro: "twinstep lockstep --trace traces/cmd-dir.ttrace --start 9100000 --count 1",
	}
}

// shldGroup is a disagreement with silicon: the emulator's flags after a
// double shift, where the recording, the emulator and Unicorn agree and
// the host CPU does not.
func shldGroup() lockstep.Group {
	return lockstep.Group{
		Key: "shld r/m64, r64, cl|emulator vs silicon|rflags", Form: "shld r/m64, r64, cl", Who: "emulator vs silicon",
		Fields: []string{"rflags"}, Count: 10,
		First: lockstep.Occurrence{
			Index: 10200300, RIP: 0x7ffb1c2e5000, Symbol: "ntdll!RtlULongLongShift+0x4",
			Bytes: []byte{0x48, 0x0f, 0xa5, 0xd0}, Text: "shld rax, rdx, cl",
			States: []lockstep.StateRow{
				{Field: "rflags", Pre: "0x202", Recorded: "0x206", Emulator: "0x206", Oracle: "0x206", Native: "0xa06", Differs: true},
			},
			Diffs: []engine.Difference{{What: "rflags", A: "0x206", B: "0xa06"}},
		},
		Repro: "twinstep lockstep traces/cmd-dir.ttrace --case 10200300 --name NAME",
	}
}

// sampleReport is a run of cmd.exe with something in every section.
func sampleReport() *lockstep.Report {
	r := &lockstep.Report{
		Trace: "traces/cmd-dir.ttrace", Kernel: "build/kernel.elf", Cmdline: `cmd.exe /c dir C:\`,
		Instructions: 12345678, Events: 4321, Elapsed: 3500 * time.Millisecond, Workers: 8,
		Counts:  lockstep.Counts{Match: 12300000, Divergent: 43, Missing: 17, OracleUnable: 44997, Mistake: 621},
		Checked: lockstep.Checked{Recording: 12299000, Unicorn: 12300664, Silicon: 250000},
		Silicon: lockstep.Silicon{Host: "AMD EPYC (AuthenticAMD family 25 model 17 stepping 1)", First: 4, Every: 64,
			Ring3: 5000000, Sampled: 250500, Agreed: 249990, Disagreed: 10, Unable: 500},
		Missing:     []lockstep.Group{bswapGroup()},
		Divergences: []lockstep.Group{adcGroup(), pcmpistriGroup(), shldGroup()},
		SiliconUnable: []lockstep.Group{
			{Key: "the instruction makes a system call (number N), which the helper traps before it runs", Count: 400,
				Detail: "the instruction makes a system call (number 39), which the helper traps before it runs",
				First:  lockstep.Occurrence{Index: 10000001, RIP: 0x7ffb1c2f0010, Symbol: "ntdll!NtClose+0x10"}},
			{Key: "a page fault from the guest's page tables: silicon has only the pages the instruction touched", Count: 100,
				First: lockstep.Occurrence{Index: 10000500, RIP: 0x140004000, Symbol: "cmd.exe+0x4000"}},
		},
		Unable: []lockstep.Group{
			{Key: "x87 state", Detail: "Unicorn does not load the recorded x87 tag word", Count: 44000,
				First: lockstep.Occurrence{Index: 5000, RIP: 0x7ffb1c2d8000, Symbol: "ucrtbase!_fpreset+0x8"}},
			{Key: "rdtsc", Detail: "the time stamp counter is the recording's", Count: 997,
				First: lockstep.Occurrence{Index: 100, RIP: 0x140002000, Symbol: "cmd.exe+0x2000"}},
		},
		Mistakes: []lockstep.Group{
			{Key: "unicorn-bsf-zero", Detail: "Unicorn clears the destination of BSF with a zero source; the SDM leaves it unchanged", Count: 621,
				First: lockstep.Occurrence{Index: 777, RIP: 0x140003000, Symbol: "cmd.exe+0x3000"}},
		},
		Coverage: []lockstep.Form{
			{Form: "mov r64, r/m64", Mnemonic: "mov", Count: 6000000, Oracle: 6000000, Silicon: 123456},
			{Form: "add r/m64, r64", Mnemonic: "add", Count: 3000000, Oracle: 3000000},
			{Form: "adc r/m64, r64", Mnemonic: "adc", Count: 300000, Oracle: 300000},
			{Form: "fld m80", Mnemonic: "fld", Count: 44000, Recorded: 44000},
			{Form: "bswap r32", Mnemonic: "bswap", Count: 17},
		},
		Damage: "",
	}
	const buckets, size = 10, 1234568
	for i := range uint64(buckets) {
		b := lockstep.Bucket{Start: i * size, End: min((i+1)*size, r.Instructions)}
		switch i {
		case 0:
			b.Unable = 44000
		case 1:
			b.Missing = 17
			b.Unable = 997
		case 6:
			b.Divergent = 40
		case 7:
			b.Divergent = 3
		}
		r.Timeline = append(r.Timeline, b)
	}
	return r
}

// bswapAndAdcReport is a smaller run: one missing group, one divergence.
func bswapAndAdcReport() *lockstep.Report {
	return &lockstep.Report{
		Trace: "traces/small.ttrace", Kernel: "build/kernel.elf", Instructions: 1000, Elapsed: time.Second, Workers: 1,
		Counts:      lockstep.Counts{Match: 943, Divergent: 40, Missing: 17},
		Missing:     []lockstep.Group{bswapGroup()},
		Divergences: []lockstep.Group{adcGroup()},
		Coverage:    []lockstep.Form{{Form: "bswap r32", Mnemonic: "bswap", Count: 17}},
		Timeline:    []lockstep.Bucket{{Start: 0, End: 500, Missing: 17}, {Start: 500, End: 1000, Divergent: 40}},
	}
}

var sectionIDs = []string{"summary", "missing", "divergences", "unable", "silicon", "mistakes", "coverage", "timeline"}

// rowClasses are the classes of the elements that carry one datum each.
var rowClasses = []string{"count-row", "checked-row", "missing-row", "divergence", "around-row", "state-row", "unable-row",
	"silicon-row", "silicon-unable-row", "mistake-row", "coverage-row", "bar-divergent", "bar-missing", "bar-unable"}

// wantRows is how many elements of each row class a page for r must have.
func wantRows(r *lockstep.Report) map[string]int {
	want := map[string]int{
		"count-row":    5,
		"checked-row":  3, // recording, Unicorn, silicon
		"missing-row":  len(r.Missing),
		"divergence":   len(r.Divergences),
		"unable-row":   len(r.Unable),
		"mistake-row":  len(r.Mistakes),
		"coverage-row": len(r.Coverage),
	}
	if r.Silicon.Host != "" {
		want["silicon-row"] = 6 // ring 3, sampled, agreed, disagreed, unable, compared
		want["silicon-unable-row"] = len(r.SiliconUnable)
	}
	for _, g := range r.Divergences {
		want["around-row"] += len(g.First.Around)
		want["state-row"] += len(g.First.States)
	}
	for _, b := range r.Timeline {
		for class, n := range map[string]uint64{"bar-divergent": b.Divergent, "bar-missing": b.Missing, "bar-unable": b.Unable} {
			if n > 0 {
				want[class]++
			}
		}
	}
	return want
}

// withAround is how many divergence groups show disassembly around their
// first occurrence, each with one current line.
func withAround(r *lockstep.Report) int {
	n := 0
	for _, g := range r.Divergences {
		if len(g.First.Around) > 0 {
			n++
		}
	}
	return n
}

var classAttr = regexp.MustCompile(`class="([^"]*)"`)

// countClass counts the elements of doc with class cls among their classes.
// It reads both WriteHTML's output and the DOM Chromium serializes, which
// quote attributes alike.
func countClass(doc, cls string) int {
	n := 0
	for _, m := range classAttr.FindAllStringSubmatch(doc, -1) {
		for _, c := range strings.Fields(m[1]) {
			if c == cls {
				n++
			}
		}
	}
	return n
}

// section is the text of doc's section with the given id, or "" if none.
func section(doc, id string) string {
	start := strings.Index(doc, `<section id="`+id+`">`)
	if start < 0 {
		return ""
	}
	end := strings.Index(doc[start:], "</section>")
	if end < 0 {
		return ""
	}
	return doc[start : start+end]
}

// checkPage asserts what every rendering of r must show, whether it comes
// from WriteHTML directly or from Chromium's DOM.
func checkPage(t *testing.T, doc string, r *lockstep.Report) {
	t.Helper()
	for _, id := range sectionIDs {
		s := section(doc, id)
		if s == "" {
			t.Errorf("no section %q", id)
			continue
		}
		if !strings.Contains(s, "<h2>") {
			t.Errorf("section %q has no <h2>", id)
		}
		if !strings.Contains(doc, `href="#`+id+`"`) {
			t.Errorf("the table of contents does not link to %q", id)
		}
	}
	want := wantRows(r)
	for _, cls := range rowClasses {
		if got := countClass(doc, cls); got != want[cls] {
			t.Errorf("%d elements of class %q, want %d", got, cls, want[cls])
		}
	}
	if got, want := countClass(doc, "current"), withAround(r); got != want {
		t.Errorf("%d highlighted current lines, want %d", got, want)
	}
	if !strings.Contains(section(doc, "summary"), verdict(r)) {
		t.Errorf("the summary lacks the verdict %q", verdict(r))
	}
	for _, name := range []struct {
		id    string
		empty bool
	}{
		{"missing", len(r.Missing) == 0},
		{"divergences", len(r.Divergences) == 0},
		{"unable", len(r.Unable) == 0},
		{"silicon", r.Silicon.Host == "" || len(r.SiliconUnable) == 0},
		{"mistakes", len(r.Mistakes) == 0},
		{"coverage", len(r.Coverage) == 0},
		{"timeline", newTimeline(r.Timeline).Empty()},
	} {
		if says := strings.Contains(section(doc, name.id), "none"); says != name.empty {
			t.Errorf("section %q says none: %v, but it is empty: %v", name.id, says, name.empty)
		}
	}
	if strings.Contains(doc, "http://") || strings.Contains(doc, "https://") {
		t.Error("the page refers to the network; it must work offline")
	}
}

func TestWriteHTML(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *lockstep.Report
		want []string // text the page must show, once HTML's escapes are undone
		not  []string // markup the page must not contain
	}{
		{
			name: "every section",
			r:    sampleReport(),
			want: []string{
				"12,345,678", "3.5s", "3,527,336 instr/s", // instructions, elapsed, rate
				`<p class="verdict bad">70 unexplained (43 divergent, 17 missing, 10 disagreeing with silicon)</p>`,
				"<code>" + hostileSymbol + " (0x140001a2b) #8000123</code>",
				"--trace 'traces/cmd dir&more.ttrace'",
				"66 0f 3a 63 c1 01",
				`<td class="num"><0.1%</td>`,                                 // 43 of 12 million
				`<td class="mono odd">0x0</td>`,                              // the emulator's rax stands apart
				`<td class="mono odd">0x4</td><td class="mono odd">0x5</td>`, // recorded and emulator, no oracle
				"<code>rax: 0x0 vs 0x1</code>",
				"Unicorn does not load the recorded x87 tag word",
				"ucrtbase!_fpreset+0x8 (0x7ffb1c2d8000) #5000",
				"<svg", ">10,000,000</text>", ">max 44,000</text>",
				"<title>40 divergent in instructions 7,407,408 to 8,641,976</title>",
				// How many each oracle checked, and silicon's share of ring 3.
				`<tr class="checked-row"><td>silicon</td><td class="num">250,000</td><td class="num">2.0%</td></tr>`,
				`<tr class="checked-row"><td>unicorn</td><td class="num">12,300,664</td><td class="num">99.6%</td></tr>`,
				"<dd>AMD EPYC (AuthenticAMD family 25 model 17 stepping 1); ring-3 sample: the first 4 of each form in each chunk and every 64th instruction</dd>",
				`<tr class="silicon-row"><td>compared with silicon</td><td class="num">250,000</td><td class="num">5.0%</td></tr>`,
				`<tr class="silicon-row"><td>disagreed</td><td class="num">10</td><td class="num"><0.1%</td></tr>`,
				"(number 39)", "ntdll!NtClose+0x10 (0x7ffb1c2f0010) #10000001",
				"<dt>stands apart</dt><dd>emulator vs silicon</dd>",
				`<td class="mono">0x206</td><td class="mono">0x206</td><td class="mono">0x206</td><td class="mono odd">0xa06</td>`,
				`<td class="num">123,456</td></tr>`, // mov's count compared with silicon
			},
			// The symbol shown raw would open a <lambda_1> element.
			not: []string{"<lambda_1>", `odd">0x1<`, "The trace is damaged"},
		},
		{
			name: "missing bswap and one divergence",
			r:    bswapAndAdcReport(),
			want: []string{
				"<td><code>bswap</code></td>",
				"<td><code>ucrtbase!_byteswap_ulong+0x2 (0x7ffb1c2d0012) #1234567</code></td>",
				"--corpus corpus/bswap.case",
				"<code>48 11 d8</code>",
				`<tr class="around-row current"><td class="num mono">8000123</td><td class="mono">0x140001a2b</td>`,
				"<h3><code>adc r/m64, r64</code></h3>",
				"<dt>stands apart</dt><dd>emulator</dd>",
				"<code>rax, rflags</code>",
			},
		},
		{
			name: "empty",
			r:    &lockstep.Report{Trace: "traces/empty.ttrace", Silicon: lockstep.Silicon{Off: "turned off"}},
			want: []string{
				`<p class="verdict ok">no unexplained divergence or missing instruction</p>`,
				`<td class="num">-</td>`, // no share of nothing
				"0 instr/s",
				"<dd>not used: turned off</dd>",
				"none: silicon took no part in this replay.",
			},
			not: []string{"<svg", "<article"},
		},
		{
			name: "damaged",
			r:    &lockstep.Report{Trace: "t", Damage: "bad record at byte 4096 <eof>", Counts: lockstep.Counts{Match: 3}},
			want: []string{"The trace is damaged: bad record at byte 4096 <eof>.", `<td class="num">100.0%</td>`,
				`<p class="verdict bad">none: the trace is not whole; in what was replayed, no unexplained divergence or missing instruction</p>`},
			not: []string{"<eof>", `class="verdict ok"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteHTML(&b, tc.r); err != nil {
				t.Fatal(err)
			}
			doc := b.String()
			checkPage(t, doc, tc.r)
			shown := html.UnescapeString(doc)
			for _, s := range tc.want {
				if !strings.Contains(shown, s) {
					t.Errorf("the page lacks %q", s)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(doc, s) {
					t.Errorf("the page has %q", s)
				}
			}
		})
	}
}

// failWriter fails every write, as a full disk or a closed pipe does.
type failWriter struct{}

var errFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errFull }

func TestWriteErrors(t *testing.T) {
	for name, write := range map[string]func(*lockstep.Report) error{
		"html":    func(r *lockstep.Report) error { return WriteHTML(failWriter{}, r) },
		"summary": func(r *lockstep.Report) error { return WriteSummary(failWriter{}, r) },
	} {
		if err := write(sampleReport()); !errors.Is(err, errFull) {
			t.Errorf("%s: error %v, want %v", name, err, errFull)
		}
	}
}

func TestWriteSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *lockstep.Report
		want []string
		not  []string
	}{
		{
			name: "every section",
			r:    sampleReport(),
			want: []string{
				"replayed 12,345,678 instructions and 4,321 events in 3.5s (3,527,336 instr/s, 8 workers)",
				"verdict  70 unexplained (43 divergent, 17 missing, 10 disagreeing with silicon)",
				"│ divergent            │ 43           │ <0.1% │",
				"│ match                │ 12,300,000   │ 99.6% │",
				"│ bswap    │ 17    │ ucrtbase!_byteswap_ulong+0x2 (0x7ffb1c2d0012) #1234567 │",
				"│ adc r/m64, r64                │ emulator            │ rax, rflags │ 40    │ " + hostileSymbol + " (0x140001a2b) #8000123 │",
				"│ pcmpistri xmm, xmm/m128, imm8 │ recorded            │ rcx         │ 3     │ ucrtbase!wcslen+0x12 (0x7ffb1c2e4410) #9100000 ",
				"│ shld r/m64, r64, cl           │ emulator vs silicon │ rflags      │ 10    │ ntdll!RtlULongLongShift+0x4 (0x7ffb1c2e5000) #10200300 ",
				"│ x87 state │ 44,000 │",
				"│ recording  │ 12,299,000   │ 99.6% │\n│ unicorn    │ 12,300,664   │ 99.6% │\n│ silicon    │ 250,000      │ 2.0%  │",
				"silicon  AMD EPYC (AuthenticAMD family 25 model 17 stepping 1); ring-3 sample: the first 4 of each form in each chunk and every 64th instruction\n",
				"│ replayed              │ 5,000,000    │ 100.0% │\n│ in the sample         │ 250,500      │ 5.0%   │",
				"│ disagreed             │ 10           │ <0.1%  │",
				"│ compared with silicon │ 250,000      │ 5.0%   │",
				"│ the instruction makes a system call (number N), which the helper traps before it runs         │ 400   │",
			},
			not: []string{"no divergences", "no missing instructions", "damaged"},
		},
		{
			name: "empty",
			r:    &lockstep.Report{Trace: "traces/empty.ttrace", Silicon: lockstep.Silicon{Off: "native: the helper twinstep-native is not built"}},
			want: []string{
				"verdict  no unexplained divergence or missing instruction",
				"│ match                │ 0            │ -     │",
				"│ silicon    │ 0            │ -     │",
				"silicon  not used: native: the helper twinstep-native is not built\n\n",
				"no missing instructions\nno divergences\nnothing the oracle could not run\n",
			},
			not: []string{"mnemonic", "reason", "ring 3", "silicon could not run it", "nothing in the sample"},
		},
		{
			name: "silicon agreed on its whole sample",
			r: &lockstep.Report{Trace: "t", Instructions: 1000, Counts: lockstep.Counts{Match: 1000},
				Checked: lockstep.Checked{Recording: 1000, Unicorn: 1000, Silicon: 300},
				Silicon: lockstep.Silicon{Host: "AMD EPYC", First: 0, Every: 1, Ring3: 300, Sampled: 300, Agreed: 300}},
			want: []string{
				"verdict  no unexplained divergence or missing instruction",
				"│ silicon    │ 300          │ 30.0%  │",
				"silicon  AMD EPYC; every ring-3 instruction\n",
				"│ compared with silicon │ 300          │ 100.0% │",
				"nothing in the sample silicon could not run\n",
			},
			not: []string{"disagreeing", "silicon could not run it"},
		},
		{
			name: "damaged, missing only",
			r: &lockstep.Report{Trace: "t", Damage: "truncated at record 9", Missing: []lockstep.Group{bswapGroup()},
				Counts: lockstep.Counts{Missing: 17}},
			want: []string{"damaged  truncated at record 9\n", "│ mnemonic │ count │ first location", "no divergences\n",
				"silicon  not used\n", "verdict  none: the trace is not whole; in what was replayed, 17 unexplained (0 divergent, 17 missing)\n"},
			not: []string{"│ form"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteSummary(&b, tc.r); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, s := range tc.want {
				if !strings.Contains(out, s) {
					t.Errorf("the summary lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(out, s) {
					t.Errorf("the summary has %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestFirstLocation(t *testing.T) {
	for _, tc := range []struct {
		g    lockstep.Group
		want string
	}{
		{bswapGroup(), "ucrtbase!_byteswap_ulong+0x2 (0x7ffb1c2d0012) #1234567"},
		{lockstep.Group{Location: "kernel!memcpy+0x8", First: lockstep.Occurrence{Index: 7, RIP: 0xffff800000001008}},
			"kernel!memcpy+0x8 (0xffff800000001008) #7"},
		{lockstep.Group{First: lockstep.Occurrence{RIP: 0x401000}}, "0x401000 #0"},
	} {
		if got := firstLocation(tc.g); got != tc.want {
			t.Errorf("firstLocation = %q, want %q", got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", 1234567890: "1,234,567,890"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestStandsApart(t *testing.T) {
	for _, tc := range []struct {
		vals []string // recorded, emulator, Unicorn[, silicon]
		want []bool
	}{
		{[]string{"1", "0", "1"}, []bool{false, true, false}},
		{[]string{"1", "2", "3"}, []bool{true, true, true}},
		{[]string{"4", "5", ""}, []bool{true, true, false}},
		{[]string{"4", "4", ""}, []bool{false, false, false}},
		{[]string{"4", "", ""}, []bool{false, false, false}},
		// recorded, emulator, Unicorn and silicon: silicon alone differs.
		{[]string{"0x206", "0x206", "0x206", "0xa06"}, []bool{false, false, false, true}},
		{[]string{"0x206", "0x206", "", "0xa06"}, []bool{false, false, false, true}},
	} {
		for i, want := range tc.want {
			if got := standsApart(tc.vals, i); got != want {
				t.Errorf("standsApart(%q, %d) = %v, want %v", tc.vals, i, got, want)
			}
		}
	}
}

func TestTimeline(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		for _, b := range [][]lockstep.Bucket{nil, {{Start: 0, End: 100}, {Start: 100, End: 200}}} {
			if tl := newTimeline(b); !tl.Empty() {
				t.Errorf("%v: drawn, want nothing to draw", b)
			}
		}
	})
	t.Run("lanes, bars and ticks", func(t *testing.T) {
		tl := newTimeline([]lockstep.Bucket{
			{Start: 0, End: 500, Unable: 10000},
			{Start: 500, End: 1000, Divergent: 1, Missing: 10000},
			{Start: 1000, End: 1500, Divergent: 200},
		})
		if tl.Empty() || len(tl.Lanes) != 3 {
			t.Fatalf("%d lanes, want 3", len(tl.Lanes))
		}
		var got []string
		for _, l := range tl.Lanes {
			var heights []string
			for _, b := range l.Bars {
				if b.Kind != l.Kind || b.Y < l.Top || b.Y+b.H != l.Bottom {
					t.Errorf("%s lane %v to %v: bar %+v out of its lane", l.Kind, l.Top, l.Bottom, b)
				}
				if b.X < plotLeft || b.X+b.W > plotRight {
					t.Errorf("%s lane: bar %+v outside the plot", l.Kind, b)
				}
				heights = append(heights, fmt.Sprint(b.H))
			}
			got = append(got, fmt.Sprintf("%s max %s: %s", l.Name, l.Peak, strings.Join(heights, " ")))
		}
		// Each lane is scaled to its own peak; the lone divergence keeps the
		// minimum height rather than vanishing.
		want := []string{"divergent max 200: 2 56", "missing max 10,000: 56", "oracle unable max 10,000: 56"}
		if !slices.Equal(got, want) {
			t.Errorf("lanes\n%q, want\n%q", got, want)
		}
		var labels []string
		for _, k := range tl.Ticks {
			labels = append(labels, k.Label)
		}
		if got := strings.Join(labels, " "); got != "0 500 1,000 1,500" {
			t.Errorf("ticks %q", got)
		}
		if div := tl.Lanes[0].Bars; div[0].X >= div[1].X {
			t.Errorf("bars out of order: %+v", div)
		}
	})
}

func TestTickStep(t *testing.T) {
	for _, tc := range []struct{ span, want uint64 }{
		{0, 1}, {5, 1}, {6, 1}, {7, 2}, {1000, 200}, {12345678, 5000000}, {100, 20}, {61, 20}, {60, 10},
	} {
		if got := tickStep(tc.span, 6); got != tc.want {
			t.Errorf("tickStep(%d, 6) = %d, want %d", tc.span, got, tc.want)
		}
	}
}

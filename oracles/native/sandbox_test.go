//go:build linux && amd64

package native

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
	"github.com/twinstep/twinstep/internal/kernelbuild"
)

func testEngine(t *testing.T) *Engine {
	t.Helper()
	path, err := kernelbuild.NativeHelper()
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	e.Timeout = 300 * time.Millisecond
	t.Cleanup(func() { e.Close() })
	return e
}

// rawJob is code at 0x400000 with the given registers, bypassing the
// engine's plan: the helper's own defences are what is tested.
func rawJob(code []byte, flags uint32, set func(s *arch.State)) (job, *record) {
	s := arch.Flat64()
	s.RIP = 0x400000
	if set != nil {
		set(&s)
	}
	page := make([]byte, 4096)
	for i := range page {
		page[i] = 0x90
	}
	copy(page, code)
	j := job{state: &s, mem: []engine.Region{{Addr: 0x400000, Data: page}}, n: 1}
	rec := &record{flags: flags, pages: []uint64{0x400000}, data: [][]byte{page}}
	if flags&1 == modeFast {
		rec.patch = 0x400000 + uint64(len(code))
	}
	return j, rec
}

func sendRaw(t *testing.T, e *Engine, jobs []job, recs []*record) []engine.Result {
	t.Helper()
	results := make([]engine.Result, len(jobs))
	posts := make([][]engine.Region, len(jobs))
	if err := e.send(jobs, recs, results, posts); err != nil {
		t.Fatal(err)
	}
	return results
}

// TestSandbox runs what the plan would refuse, straight into the helper:
// system calls are trapped before they run; a case that runs into the
// helper's own code or hangs it is that case's "failed", and the cases
// after it run on a fresh helper.
func TestSandbox(t *testing.T) {
	e := testEngine(t)
	var jobs []job
	var recs []*record
	add := func(code []byte, flags uint32, set func(s *arch.State)) {
		j, r := rawJob(code, flags, set)
		jobs, recs = append(jobs, j), append(recs, r)
	}
	pid := func(s *arch.State) { s.GPR[arch.RAX] = 39 } // getpid: harmless if it ever ran
	add([]byte{0x0f, 0x05}, modeStep, pid)              // syscall
	add([]byte{0x0f, 0x34}, modeStep, pid)              // sysenter
	add([]byte{0xcd, 0x80}, modeStep, func(s *arch.State) { s.GPR[arch.RAX] = 20 })
	add([]byte{0x48, 0x01, 0xd8}, modeFast, nil) // add rax, rbx: the helper still works
	// A "fast" jump into the helper's code: it runs our code with the
	// case's registers and dies.
	add([]byte{0xff, 0xe0}, modeFast, func(s *arch.State) { s.GPR[arch.RAX] = helperBase + 0x1000 })
	add([]byte{0x48, 0x01, 0xd8}, modeFast, nil)
	// A "fast" jump to itself never comes back: the helper is killed.
	add([]byte{0xeb, 0xfe}, modeFast, nil)
	add([]byte{0x48, 0x01, 0xd8}, modeFast, func(s *arch.State) { s.GPR[arch.RAX], s.GPR[arch.RBX] = 2, 3 })
	rs := sendRaw(t, e, jobs, recs)
	if rs[0].Outcome != engine.Unsupported || !strings.Contains(rs[0].Detail, "system call") {
		t.Errorf("syscall: %s, want a trapped system call", rs[0].OutcomeString())
	}
	// SYSENTER is #UD in 64-bit mode on AMD, a system call on Intel.
	if r := rs[1]; !(r.Outcome == engine.Unsupported && strings.Contains(r.Detail, "system call")) && !r.Raised(arch.VecUD) {
		t.Errorf("sysenter: %s", r.OutcomeString())
	}
	// INT 0x80 enters the 32-bit system call path on kernels with IA32
	// emulation (trapped), or is #GP where that is off.
	if r := rs[2]; !(r.Outcome == engine.Unsupported && strings.Contains(r.Detail, "system call")) && !r.Raised(arch.VecGP) {
		t.Errorf("int 0x80: %s", r.OutcomeString())
	}
	if rs[3].Outcome != engine.Completed {
		t.Errorf("add after the system calls: %s", rs[3].OutcomeString())
	}
	for _, i := range []int{4, 6} {
		if rs[i].Outcome != engine.Failed || !strings.Contains(rs[i].Detail, "helper ended") {
			t.Errorf("case %d: %s, want failed", i, rs[i].OutcomeString())
		}
	}
	if rs[5].Outcome != engine.Completed || rs[7].Outcome != engine.Completed || rs[7].State.GPR[arch.RAX] != 5 {
		t.Errorf("after the crashes: %s, %s rax %d", rs[5].OutcomeString(), rs[7].OutcomeString(), rs[7].State.GPR[arch.RAX])
	}
	if e.Restarts != 2 {
		t.Errorf("%d restarts, want 2", e.Restarts)
	}
	t.Logf("restarts %d; the crash: %s", e.Restarts, rs[4].Detail)
}

// TestHelperAddressSpace: the helper keeps nothing outside its window, so
// the lower half is the cases'.
func TestHelperAddressSpace(t *testing.T) {
	e := testEngine(t)
	f, err := os.Open("/proc/" + strconv.Itoa(e.h.cmd.Process.Pid) + "/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^([0-9a-f]+)-([0-9a-f]+) `)
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		lo, _ := strconv.ParseUint(m[1], 16, 64)
		hi, _ := strconv.ParseUint(m[2], 16, 64)
		n++
		if (lo < helperBase || hi > helperEnd) && lo < 1<<47 {
			t.Errorf("the helper maps %s outside its window", sc.Text())
		}
	}
	if n == 0 {
		t.Error("no mappings read")
	}
}

// TestLayout checks every number helper/layout.h defines against this
// package's copy.
func TestLayout(t *testing.T) {
	b, err := os.ReadFile("helper/layout.h")
	if err != nil {
		t.Fatal(err)
	}
	goNames := map[string]uint64{
		"LAYOUT_VERSION": layoutVersion, "HELPER_BASE": helperBase, "SHM_BASE": shmBase, "SHM_SIZE": shmSize,
		"CTL_MAGIC": ctlMagic, "CTL_VERSION": ctlVersion, "CTL_REQ": ctlReq, "CTL_DONE": ctlDone,
		"CTL_NCASES": ctlNCases, "CTL_CURRENT": ctlCurrent, "CTL_XSAVE_SIZE": ctlXSaveSize,
		"CTL_MXCSR_MASK": ctlMXCSRMask, "CTL_XCR0": ctlXCR0, "CTL_HWCAP2": ctlHWCap2, "CTL_YMM_OFFSET": ctlYMMOffset,
		"CTL_CPUID": ctlCPUID, "CTL_CASES": ctlCases, "CTL_MAGIC_VALUE": ctlMagicValue, "MAX_BATCH": maxBatch, "IN_SIZE": inSize,
		"OUT_SIZE": outSize, "MAX_PAGES": maxPages, "IN_FLAGS": inFlags, "IN_NPAGES": inNPages, "IN_STEPS": inSteps,
		"IN_PATCH": inPatch, "IN_REPLIMIT": inRepLimit, "IN_GPR": inGPR, "IN_RIP": inRIP, "IN_RFLAGS": inRFLAGS,
		"IN_FSBASE": inFSBase, "IN_GSBASE": inGSBase, "IN_FXSAVE": inFXSave, "IN_YMMH": inYMMH, "IN_PAGES": inPages,
		"MODE_STEP": modeStep, "MODE_FAST": modeFast, "FLAG_REP": flagRep, "FLAG_YMM": flagYMM, "FLAG_SEGS": flagSegs,
		"OUT_KIND": outKind, "OUT_SIGNO": outSigno, "OUT_SICODE": outSiCode, "OUT_TRAPNO": outTrapNo,
		"OUT_ERR": outErr, "OUT_CR2": outCR2, "OUT_STEPS": outSteps, "OUT_DETAIL": outDetail, "OUT_GPR": outGPR,
		"OUT_RIP": outRIP, "OUT_RFLAGS": outRFLAGS, "OUT_FSBASE": outFSBase, "OUT_GSBASE": outGSBase, "OUT_TICKS": outTicks, "OUT_ATTEMPTS": outAttempts, "PATCH_MAX": patchLen,
		"OUT_XSAVE": outXSave, "KIND_COMPLETED": kindCompleted, "KIND_SIGNAL": kindSignal,
		"KIND_SYSCALL": kindSyscall, "KIND_BADPAGE": kindBadPage, "KIND_REPLIMIT": kindRepLimit,
	}
	re := regexp.MustCompile(`(?m)^#define (\w+)\s+(0x[0-9a-fA-F]+|\d+)u?(ll)?\b`)
	seen := 0
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		v, err := strconv.ParseUint(m[2], 0, 64)
		if err != nil {
			t.Fatal(err)
		}
		g, ok := goNames[m[1]]
		if !ok {
			t.Errorf("layout.h defines %s; layout.go has no copy", m[1])
			continue
		}
		seen++
		if g != v {
			t.Errorf("%s: layout.h %#x, layout.go %#x", m[1], v, g)
		}
	}
	if seen != len(goNames) {
		t.Errorf("layout.h defines %d of the %d numbers layout.go copies", seen, len(goNames))
	}
}

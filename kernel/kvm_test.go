package kernel_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twinstep/twinstep/internal/kernelbuild"
)

// errKVMStopped: QEMU reported a KVM internal error and was ended.
var errKVMStopped = errors.New("KVM internal error: the guest was stopped")

// kvmStop is what QEMU prints when KVM gives up on the guest
// (kvm_handle_internal_error, then the CPU dump with code bytes).
type kvmStop struct {
	Suberror  int    // 1: KVM's instruction emulator failed
	RIP       string // as printed
	CPL       int
	Code      []byte // the bytes at RIP onward, from "Code=... <xx> ..."
	Operation string // what Code starts with, in the probe's names: "int3", "intn", or ""
}

func (s kvmStop) String() string {
	return fmt.Sprintf("KVM internal error, suberror %d, at RIP=%s CPL=%d, code % x (%s)",
		s.Suberror, s.RIP, s.CPL, s.Code, cmp.Or(s.Operation, "an instruction the probe does not try"))
}

var (
	kvmErrorRE = regexp.MustCompile(`KVM internal error\. Suberror: (\d+)`)
	kvmRIPRE   = regexp.MustCompile(`RIP=([0-9a-f]+) .*CPL=(\d)`)
	kvmCodeRE  = regexp.MustCompile(`(?m)^Code=(.*<[0-9a-f?]{2}>.*)$`)
)

// kvmDumpComplete reports whether out holds a KVM internal error and the
// whole register dump after it (the Code= line is its last).
func kvmDumpComplete(out []byte) bool {
	i := bytes.Index(out, []byte("KVM internal error"))
	if i < 0 {
		return false
	}
	rest := out[i:]
	j := bytes.Index(rest, []byte("\nCode="))
	return j >= 0 && bytes.IndexByte(rest[j+1:], '\n') >= 0
}

// parseKVMStop finds a KVM internal error in QEMU's output.
func parseKVMStop(out string) (kvmStop, bool) {
	m := kvmErrorRE.FindStringSubmatchIndex(out)
	if m == nil {
		return kvmStop{}, false
	}
	var s kvmStop
	s.Suberror, _ = strconv.Atoi(out[m[2]:m[3]])
	dump := out[m[1]:]
	if r := kvmRIPRE.FindStringSubmatch(dump); r != nil {
		s.RIP = r[1]
		s.CPL, _ = strconv.Atoi(r[2])
	}
	if c := kvmCodeRE.FindStringSubmatch(dump); c != nil {
		at := false
		for _, f := range strings.Fields(c[1]) {
			if strings.HasPrefix(f, "<") {
				at, f = true, strings.Trim(f, "<>")
			}
			if !at {
				continue
			}
			b, err := strconv.ParseUint(f, 16, 8)
			if err != nil { // "??": not readable
				break
			}
			s.Code = append(s.Code, byte(b))
		}
	}
	switch {
	case len(s.Code) > 0 && s.Code[0] == 0xcc:
		s.Operation = "int3"
	case len(s.Code) > 1 && s.Code[0] == 0xcd:
		s.Operation = "intn"
	}
	return s, true
}

func TestParseKVMStop(t *testing.T) {
	// QEMU 7.2's output when kvm-pvm's emulator fails on INT3 at CPL 0.
	const dump = "[ OK ] heap\r\nKVM internal error. Suberror: 1\nextra data[0]: 0x0000000000000000\n" +
		"extra data[1]: 0x0000000000000001\nemulation failure\n" +
		"RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000000 RDX=00000000000003f8\n" +
		"RIP=ffffffff8010a2c5 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n" +
		"ES =0010 0000000000000000 ffffffff 00cf9300 DPL=0 DS   [-WA]\n" +
		"EFER=0000000000000d01\n" +
		"Code=48 8b 05 5c 3e 01 00 48 89 c3 <cc> cc 48 8b 05 51 3e 01 00\n"
	tests := []struct {
		name, out string
		want      kvmStop
		found     bool
		complete  bool
	}{
		{"int3", dump, kvmStop{Suberror: 1, RIP: "ffffffff8010a2c5", CPL: 0,
			Code: []byte{0xcc, 0xcc, 0x48, 0x8b, 0x05, 0x51, 0x3e, 0x01, 0x00}, Operation: "int3"}, true, true},
		{"int n", strings.Replace(dump, "<cc> cc", "<cd> 40", 1), kvmStop{Suberror: 1, RIP: "ffffffff8010a2c5",
			Code: []byte{0xcd, 0x40, 0x48, 0x8b, 0x05, 0x51, 0x3e, 0x01, 0x00}, Operation: "intn"}, true, true},
		{"unreadable code", strings.Replace(dump, "<cc> cc 48", "<??> ?? ??", 1), kvmStop{Suberror: 1,
			RIP: "ffffffff8010a2c5"}, true, true},
		{"other instruction", strings.Replace(dump, "<cc> cc", "<f3> 0f b8 c0", 1), kvmStop{Suberror: 1,
			RIP: "ffffffff8010a2c5", Code: []byte{0xf3, 0x0f, 0xb8, 0xc0, 0x48, 0x8b, 0x05, 0x51, 0x3e, 0x01, 0x00}}, true, true},
		{"dump still coming", dump[:strings.Index(dump, "Code=")+20], kvmStop{Suberror: 1, RIP: "ffffffff8010a2c5"}, true, false},
		{"no error", "[ OK ] heap\r\n[ OK ] int3\r\n", kvmStop{}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, found := parseKVMStop(tc.out)
			if found != tc.found || got.String() != tc.want.String() {
				t.Errorf("parseKVMStop = %v, %v; want %v, %v", got, found, tc.want, tc.found)
			}
			if c := kvmDumpComplete([]byte(tc.out)); c != tc.complete {
				t.Errorf("kvmDumpComplete = %v, want %v", c, tc.complete)
			}
		})
	}
}

// kvmCPUs are the CPU models tried under KVM, in order: some kvm-pvm hosts
// refuse QEMU's write of IA32_ARCH_CAPABILITIES (MSR 0x10a) for -cpu host,
// and QEMU aborts before the guest starts.
var kvmCPUs = []string{"host", "host,-arch-capabilities"}

// kvmProbe runs kernel/kvmprobe with one operation under KVM with a CPU
// model. It returns nil when the host ran it, the stop when KVM gave up,
// and an error when QEMU could not run the probe at all.
func kvmProbe(t *testing.T, cpu, op string) (*kvmStop, error) {
	return probe(t, op, "-enable-kvm", "-cpu", cpu)
}

// probe runs kernel/kvmprobe with one operation on the given accelerator.
func probe(t *testing.T, op string, accel ...string) (*kvmStop, error) {
	t.Helper()
	image, err := kernelbuild.KVMProbe()
	if err != nil {
		t.Fatal(err)
	}
	out, status, err := runQEMU(t, 30*time.Second, append(accel, "-m", "32M", "-kernel", image, "-append", op), nil)
	if stop, ok := parseKVMStop(out); ok {
		return &stop, nil
	}
	if err == nil && status == 1 && strings.Contains(out, "kvmprobe: "+op+" ok") {
		return nil, nil
	}
	return nil, fmt.Errorf("the probe guest did not run (%v, QEMU status %d):\n%s", err, status, out)
}

// TestKVMProbeOnTCG checks the probe itself on a machine that runs every
// operation: each one completes, and an unknown one is refused.
func TestKVMProbeOnTCG(t *testing.T) {
	for _, op := range []string{"int3", "intn"} {
		if stop, err := probe(t, op, "-accel", "tcg"); stop != nil || err != nil {
			t.Errorf("probe %s on TCG: %v, %v", op, stop, err)
		}
	}
	if _, err := probe(t, "bogus", "-accel", "tcg"); err == nil || !strings.Contains(err.Error(), "status 5") {
		t.Errorf("probe of an unknown operation: %v, want QEMU status 5", err)
	}
}

// TestQEMUKVM boots the self-tests under KVM. Some hosts cannot: kvm-pvm
// runs guest CPL 0 code in KVM's software instruction emulator, which
// cannot deliver INT3 or INT n in protected mode, and QEMU stops the guest
// with "KVM internal error. Suberror: 1". The probe guest tells such a host
// from a kernel bug: the test skips only when the kernel stopped at an
// instruction the probe showed the host cannot run, after passing every
// self-test before it. Any other failure fails.
func TestQEMUKVM(t *testing.T) {
	if testing.Short() {
		t.Skip("a boot under QEMU with KVM (18 s here): not with -short")
	}
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("KVM unavailable: %v", err)
	}
	f.Close()
	limits := map[string]*kvmStop{}
	cpu, refused := "", []string{}
	for _, c := range kvmCPUs {
		stop, err := kvmProbe(t, c, "int3")
		if err != nil {
			refused = append(refused, fmt.Sprintf("-cpu %s: %v", c, err))
			continue
		}
		cpu = c
		if stop != nil {
			limits["int3"] = stop
		}
		break
	}
	if cpu == "" {
		t.Skipf("KVM unusable on this host: QEMU starts no guest with any CPU model:\n%s", strings.Join(refused, "\n"))
	}
	stop, err := kvmProbe(t, cpu, "intn")
	if err != nil {
		t.Fatalf("the probe ran int3 under KVM (-cpu %s) but not int n: %v", cpu, err)
	}
	if stop != nil {
		limits["intn"] = stop
	}
	for op, stop := range limits {
		t.Logf("host limitation: KVM cannot execute %s at CPL 0: %v", op, stop)
	}
	out, status, err := bootQEMU(t, 60*time.Second, "selftest", "-enable-kvm", "-cpu", cpu)
	if _, ok := parseKVMStop(out); ok {
		limitation, err := kvmLimitation(limits, out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Skip(limitation)
	}
	if err != nil {
		t.Fatalf("qemu: %v\n%s", err, out)
	}
	check(t, out, status)
}

// kvmLimitation decides about a kernel stopped by KVM: a host limitation
// (the message to skip with) when it stopped at CPL 0 in KVM's emulator on
// an operation the probe could not run either, after every self-test before
// it passed; otherwise an error.
func kvmLimitation(limits map[string]*kvmStop, out string) (string, error) {
	stop, _ := parseKVMStop(out)
	lim := limits[stop.Operation]
	if stop.Suberror != 1 || stop.CPL != 0 || lim == nil {
		return "", fmt.Errorf("the kernel stopped under KVM, and the probe does not explain it: %v", stop)
	}
	res, _ := kernelbuild.ParseSelftest(out)
	var failed []string
	for _, tc := range res.Tests {
		if !tc.Passed {
			failed = append(failed, tc.Name+": "+tc.Detail)
		}
	}
	if len(failed) > 0 {
		return "", fmt.Errorf("self-tests failed before KVM stopped the kernel: %s", strings.Join(failed, "; "))
	}
	return fmt.Sprintf("host limitation, not a kernel difference: this host's KVM (kvm-pvm runs guest CPL 0 code in "+
		"KVM's instruction emulator) cannot execute %s at CPL 0; the probe guest stops the same way (%v). "+
		"The kernel passed the %d self-tests before it (%s) and stopped at %v",
		stop.Operation, lim, len(res.Tests), strings.Join(res.Names(), " "), stop), nil
}

func TestKVMLimitation(t *testing.T) {
	int3 := &kvmStop{Suberror: 1, Operation: "int3", Code: []byte{0xcc}}
	const stopped = "KVM internal error. Suberror: 1\nemulation failure\n" +
		"RIP=ffffffff8010a2c5 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\nCode=90 <cc> cc 48\n"
	tests := []struct {
		name   string
		limits map[string]*kvmStop
		out    string
		skip   bool
	}{
		{"probe stops the same way", map[string]*kvmStop{"int3": int3}, "[ OK ] bootinfo\n[ OK ] heap\n" + stopped, true},
		{"probe ran int3", map[string]*kvmStop{}, "[ OK ] heap\n" + stopped, false},
		{"probe stops on int n only", map[string]*kvmStop{"intn": int3}, stopped, false},
		{"a self-test failed first", map[string]*kvmStop{"int3": int3}, "[FAIL] heap\n       lost a block\n" + stopped, false},
		{"stopped at CPL 3", map[string]*kvmStop{"int3": int3}, strings.Replace(stopped, "CPL=0", "CPL=3", 1), false},
		{"other instruction", map[string]*kvmStop{"int3": int3}, strings.Replace(stopped, "<cc>", "<0f> 0b", 1), false},
		{"other suberror", map[string]*kvmStop{"int3": int3}, strings.Replace(stopped, "Suberror: 1", "Suberror: 3", 1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := kvmLimitation(tc.limits, tc.out)
			if (err == nil) != tc.skip {
				t.Errorf("kvmLimitation = %q, %v; want a skip: %v", msg, err, tc.skip)
			}
		})
	}
}

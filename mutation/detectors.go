package mutation

import "time"

// A Detector is one of the project's checks, run as `go test` on the
// mutant. Detectors run in order of cost, and a mutant's run stops at the
// first that fails. Measured 2026-12-03 (seconds per mutant, compiling
// included): unit 3, tools 10, decode 13, cases 25, sweeps 51 plus the
// cases that reach the change (with a probed mutant every other case is
// skipped; 12 minutes when all run), kernel 60, lockstep 75.
type Detector struct {
	Name string
	What string
	Pkgs []string
	// Args are extra `go test` flags. A -skip names tests that never run
	// the emulator (QEMU alone), which cannot tell a mutant apart.
	Args []string
	// MakeTest: `make test` runs this check (the score's goal counts
	// only those).
	MakeTest bool
	// Timeout: a check still running then has hung, and the mutant counts
	// as killed (make test would fail too). Generous, so a slow machine
	// is not mistaken for a hang.
	Timeout time.Duration
}

// Detectors is every check, cheapest first.
var Detectors = []Detector{
	{Name: "unit", What: "the emulator's own unit tests (emulator/...)", Pkgs: []string{"./emulator/..."},
		MakeTest: true, Timeout: 10 * time.Minute},
	{Name: "tools", What: "the CLI, traces, engines and reports packages' tests",
		Pkgs: []string{"./cmd/...", "./traces", "./engine", "./arch", "./corpus", "./reports", "./oracles/unicorn",
			"./oracles/native", "./internal/..."},
		MakeTest: true, Timeout: 10 * time.Minute},
	{Name: "decode", What: "decode lengths against x86asm and silicon (oracles/x86asm)", Pkgs: []string{"./oracles/x86asm"},
		MakeTest: true, Timeout: 10 * time.Minute},
	{Name: "cases", What: "regression cases, properties and the fuzz targets' seed corpora (fuzz/)", Pkgs: []string{"./fuzz"},
		MakeTest: true, Timeout: 15 * time.Minute},
	{Name: "sweeps", What: "every form and family sweep against silicon and Unicorn (oracles/check)",
		Pkgs: []string{"./oracles/check"}, MakeTest: true, Timeout: 45 * time.Minute},
	{Name: "kernel", What: "the kernel's self-tests, cmd.exe and hostile programs on the emulator (kernel/)",
		Pkgs: []string{"./kernel"}, Args: []string{"-skip", "^(TestQEMUKVM|TestKVMProbeOnTCG|TestQEMUTCG|TestQEMUCmd|TestQEMUPanic)$"},
		MakeTest: true, Timeout: 20 * time.Minute},
	{Name: "lockstep", What: "the recorded boot replayed in lockstep (lockstep/)", Pkgs: []string{"./lockstep"},
		MakeTest: true, Timeout: 20 * time.Minute},
	{Name: "fuzz", What: "FuzzSemantics for 60 s (not in make test; --fuzz)", Pkgs: []string{"./fuzz"},
		Args: []string{"-run", "^$", "-fuzz", "^FuzzSemantics$", "-fuzztime", "60s"}, Timeout: 5 * time.Minute},
}

// DetectorByName finds a detector.
func DetectorByName(name string) (Detector, bool) {
	for _, d := range Detectors {
		if d.Name == name {
			return d, true
		}
	}
	return Detector{}, false
}

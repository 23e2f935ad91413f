package mutation

// A Triage entry says why a known survivor survives, in one of the
// classes the closing notes use: "equivalent" (no input tells it apart,
// though the compiler's code differs), "system level" (only a machine
// running a kernel reaches it, and no oracle checks that level), "oracle
// cannot decide" (silicon and Unicorn cannot run the case, or disagree with
// each other there). Entries are keyed by mutant ID.
type Triage struct {
	Class string
	Why   string
}

// Triaged lists the known survivors.
var Triaged = map[string]Triage{
	"mc80274d5": {"equivalent", "movToDR: r >= 5 for r >= 6; drIndex maps DR4 and DR5 to DR6 and DR7, so r is never 5"},
	"m070beafc": {"equivalent", "specificity: a form naming its ModRM reg ranked below one naming nothing; in this table " +
		"that reorders only the x87 groups DA, DC, DE and DF, where the register forms (mod 3, one /r each) and the " +
		"memory form (mod not 3) never match the same ModRM, so the first match is the same form"},
	"mbc39b13c": {"oracle cannot decide", "undefinedFlags: PF left out of BT's undefined flags makes comparisons " +
		"of BT stricter, not looser; the emulator, Unicorn and this AMD host all leave PF unchanged, so they still " +
		"agree; only a CPU that changes PF there could tell (the Intel profile is unmeasured)"},
	"mbd63388f": {"oracle cannot decide", "shiftUndefined: OF left out of the undefined mask of rotates by more than one; " +
		"both profiles, Unicorn and this AMD host all apply the 1-bit formula there, so the stricter comparison " +
		"still agrees; only a CPU that differs there could tell (the Intel profile is unmeasured)"},
}

// Reason says why a survivor survives: its triage entry, or what the run
// observed.
func (r Result) Reason() string {
	if t, ok := Triaged[r.ID]; ok {
		return t.Class + ": " + t.Why
	}
	switch {
	case !r.Probed:
		return "untriaged (package level: every sweep case ran)"
	case r.RanSweeps() && r.Reached == 0:
		return "untriaged: no sweep case runs the changed code"
	}
	return "untriaged"
}

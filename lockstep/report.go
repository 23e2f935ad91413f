package lockstep

import (
	"time"

	"github.com/twinstep/twinstep/engine"
)

// Report is what one lockstep replay found: the counts by class, and for
// every class the groups a person reads (missing instructions, divergences
// by form, what the oracle could not do), with the first occurrence of each.
// The HTML report and the terminal tables both render it.
type Report struct {
	Trace        string        // the trace file replayed
	Kernel       string        // the recorded kernel image
	Cmdline      string        // its command line
	Instructions uint64        // instructions replayed
	Events       uint64        // interrupts and exception deliveries replayed
	Elapsed      time.Duration // wall time of the replay
	Workers      int           // parallel workers used
	// OracleRestarts counts the fresh Unicorn instances the replay needed
	// because code it had translated changed (see unicorn.Session).
	OracleRestarts int

	Counts Counts

	Missing     []Group // one per mnemonic the emulator lacks, most frequent first
	Divergences []Group // one per instruction form and disagreement, most frequent first
	Unable      []Group // one per reason the oracle could not run an instruction
	Mistakes    []Group // one per known oracle mistake that explained a disagreement
	Coverage    []Form  // every instruction form the trace executes, most frequent first
	Timeline    []Bucket
	// Damage, if set, says where the trace was corrupt or truncated: the
	// replay covered what preceded it.
	Damage string
}

// Rate is instructions replayed per second of wall time.
func (r *Report) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Instructions) / r.Elapsed.Seconds()
}

// Unexplained says whether the replay found anything a person must look at:
// a divergence or a missing instruction.
func (r *Report) Unexplained() bool { return r.Counts.Divergent > 0 || r.Counts.Missing > 0 }

// Counts are the instructions in each class.
type Counts struct {
	Match        uint64 // recorded, emulator and oracle agree
	Divergent    uint64 // a disagreement nothing known explains
	Missing      uint64 // the emulator does not implement it (the oracle ran it while recording)
	OracleUnable uint64 // the oracle cannot run it; compared with the recording only
	Mistake      uint64 // a known oracle mistake explains the disagreement
}

// Group is a set of instructions that share a class and a cause.
type Group struct {
	// Key identifies the group: the mnemonic (missing), the reason
	// (unable), the mistake's name, or for a divergence its form, who
	// stands apart and the differing fields, joined by "|".
	Key      string
	Form     string   // the instruction form, where there is one
	Who      string   // for divergences: which of recorded/emulator/oracle stands apart
	Fields   []string // for divergences: the differing fields (registers, flags, memory, outcome)
	Count    uint64
	First    Occurrence
	Detail   string // for unable/mistake groups: why
	Repro    string // the command that turns the first occurrence into a corpus case
	Location string // the first occurrence's symbolized address
}

// Occurrence is one instruction of the trace in full, for a person to read.
type Occurrence struct {
	Index  uint64 // instruction number in the trace (0-based)
	RIP    uint64
	Symbol string // "cmd.exe+0x1a2b", "ucrtbase!wcslen+0x12", "kernel!memcpy+0x8"
	Bytes  []byte
	Text   string // disassembly
	Around []Line // disassembly around it, from the trace's own bytes
	States []StateRow
	// Diffs are the differences found: A is the recording, B the engine
	// that stands apart (for "all three", each field is suffixed with the
	// engine its B belongs to).
	Diffs []engine.Difference
}

// Line is one disassembled instruction near an occurrence.
type Line struct {
	Index   uint64
	RIP     uint64
	Symbol  string
	Bytes   []byte
	Text    string
	Current bool // the occurrence itself
}

// StateRow is one field of the state table: before the instruction, and after
// it as the recording, the emulator and the oracle have it. Emulator is empty
// when the emulator's replay could not run the instruction outside the
// machine (a system instruction: the recording speaks for it).
type StateRow struct {
	Field                           string
	Pre, Recorded, Emulator, Oracle string
	Differs                         bool
}

// Form is how often one instruction form ran, and how it was checked.
type Form struct {
	Form     string
	Mnemonic string
	Count    uint64 // times executed
	Oracle   uint64 // compared with the oracle
	Recorded uint64 // compared with the recording only (the oracle could not run it)
}

// Bucket is one slice of the run for the timeline picture: the instructions
// [Start, End) and what was found in them.
type Bucket struct {
	Start, End uint64
	Divergent  uint64
	Missing    uint64
	Unable     uint64
}

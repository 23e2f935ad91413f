package lockstep

import (
	"time"

	"github.com/twinstep/twinstep/engine"
)

// Report is what one lockstep replay found: the counts by class, and for
// every class the groups a person reads (missing instructions, divergences
// by form, what the oracles could not do), with the first occurrence of
// each. The HTML report and the terminal tables both render it.
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

	// Counts classify every instruction by the recording and Unicorn.
	Counts Counts
	// Checked is how many instructions each reference judged the emulator
	// on; Silicon is what the host CPU did with the ring-3 ones.
	Checked Checked
	Silicon Silicon

	Missing []Group // one per mnemonic the emulator lacks, most frequent first
	// Divergences: one per instruction form and disagreement, most frequent
	// first; the emulator's disagreements with silicon are groups of their
	// own (Who "emulator vs silicon").
	Divergences []Group
	Unable      []Group // one per reason Unicorn could not run an instruction
	// SiliconUnable: one per reason the host CPU could not run a ring-3
	// instruction of the sample (Detail: the first one's full reason).
	SiliconUnable []Group
	Mistakes      []Group // one per known oracle mistake that explained a disagreement
	Coverage      []Form  // every instruction form the trace executes, most frequent first
	Timeline      []Bucket
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
// a divergence, a missing instruction or a disagreement with silicon.
func (r *Report) Unexplained() bool {
	return r.Counts.Divergent > 0 || r.Counts.Missing > 0 || r.Silicon.Disagreed > 0
}

// Checked counts the instructions each reference checked the emulator
// against. An instruction may count for several.
type Checked struct {
	Recording uint64 // the emulator's replay compared with the recorded result
	Unicorn   uint64 // Unicorn ran it and was compared
	Silicon   uint64 // the host CPU ran it and was compared with the emulator
}

// Silicon is what the host CPU (oracles/native) did: it runs ring-3
// instructions only, and a deterministic sample of them (see
// Options.NativeFirst and NativeEvery). Sampled = Agreed + Disagreed +
// Unable.
type Silicon struct {
	Host string // the processor; "" when silicon took no part
	Off  string // why silicon took no part
	// First and Every are the sample: in each chunk the first First
	// instructions of every form, and every instruction whose number is a
	// multiple of Every.
	First, Every int
	Ring3        uint64 // ring-3 (CPL 3) instructions replayed, with silicon or without
	Sampled      uint64 // of them, the sample given to silicon
	Agreed       uint64 // silicon and the emulator agree (undefined flags masked)
	Disagreed    uint64 // they do not: divergences "emulator vs silicon"
	Unable       uint64 // silicon could not run it (SiliconUnable says why)
}

// Compared is how many ring-3 instructions silicon ran and compared.
func (s Silicon) Compared() uint64 { return s.Agreed + s.Disagreed }

// Share is the fraction of ring-3 instructions compared with silicon.
func (s Silicon) Share() float64 {
	if s.Ring3 == 0 {
		return 0
	}
	return float64(s.Compared()) / float64(s.Ring3)
}

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
	// engine its B belongs to; for "emulator vs silicon", A is the
	// emulator and B silicon).
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
// it as the recording, the emulator, Unicorn (Oracle) and silicon (Native)
// have it. A column is empty where that engine did not answer: Emulator
// when the emulator's replay could not run the instruction outside the
// machine (a system instruction: the recording speaks for it), Oracle where
// Unicorn could not run it, Native outside the silicon comparison.
type StateRow struct {
	Field                                   string
	Pre, Recorded, Emulator, Oracle, Native string
	Differs                                 bool
}

// Form is how often one instruction form ran, and how it was checked.
type Form struct {
	Form     string
	Mnemonic string
	Count    uint64 // times executed
	Oracle   uint64 // compared with Unicorn
	Recorded uint64 // compared with the recording only (Unicorn could not run it)
	Silicon  uint64 // compared with silicon (ring 3, in the sample)
}

// Bucket is one slice of the run for the timeline picture: the instructions
// [Start, End) and what was found in them.
type Bucket struct {
	Start, End uint64
	Divergent  uint64
	Missing    uint64
	Unable     uint64
}

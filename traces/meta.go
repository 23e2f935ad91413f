package traces

import (
	"encoding/json"
	"fmt"
)

// StepsVersion is the version of the steps encoding and metadata (see
// docs/TRACE.md); the container has its own (Version).
const StepsVersion = 1

// Meta describes a recording. The first KindMeta chunk holds what was run;
// the last holds the same with End and the symbols learnt while running.
type Meta struct {
	Format       string   `json:"format"` // "twinstep-trace"
	StepsVersion int      `json:"steps_version"`
	Kernel       string   `json:"kernel"` // the image's file name
	KernelSHA256 string   `json:"kernel_sha256"`
	Initrd       string   `json:"initrd,omitempty"`
	InitrdSHA256 string   `json:"initrd_sha256,omitempty"`
	Cmdline      string   `json:"cmdline"`
	Script       string   `json:"script,omitempty"` // the typed input
	MemoryMiB    int      `json:"memory_mib"`
	Disabled     []string `json:"disabled,omitempty"` // mnemonics the emulator was told it lacks
	CPU          string   `json:"cpu,omitempty"`      // the emulator's CPU profile; "" is the default
	Symbols      Symbols  `json:"symbols"`
	End          *End     `json:"end,omitempty"`
}

// End says how a recording ended.
type End struct {
	Instructions uint64 `json:"instructions"`
	Deliveries   uint64 `json:"deliveries"`
	ByOracle     uint64 `json:"by_oracle"` // instructions the oracle executed for the emulator
	Exit         string `json:"exit"`      // why the machine stopped
	Detail       string `json:"detail,omitempty"`
}

const metaFormat = "twinstep-trace"

func (m *Meta) encode() ([]byte, error) {
	m.Format, m.StepsVersion = metaFormat, StepsVersion
	return json.Marshal(m)
}

func decodeMeta(b []byte) (*Meta, error) {
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("trace metadata: %w", err)
	}
	if m.Format != metaFormat {
		return nil, fmt.Errorf("trace metadata: format %q, want %q", m.Format, metaFormat)
	}
	if m.StepsVersion != StepsVersion {
		return nil, fmt.Errorf("trace metadata: steps version %d; this build reads version %d", m.StepsVersion, StepsVersion)
	}
	return &m, nil
}

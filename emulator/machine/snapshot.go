package machine

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Fingerprint summarizes the machine's state for comparing two runs: a
// SHA-256 over the CPU's architectural state (its binary form) and every
// RAM page that is not all zeros (with its address), and the count of
// those pages (the guest's memory footprint).
type Fingerprint struct {
	Hash         [sha256.Size]byte
	NonZeroPages int
}

func (f Fingerprint) String() string {
	return fmt.Sprintf("%x (%d non-zero pages)", f.Hash[:8], f.NonZeroPages)
}

// Fingerprint computes the machine's fingerprint.
func (m *Machine) Fingerprint() Fingerprint {
	h := sha256.New()
	st, _ := m.cpu.State().MarshalBinary() // encoding a State cannot fail
	h.Write(st)
	var f Fingerprint
	var addr [8]byte
	var zero [4096]byte
	for pa := 0; pa+4096 <= len(m.ram); pa += 4096 {
		page := m.ram[pa : pa+4096]
		if bytes.Equal(page, zero[:]) {
			continue
		}
		f.NonZeroPages++
		binary.LittleEndian.PutUint64(addr[:], uint64(pa))
		h.Write(addr[:])
		h.Write(page)
	}
	copy(f.Hash[:], h.Sum(nil))
	return f
}

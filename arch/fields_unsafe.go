//go:build 386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm

package arch

import "unsafe"

// These views let one field table read and write every register as bytes.
// They are the serialized (little-endian) layout only on little-endian hosts,
// hence the build constraint.

func u64Bytes(p *uint64) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(p)), 8) }
func u32Bytes(p *uint32) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(p)), 4) }
func u16Bytes(p *uint16) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(p)), 2) }
func u8Bytes(p *uint8) []byte   { return unsafe.Slice(p, 1) }
func vecBytes(p *Vec128) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(p)), 16) }

// Raw is the memory of s as bytes: field i of Fields is Raw(s)[off:off+width]
// with off from FieldOffsets. Delta encoders compare and patch states through
// it once per instruction, which the per-field accessors are too slow for;
// what they write out is still per field, so the format does not depend on
// the struct's layout.
func Raw(s *State) []byte { return unsafe.Slice((*byte)(unsafe.Pointer(s)), unsafe.Sizeof(*s)) }

// FieldOffsets gives, for each field of Fields, its offset in Raw.
func FieldOffsets() []int { return append([]int(nil), fieldOffsets...) }

// offsetsOf finds where each field lies in a State's memory.
func offsetsOf() []int {
	var s State
	base := uintptr(unsafe.Pointer(&s))
	out := make([]int, len(fields))
	for i, f := range fields {
		out[i] = int(uintptr(unsafe.Pointer(&f.get(&s)[0])) - base)
	}
	return out
}

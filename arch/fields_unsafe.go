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

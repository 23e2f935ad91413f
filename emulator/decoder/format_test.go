package decoder

import (
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// TestFormat checks our Intel syntax against exact strings, and records what
// x86asm's IntelSyntax prints for the same bytes so spelling differences are
// deliberate, not accidental.
func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		hex, want, x86asm string
	}{
		{"03448b10", "add eax, dword ptr [rbx+rcx*4+0x10]", "add eax, dword ptr [rbx+4*rcx+0x10]"},
		{"4088e0", "mov al, spl", "mov al, spl"},
		{"4188e0", "mov r8b, spl", "mov r8b, spl"},
		{"88e7", "mov bh, ah", "mov bh, ah"},
		{"48b8 0102030405060708", "mov rax, 0x807060504030201", "mov rax, 0x807060504030201"},
		{"750e", "jne .+0xe", "jnz .+0xe"},
		{"e8 10000000", "call .+0x10", "call .+0x10"},
		{"e9 f0ffffff", "jmp .-0x10", "jmp .-0x10"},
		{"488b05 10000000", "mov rax, qword ptr [rip+0x10]", "mov rax, qword ptr [rip+0x10]"},
		{"67488b05 10000000", "mov rax, qword ptr [eip+0x10]", "mov rax, qword ptr [rip+0x10]"},
		{"648b042528000000", "mov eax, dword ptr fs:[0x28]", "mov eax, dword ptr fs:[0x28]"},
		{"c8 1000 01", "enter 0x10, 0x1", "enter 0x10, 0x1"},
		{"f3a4", "rep movsb", "rep movsb byte ptr [rdi], byte ptr [rsi]"},
		{"f048 0fb10e", "lock cmpxchg qword ptr [rsi], rcx", "lock cmpxchg qword ptr [rsi], rcx"},
		{"660f6fc1", "movdqa xmm0, xmm1", "movdqa xmm0, xmm1"},
		{"0f6fc1", "movq mm0, mm1", "movq mmx0, mmx1"},
		{"0f6fca", "movq mm1, mm2", "movq mmx1, mmx2"},   // ModRM bit 3 belongs to reg, not rm
		{"450f6fca", "movq mm1, mm2", "movq mmx1, mmx2"}, // REX.R and REX.B do not extend MMX registers
		{"0f7ec8", "movd eax, mm1", "movd eax, mmx1"},
		{"8ed8", "mov ds, ax", "mov ds, ax"},
		{"0f20d8", "mov rax, cr3", "mov rax, cr3"},
		{"0f23f8", "mov dr7, rax", "mov dr7, rax"},
		{"d1e0", "shl eax, 0x1", "shl eax, 0x1"},
		{"4883c0ff", "add rax, -0x1", "add rax, -0x1"},
		{"8b45f8", "mov eax, dword ptr [rbp-0x8]", "mov eax, dword ptr [rbp-0x8]"},
		{"66c7f8 1000", "xbegin .+0x10", "xbegin .+0x10"},
		{"a1 0807060504030201", "mov eax, dword ptr [0x102030405060708]", "mov eax, dword ptr [0x102030405060708]"},
	} {
		b := mustHex(t, tc.hex)
		in, err := Decode(b)
		if err != nil {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		if got := in.String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.hex, got, tc.want)
		}
		xi, err := x86asm.Decode(b, 64)
		if xs := x86asm.IntelSyntax(xi, 0, nil); err != nil || xs != tc.x86asm {
			t.Errorf("%s: x86asm now prints %q (%v), table says %q", tc.hex, xs, err, tc.x86asm)
		}
	}
}

// TestFormatRIP checks absolute branch targets and RIP-relative addresses.
func TestFormatRIP(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		rip  uint64
		want string
	}{
		{"750e", 0x1000, "jne 0x1010"},
		{"e9 f0ffffff", 0x401000, "jmp 0x400ff5"},
		{"488b05 10000000", 0x401000, "mov rax, qword ptr [0x401017]"},
		{"67488b05 10000000", 0xfffffff0, "mov rax, qword ptr [0x8]"}, // 32-bit wrap
		{"4883c0ff", 0x1000, "add rax, -0x1"},
	} {
		in, err := Decode(mustHex(t, tc.hex))
		if err != nil {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		if got := in.Format(tc.rip); got != tc.want {
			t.Errorf("%s at %#x: %q, want %q", tc.hex, tc.rip, got, tc.want)
		}
	}
}

package decoder

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeLengthAndForm(t *testing.T) {
	for _, tc := range []struct {
		hex    string
		len    int
		key    string // substring of Form.Key()
		opSize uint8
	}{
		{"90", 1, "nop", 4},
		{"4190", 2, "xchg Zv,rAX", 4},
		{"f390", 2, "pause", 4},
		{"48b8 0102030405060708", 10, "mov Zv,Iv", 8},
		{"b8 01020304", 5, "mov Zv,Iv", 4},
		{"66b8 0102", 4, "mov Zv,Iv", 2},
		{"66e9 00000000", 6, "jmp Jz", 8}, // 66 ignored on rel32
		{"e8 00000000", 5, "call Jz", 8},
		{"8b0425 78563412", 7, "mov Gv,Ev", 4},
		{"8b05 78563412", 6, "mov Gv,Ev", 4},
		{"f30f1efa", 4, "endbr64", 4},
		{"f30f1ec0", 4, "nop Ev", 4},
		{"0fc8", 2, "bswap", 4},
		{"480fc8", 3, "bswap", 8},
		{"f30fb8c0", 4, "popcnt", 4},
		{"66f30fb8c0", 5, "popcnt", 2},
		{"0fbcc0", 3, "bsf", 4},
		{"f20fbcc0", 4, "bsf", 4},
		{"660f6fc1", 4, "movdqa", 4},
		{"f30f6fc1", 4, "movdqu", 4},
		{"f20f38f1c0", 5, "crc32 Gy,Ev", 4},
		{"66f20f38f1c0", 6, "crc32 Gy,Ev", 2},
		{"660f3a63c10c", 6, "pcmpistri", 4},
		{"c8 1000 01", 4, "enter", 8},
		{"f7c0 78563412", 6, "test Ev,Iz", 4},
		{"66f7c0 3412", 5, "test Ev,Iz", 2},
		{"48a1 0807060504030201", 10, "mov rAX,Ov", 8},
		{"67a1 04030201", 6, "mov rAX,Ov", 4},
		{"c5f877", 3, "vex", 0},
		{"c4e27900c1", 5, "vex", 0},
		{"62f17c4858c1", 6, "evex", 0},
		{"d9c0", 2, "x87", 4},
		{"f00fc70e", 4, "cmpxchg8b", 4},
		{"f0480fc70e", 5, "cmpxchg8b", 8},
		{"40 88 e0", 3, "mov Eb,Gb", 4},
		{"4840 90", 3, "nop", 4}, // the first REX is dropped... both are REX: the last one counts
		// Found by the silicon length sweep (oracles/x86asm TestSweepSilicon):
		// MOV CR/DR ignore ModRM.mod, so no SIB or displacement follows.
		{"0f2005", 3, "mov Rq,Cq", 4},
		{"0f2304", 3, "mov Dq,Rq", 4},
		{"440f2245", 4, "mov Cq,Rq", 4},
		// Regressions found by the x86asm length sweep (oracles/x86asm).
		{"66c7f8 3412", 5, "xbegin", 2},   // 66 makes XBEGIN rel16
		{"c7f8 78563412", 6, "xbegin", 4}, // rel32 without it
		{"8ce8", 2, "8C /5 mov Ev,Sw", 4}, // mov eax, gs
		{"0f01d5", 3, "xend", 4},
		{"0f01d6", 3, "xtest", 4},
		{"0f0d08", 3, "prefetchw", 4},
		{"0f0d10", 3, "prefetchw", 4}, // every reg field runs as a prefetch on silicon
		{"0fc718", 3, "xrstors", 4},
		{"480fc720", 4, "xsavec", 8},
		{"0fc728", 3, "xsaves", 4},
		{"0f38c8c1", 4, "sha1nexte", 0},
		{"0f3acc c1 01", 5, "sha1rnds4", 0},
		{"660f388200", 5, "invpcid", 0},
		{"660fae38", 4, "clflushopt", 0},
		{"660fae30", 4, "clwb", 0},
		{"f30faee0", 4, "ptwrite", 0},
		{"df c0", 2, "DF /0 reg x87", 4},   // ffreep
		{"d9 d0", 2, "D9 /2.0 reg x87", 4}, // fnop
		{"db 28", 2, "DB /5 mem x87", 4},   // fld m80
		{"de d9", 2, "DE /3.1 reg x87", 4}, // fcompp
	} {
		in, err := Decode(mustHex(t, tc.hex))
		if err != nil {
			t.Errorf("%s: %v", tc.hex, err)
			continue
		}
		if int(in.Len) != tc.len || !strings.Contains(in.Form.Key(), tc.key) || (tc.opSize != 0 && in.OpSize != tc.opSize) {
			t.Errorf("%s: len %d form %q opsize %d; want len %d form ~%q opsize %d",
				tc.hex, in.Len, in.Form.Key(), in.OpSize, tc.len, tc.key, tc.opSize)
		}
	}
}

func TestDecodeOperands(t *testing.T) {
	// mov dil, ah is not encodable; 40 88 e7 is mov dil, spl.
	in, _ := Decode(mustHex(t, "4088e7"))
	if in.Args[0] != (Arg{ArgReg, 1, 7}) || in.Args[1] != (Arg{ArgReg, 1, 4}) {
		t.Errorf("40 88 e7: %+v", in.Args[:2])
	}
	in, _ = Decode(mustHex(t, "88e7"))
	if in.Args[0] != (Arg{ArgReg, 1, RegBH}) || in.Args[1] != (Arg{ArgReg, 1, RegAH}) {
		t.Errorf("88 e7: %+v", in.Args[:2])
	}
	// lea rax, [r12 + r13*4 + 0x10]
	in, _ = Decode(mustHex(t, "4b8d44ac10"))
	if in.Mem.Base != 12 || in.Mem.Index != 13 || in.Mem.Scale != 4 || in.Mem.Disp != 0x10 || in.Mem.Seg != 3 {
		t.Errorf("lea: %+v", in.Mem)
	}
	// [rbp-8] defaults to SS; fs: overrides.
	in, _ = Decode(mustHex(t, "8b45f8"))
	if in.Mem.Base != 5 || in.Mem.Disp != -8 || in.Mem.Seg != 2 {
		t.Errorf("[rbp-8]: %+v", in.Mem)
	}
	in, _ = Decode(mustHex(t, "648b042528000000"))
	if in.Mem.Base != -1 || in.Mem.Index != -1 || in.Mem.Seg != 4 || !in.SegOverride || in.Mem.Disp != 0x28 {
		t.Errorf("fs:[0x28]: %+v", in.Mem)
	}
	// SIB index 100 with REX.X is r12.
	in, _ = Decode(mustHex(t, "428b0420"))
	if in.Mem.Index != 12 || in.Mem.Base != 0 {
		t.Errorf("[rax+r12]: %+v", in.Mem)
	}
	// 83 /0 sign-extends its byte.
	in, _ = Decode(mustHex(t, "4883c0ff"))
	if in.Imm != -1 {
		t.Errorf("add rax, -1: imm %d", in.Imm)
	}
	in, _ = Decode(mustHex(t, "c8 3412 05"))
	if uint16(in.Imm) != 0x1234 || in.Imm2 != 5 {
		t.Errorf("enter: %d %d", in.Imm, in.Imm2)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		hex  string
		want error
	}{
		{"06", ErrUndefined},
		{"0f04", ErrUndefined},
		{"fe38", ErrUndefined},     // FE /7
		{"f0014000", nil},          // lock add [rax+0], eax: legal
		{"f001c0", ErrUndefined},   // lock on a register destination
		{"f08b00", ErrUndefined},   // lock mov
		{"f30f28c1", ErrUndefined}, // F3 selects no movaps form
		{"c5", ErrTruncated},       // truncated VEX
		{"b8 0102", ErrTruncated},  // truncated immediate
		{"0f", ErrTruncated},       // truncated escape
		{"666666666666666666666666666666 90", ErrTooLong},
		{"666666666666666666666666 48 b8 0102030405060708", ErrTooLong},
		{"66c5f877", ErrUndefined}, // VEX after 66
		{"8d c0", ErrUndefined},    // lea with a register operand
		// Regressions found by the x86asm length sweep (oracles/x86asm).
		{"8c f0", ErrUndefined},      // no segment register 6
		{"8e c8", ErrUndefined},      // mov cs, ax
		{"0f0e", ErrUndefined},       // FEMMS: AMD 3DNow!, not Intel
		{"0f0f c0 00", ErrUndefined}, // 3DNow!
		{"660f38c8c1", ErrUndefined}, // SHA is NP
		{"f30fae00", ErrUndefined},   // FXSAVE is NP
		{"660fae10", ErrUndefined},   // LDMXCSR is NP
		{"d9 08", ErrUndefined},      // D9 /1 memory is reserved
		{"d9 d1", ErrUndefined},      // D9 D1-D7 reserved
		{"db 20", ErrUndefined},      // DB /4 memory reserved
		{"dd 28", ErrUndefined},      // DD /5 memory reserved
		{"dc d0", ErrUndefined},      // DC D0-DF reserved
		{"df f8", ErrUndefined},      // DF F8-FF reserved
	} {
		_, err := Decode(mustHex(t, tc.hex))
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("%s: err %v, want %v", tc.hex, err, tc.want)
		}
	}
	// Exactly 15 bytes decodes.
	in, err := Decode(mustHex(t, "6666666666666666666666666666 90"[2:]))
	if err != nil || in.Len != 14 {
		t.Errorf("14-byte nop: %v len %d", err, in.Len)
	}
}

func TestEveryFormHasAKey(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range Forms {
		k := f.Key()
		if seen[k] {
			t.Errorf("duplicate form %s", k)
		}
		seen[k] = true
	}
	if len(Forms) < 500 {
		t.Errorf("only %d forms", len(Forms))
	}
}

// An undefined group member is still sized: 16 bytes is #GP, as on silicon
// (13 REX + FF 78 00 raised SIGSEGV on the host; with 12 REX, SIGILL).
func TestUndefinedMemberIsSized(t *testing.T) {
	long, _ := hex.DecodeString("41414141414141414141414141ff7800")
	if _, err := Decode(long); !errors.Is(err, ErrTooLong) {
		t.Errorf("16-byte FF /7: %v, want ErrTooLong", err)
	}
	if _, err := Decode(long[1:]); !errors.Is(err, ErrUndefined) {
		t.Errorf("15-byte FF /7: %v, want ErrUndefined", err)
	}
}

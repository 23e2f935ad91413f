package check_test

import (
	"testing"
)

// The MMX-register forms: MMX itself and the MMX forms of SSE, SSE2 and
// SSSE3. RandomState draws the x87 state they live in (TOP, tags, the
// registers' exponents, and sometimes a pending x87 exception), so the
// sweeps check the aliasing of MMi with the physical register Ri, the
// transition to MMX state (TOP 0, every tag valid), the all-ones exponent
// an MMX write leaves, and #MF.

// mforms are xforms for MMX forms (no mandatory prefix): mm0,mm1; with a
// REX prefix, which MMX registers ignore, mm0,mm7; [rax]; [rsp+8].
func mforms(op string, imms ...string) []string { return xforms("", op, imms...) }

func TestMMXMoves(t *testing.T) {
	sweep(t, 200, cat(
		mforms("0f6e"), mforms("0f7e"), mforms("480f6e")[:1], mforms("480f7e")[:1],
		[]string{"480f6e00", "480f7e00", "490f6ec7", "4c0f7ec7"},
		mforms("0f6f"), mforms("0f7f"), xmem("", "0fe7"),
		xreg("f3", "0fd6"), xreg("f2", "0fd6"),
		xreg("", "0fd7"), xreg("", "0ff7"), []string{"670ff7c1", "640ff7c1"},
		[]string{"0f77"},
	)...)
}

func TestMMXInsertExtract(t *testing.T) {
	imms := []string{"00", "01", "02", "03", "07", "ff", "a5"}
	sweep(t, 40, cat(mforms("0fc4", imms...), xreg("", "0fc5", imms...))...)
}

func TestMMXArith(t *testing.T) {
	var enc []string
	for _, op := range []string{
		"0f64", "0f65", "0f66", "0f74", "0f75", "0f76",
		"0fd4", "0fd5", "0fd8", "0fd9", "0fda", "0fdb", "0fdc", "0fdd", "0fde", "0fdf",
		"0fe0", "0fe3", "0fe4", "0fe5", "0fe8", "0fe9", "0fea", "0feb", "0fec", "0fed", "0fee", "0fef",
		"0ff4", "0ff5", "0ff6", "0ff8", "0ff9", "0ffa", "0ffb", "0ffc", "0ffd", "0ffe",
		"0f3801", "0f3802", "0f3803", "0f3804", "0f3805", "0f3806", "0f3807",
		"0f3808", "0f3809", "0f380a", "0f380b", "0f381c", "0f381d", "0f381e",
	} {
		enc = append(enc, mforms(op)...)
	}
	sweep(t, 200, enc...)
}

func TestMMXShuffles(t *testing.T) {
	var enc []string
	for _, op := range []string{"0f60", "0f61", "0f62", "0f63", "0f67", "0f68", "0f69", "0f6a", "0f6b", "0f3800"} {
		enc = append(enc, mforms(op)...)
	}
	sweep(t, 200, enc...)
	sweep(t, 30, cat(
		mforms("0f70", "00", "1b", "e4", "ff", "b1"),
		mforms("0f3a0f", "00", "01", "03", "07", "08", "09", "0f", "10", "11", "ff"),
	)...)
}

func TestMMXShifts(t *testing.T) {
	var enc, imm []string
	for _, op := range []string{"0fd1", "0fd2", "0fd3", "0fe1", "0fe2", "0ff1", "0ff2", "0ff3"} {
		enc = append(enc, mforms(op)...)
	}
	for _, op := range []string{"0f71d1", "0f71e1", "0f71f1", "0f72d1", "0f72e1", "0f72f1", "0f73d1", "0f73f1"} {
		enc = append(enc, op+"05", "41"+op+"0b")
		for _, n := range []string{"00", "01", "07", "0f", "10", "1f", "20", "3f", "40", "80", "ff"} {
			imm = append(imm, op+n)
		}
	}
	sweep(t, 200, enc...)
	sweep(t, 40, imm...)
}

func TestMMXConvert(t *testing.T) {
	sweep(t, 200, cat(
		xforms("", "0f2a"), xforms("66", "0f2a"),
		xforms("", "0f2c"), xforms("", "0f2d"), xforms("66", "0f2c"), xforms("66", "0f2d"),
	)...)
}

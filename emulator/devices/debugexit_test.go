package devices

import "testing"

func TestDebugExit(t *testing.T) {
	for _, v := range []uint32{0, 7, 0xffffffff} {
		var d DebugExit
		if d.Exited {
			t.Fatal("exited before any write")
		}
		d.Write(v)
		if !d.Exited || d.Status != v {
			t.Errorf("after Write(%#x): Exited=%v Status=%#x", v, d.Exited, d.Status)
		}
	}
}

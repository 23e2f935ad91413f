package native

import (
	"encoding/binary"
	"fmt"

	"github.com/twinstep/twinstep/arch"
	"github.com/twinstep/twinstep/engine"
)

// The FXSAVE legacy region (SDM Vol. 1 10.5.1, 64-bit format).
const (
	fxFCW   = 0
	fxFSW   = 2
	fxFTW   = 4
	fxFOP   = 6
	fxFIP   = 8
	fxFDP   = 16
	fxMXCSR = 24
	fxST    = 32
	fxXMM   = 160
)

// putFXSave lays out s's x87 and SSE state as FXSAVE stores it.
func putFXSave(b []byte, s *arch.State) {
	clear(b)
	le := binary.LittleEndian
	le.PutUint16(b[fxFCW:], s.X87.FCW)
	le.PutUint16(b[fxFSW:], s.X87.FSW)
	b[fxFTW] = s.X87.FTW
	le.PutUint16(b[fxFOP:], s.X87.FOP)
	le.PutUint64(b[fxFIP:], s.X87.FIP)
	le.PutUint64(b[fxFDP:], s.X87.FDP)
	le.PutUint32(b[fxMXCSR:], s.MXCSR)
	for i := range s.X87.ST {
		copy(b[fxST+16*i:], s.X87.ST[i][:])
	}
	for i, x := range s.XMM {
		le.PutUint64(b[fxXMM+16*i:], x[0])
		le.PutUint64(b[fxXMM+16*i+8:], x[1])
	}
}

// getFXSave reads the x87 and SSE state from an FXSAVE image into s.
func getFXSave(b []byte, s *arch.State) {
	le := binary.LittleEndian
	s.X87.FCW = le.Uint16(b[fxFCW:])
	s.X87.FSW = le.Uint16(b[fxFSW:])
	s.X87.FTW = b[fxFTW]
	s.X87.FOP = le.Uint16(b[fxFOP:])
	s.X87.FIP = le.Uint64(b[fxFIP:])
	s.X87.FDP = le.Uint64(b[fxFDP:])
	s.MXCSR = le.Uint32(b[fxMXCSR:])
	for i := range s.X87.ST {
		copy(s.X87.ST[i][:], b[fxST+16*i:fxST+16*i+10])
	}
	for i := range s.XMM {
		s.XMM[i] = arch.Vec128{le.Uint64(b[fxXMM+16*i:]), le.Uint64(b[fxXMM+16*i+8:])}
	}
}

// Exceptions that push an error code, and the trap-class ones (RIP after
// the instruction, RF clear in the pushed image).
var (
	hasErrorCode = map[uint8]bool{arch.VecDF: true, arch.VecTS: true, arch.VecNP: true, arch.VecSS: true,
		arch.VecGP: true, arch.VecPF: true, arch.VecAC: true}
	trapClass = map[uint8]bool{arch.VecDB: true, arch.VecBP: true, arch.VecOF: true}
)

// upperHalf is where the host kernel lives; Linux reports every user #PF
// there as a protection fault to hide its layout.
const upperHalf = 0xffff_8000_0000_0000

// decodeResult turns one case's output record into an engine.Result, and
// the pages after the run into regions shaped like the case's.
func decodeResult(j job, b []byte) (engine.Result, []engine.Region) {
	le := binary.LittleEndian
	out := b[inSize:]
	pre := j.state
	r := engine.Result{State: *pre}
	post := make([]engine.Region, len(j.mem))
	page := 0
	for k, reg := range j.mem {
		d := make([]byte, len(reg.Data))
		for off := 0; off < len(d); off += 4096 {
			copy(d[off:off+4096], b[inSize+outSize+4096*page:])
			page++
		}
		post[k] = engine.Region{Addr: reg.Addr, Data: d}
	}
	kind := le.Uint32(out[outKind:])
	switch kind {
	case kindBadPage:
		a := le.Uint64(out[outDetail:])
		return *declined(pre, "page %#x cannot be mapped at its address in the helper (below vm.mmap_min_addr, "+
			"or the host's)", a), j.mem
	case kindSyscall:
		return *declined(pre, "the instruction makes a system call (number %d), which the helper traps before it runs",
			le.Uint64(out[outDetail:])), j.mem
	case kindRepLimit:
		return *declined(pre, "a REP string instruction single-stepped past %d iterations", repLimit), j.mem
	case kindCompleted, kindSignal:
	default:
		return engine.Result{Outcome: engine.Failed, State: *pre,
			Detail: fmt.Sprintf("native: the helper wrote no result (kind %d)", kind)}, j.mem
	}
	s := &r.State
	for i := range s.GPR {
		s.GPR[i] = le.Uint64(out[outGPR+8*i:])
	}
	s.RIP = le.Uint64(out[outRIP:])
	s.Seg[arch.FS].Base = le.Uint64(out[outFSBase:])
	s.Seg[arch.GS].Base = le.Uint64(out[outGSBase:])
	getFXSave(out[outXSave:outXSave+512], s)
	// In MODE_STEP TF is ours unless the case set it, and then the step's
	// trap is the case's own #DB (MODE_FAST reports it as a signal); the
	// pushed image of a fault has RF set, the register itself keeps what
	// it had.
	flags := le.Uint64(out[outRFLAGS:]) &^ arch.RF
	if le.Uint32(b[inFlags:])&1 == modeStep {
		if pre.RFLAGS&arch.TF == 0 {
			flags &^= arch.TF
		} else if kind == kindCompleted {
			r.Outcome, r.Vector = engine.Exception, arch.VecDB
		}
	}
	if kind == kindSignal {
		signo := le.Uint32(out[outSigno:])
		vec := uint8(le.Uint32(out[outTrapNo:]))
		r.Outcome, r.Vector = engine.Exception, vec
		switch {
		case signo != 4 && signo != 5 && signo != 7 && signo != 8 && signo != 11:
			return engine.Result{Outcome: engine.Failed, State: *pre,
				Detail: fmt.Sprintf("native: signal %d (trap %d)", signo, vec)}, j.mem
		case hasErrorCode[vec]:
			r.ErrorCode, r.HasErrorCode = uint32(le.Uint64(out[outErr:])), true
		}
		if vec == arch.VecPF {
			s.CR2 = le.Uint64(out[outCR2:])
			if s.CR2 >= upperHalf {
				r.HasErrorCode = false
				r.Detail = "native: the error code of a #PF in the upper half is the host kernel's"
			}
		}
		if !trapClass[vec] {
			flags |= pre.RFLAGS & arch.RF
		}
	}
	s.RFLAGS = flags
	return r, post
}

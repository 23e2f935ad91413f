package native

// The shared memory between the engine and the helper, as helper/layout.h
// defines it (TestLayout checks the running helper agrees).
const (
	layoutVersion = 1

	helperBase = 0x6dc0_0000_0000 // the helper's image
	shmBase    = 0x6dc0_0100_0000 // the shared memory in the helper
	shmSize    = 0x0200_0000
	helperEnd  = shmBase + shmSize

	ctlMagic      = 0x00
	ctlVersion    = 0x04
	ctlReq        = 0x08
	ctlDone       = 0x0c
	ctlNCases     = 0x10
	ctlCurrent    = 0x14
	ctlXSaveSize  = 0x18
	ctlMXCSRMask  = 0x1c
	ctlXCR0       = 0x20
	ctlHWCap2     = 0x28
	ctlYMMOffset  = 0x30
	ctlCPUID      = 0x40
	ctlCases      = 0x100
	ctlMagicValue = 0x4e545754
	maxBatch      = 960

	inSize   = 0x1000
	outSize  = 0x4000
	maxPages = 64

	inFlags    = 0x00
	inNPages   = 0x04
	inSteps    = 0x08
	inPatch    = 0x10
	inRepLimit = 0x18
	inGPR      = 0x20
	inRIP      = 0xa0
	inRFLAGS   = 0xa8
	inFSBase   = 0xb0
	inGSBase   = 0xb8
	inFXSave   = 0x100
	inYMMH     = 0x300
	inPages    = 0x400

	modeStep = 0
	modeFast = 1
	flagRep  = 2
	flagYMM  = 4
	flagSegs = 8

	outKind     = 0x00
	outSigno    = 0x04
	outSiCode   = 0x08
	outTrapNo   = 0x0c
	outErr      = 0x10
	outCR2      = 0x18
	outSteps    = 0x20
	outDetail   = 0x28
	outGPR      = 0x30
	outRIP      = 0xb0
	outRFLAGS   = 0xb8
	outFSBase   = 0xc0
	outGSBase   = 0xc8
	outTicks    = 0xd0
	outAttempts = 0xd8
	outXSave    = 0x100

	kindCompleted = 1
	kindSignal    = 2
	kindSyscall   = 3
	kindBadPage   = 4
	kindRepLimit  = 5
)

// patchLen bounds the jump MODE_FAST writes after the instruction:
// jmp *disp(%rip), padding, and the 8-byte-aligned target.
const patchLen = 21

package unicorn

// The raw side of the Unicorn oracle: one C call writes or reads the whole
// compared register set (uc_reg_write_batch), and the exception and
// unmapped-memory hooks run in C, so a case costs a handful of cgo calls and
// no Go callbacks.

/*
#cgo LDFLAGS: -lunicorn
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <unicorn/unicorn.h>

typedef struct {
	uint64_t gpr[16];
	uint64_t rip, rflags, fs_base, gs_base;
	uint64_t mxcsr;
	uint64_t xmm[32];
	uint64_t fpcw, fpsw, fptag; // fptag: the full two-bit-per-register tag word
	uint64_t fp[16];            // R0-R7 (physical, the MMX registers): 10 bytes each in 16
} ts_regs;

typedef struct {
	int      intno;      // -1: no interrupt
	int      unmapped;   // 0 none, else the uc_mem_type
	uint64_t address;    // unmapped address
} ts_event;

#define TS_NREGS (16 + 5 + 16 + 3 + 8)

static const int ts_gpr_ids[16] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};

static void ts_layout(ts_regs *r, int *ids, void **vals) {
	int n = 0;
	for (int i = 0; i < 16; i++) { ids[n] = ts_gpr_ids[i]; vals[n++] = &r->gpr[i]; }
	ids[n] = UC_X86_REG_RIP;     vals[n++] = &r->rip;
	ids[n] = UC_X86_REG_RFLAGS;  vals[n++] = &r->rflags;
	ids[n] = UC_X86_REG_FS_BASE; vals[n++] = &r->fs_base;
	ids[n] = UC_X86_REG_GS_BASE; vals[n++] = &r->gs_base;
	ids[n] = UC_X86_REG_MXCSR;   vals[n++] = &r->mxcsr;
	for (int i = 0; i < 16; i++) { ids[n] = UC_X86_REG_XMM0 + i; vals[n++] = &r->xmm[2*i]; }
	ids[n] = UC_X86_REG_FPCW;    vals[n++] = &r->fpcw;
	ids[n] = UC_X86_REG_FPSW;    vals[n++] = &r->fpsw;
	ids[n] = UC_X86_REG_FPTAG;   vals[n++] = &r->fptag;
	for (int i = 0; i < 8; i++) { ids[n] = UC_X86_REG_FP0 + i; vals[n++] = &r->fp[2*i]; }
}

static uc_err ts_write_regs(uc_engine *uc, ts_regs *r) {
	int ids[TS_NREGS]; void *vals[TS_NREGS];
	ts_layout(r, ids, vals);
	return uc_reg_write_batch(uc, ids, vals, TS_NREGS);
}

static uc_err ts_read_regs(uc_engine *uc, ts_regs *r) {
	int ids[TS_NREGS]; void *vals[TS_NREGS];
	memset(r, 0, sizeof *r);
	ts_layout(r, ids, vals);
	return uc_reg_read_batch(uc, ids, vals, TS_NREGS);
}

// ts_exec is one instruction of a session in one cgo call: write the
// registers (unless in is NULL), run count instructions from begin, read the
// registers back. The run's error is returned; a failed register read is
// reported in *read_err.
static uc_err ts_exec(uc_engine *uc, ts_regs *in, uint64_t begin, uint64_t until, size_t count, ts_regs *out, uc_err *read_err) {
	if (in) {
		uc_err err = ts_write_regs(uc, in);
		if (err) { *read_err = err; return UC_ERR_OK; }
	}
	uc_err run = uc_emu_start(uc, begin, until, 0, count);
	*read_err = ts_read_regs(uc, out);
	return run;
}

static void ts_on_intr(uc_engine *uc, uint32_t intno, void *user) {
	ts_event *ev = user;
	if (ev->intno < 0) ev->intno = (int)intno;
	uc_emu_stop(uc);
}

static bool ts_on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
	ts_event *ev = user;
	if (!ev->unmapped) { ev->unmapped = (int)type; ev->address = address; }
	return false;
}

static uc_err ts_add_hooks(uc_engine *uc, ts_event *ev) {
	uc_hook h1, h2;
	uc_err err = uc_hook_add(uc, &h1, UC_HOOK_INTR, (void *)ts_on_intr, ev, 1, 0);
	if (err) return err;
	return uc_hook_add(uc, &h2, UC_HOOK_MEM_UNMAPPED, (void *)ts_on_unmapped, ev, 1, 0);
}

// The session's access log: reads and writes kept apart, each merged into
// runs while contiguous, so a REP MOVSB over a page is one run of each.
#define TS_MAXRUNS 8192
#define TS_MAXDATA (256 * 1024)

typedef struct {
	uint64_t addr;
	uint32_t off, len;
	uint32_t insn; // which instruction of a batched run made it
} ts_run;

typedef struct {
	int      n, overflow;
	uint32_t used;
	ts_run   runs[TS_MAXRUNS];
	uint8_t  data[TS_MAXDATA];
} ts_log;

// A batched run: the code hook counts the instructions started and, at the
// start of each after the first, keeps the registers the one before left.
#define TS_MAXBATCH 64

typedef struct {
	int      active;
	uint32_t n;                    // instructions started in this run
	ts_regs  snap[TS_MAXBATCH];    // snap[i]: the registers after instruction i
} ts_batch;

typedef struct {
	ts_log   reads, writes;
	ts_batch batch;
} ts_accesses;

static uint32_t ts_insn(ts_accesses *a) { return a->batch.active && a->batch.n ? a->batch.n - 1 : 0; }

static void ts_log_add(ts_log *l, uint32_t insn, uint64_t addr, const uint8_t *b, int size) {
	if (l->overflow) return;
	if (l->used + size > TS_MAXDATA) { l->overflow = 1; return; }
	ts_run *last = l->n ? &l->runs[l->n - 1] : NULL;
	if (!last || last->addr + last->len != addr || last->off + last->len != l->used || last->insn != insn) {
		if (l->n == TS_MAXRUNS) { l->overflow = 1; return; }
		last = &l->runs[l->n++];
		last->addr = addr; last->off = l->used; last->len = 0; last->insn = insn;
	}
	memcpy(l->data + l->used, b, size);
	l->used += size; last->len += size;
}

static void ts_on_access(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
	ts_accesses *a = user;
	uint8_t b[16];
	if (size > 16) size = 16;
	if (type == UC_MEM_WRITE) {
		memcpy(b, &value, size > 8 ? 8 : size);
		ts_log_add(&a->writes, ts_insn(a), address, b, size);
	} else if (uc_mem_read(uc, address, b, size) == UC_ERR_OK) {
		ts_log_add(&a->reads, ts_insn(a), address, b, size);
	}
}

static void ts_on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
	ts_batch *b = &((ts_accesses *)user)->batch;
	if (!b->active) return;
	if (b->n > 0 && b->n <= TS_MAXBATCH) ts_read_regs(uc, &b->snap[b->n - 1]);
	b->n++;
}

static uc_err ts_add_access_hooks(uc_engine *uc, ts_accesses *a) {
	uc_hook h, hc;
	uc_err err = uc_hook_add(uc, &h, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)ts_on_access, a, 1, 0);
	if (err) return err;
	return uc_hook_add(uc, &hc, UC_HOOK_CODE, (void *)ts_on_code, a, 1, 0);
}

static void ts_reset_accesses(ts_accesses *a, int batch) {
	a->reads.n = a->reads.overflow = 0; a->reads.used = 0;
	a->writes.n = a->writes.overflow = 0; a->writes.used = 0;
	a->batch.active = batch; a->batch.n = 0;
}

*/
import "C"

import (
	"bytes"
	"unsafe"

	uc "github.com/unicorn-engine/unicorn/bindings/go/unicorn"
)

// regs mirrors ts_regs.
type regs struct {
	GPR                         [16]uint64
	RIP, RFLAGS, FSBase, GSBase uint64
	MXCSR                       uint64
	XMM                         [32]uint64
	FPCW, FPSW, FPTag           uint64
	FP                          [16]uint64
}

// event mirrors ts_event; it lives in C memory because the hooks write it.
type event = C.ts_event

func handle(u uc.Unicorn) *C.uc_engine { return (*C.uc_engine)(unsafe.Pointer(u.Handle())) }

func errOf(e C.uc_err) error {
	if e == C.UC_ERR_OK {
		return nil
	}
	return uc.UcError(e)
}

func writeRegs(u uc.Unicorn, r *regs) error {
	return errOf(C.ts_write_regs(handle(u), (*C.ts_regs)(unsafe.Pointer(r))))
}

func readRegs(u uc.Unicorn, r *regs) error {
	return errOf(C.ts_read_regs(handle(u), (*C.ts_regs)(unsafe.Pointer(r))))
}

func newEvent() *event {
	ev := (*event)(C.calloc(1, C.sizeof_ts_event))
	ev.intno = -1
	return ev
}

func freeEvent(ev *event) { C.free(unsafe.Pointer(ev)) }

func resetEvent(ev *event) { ev.intno, ev.unmapped, ev.address = -1, 0, 0 }

func addHooks(u uc.Unicorn, ev *event) error { return errOf(C.ts_add_hooks(handle(u), ev)) }

func interrupt(ev *event) (int, bool) { return int(ev.intno), ev.intno >= 0 }

func unmappedAccess(ev *event) (typ int, addr uint64, ok bool) {
	return int(ev.unmapped), uint64(ev.address), ev.unmapped != 0
}

// accesses mirrors ts_accesses; it lives in C memory because the hooks
// write it.
type accesses = C.ts_accesses

func newAccesses() *accesses { return (*accesses)(C.calloc(1, C.sizeof_ts_accesses)) }

func freeAccesses(a *accesses) { C.free(unsafe.Pointer(a)) }

// resetAccesses empties the log before a run; batch makes the code hook
// count instructions and keep their registers.
func resetAccesses(a *accesses, batch bool) {
	b := C.int(0)
	if batch {
		b = 1
	}
	C.ts_reset_accesses(a, b)
}

// maxBatch is how many instructions a batched run may hold.
const maxBatch = C.TS_MAXBATCH

// batchStarted is how many instructions the last batched run started.
func batchStarted(a *accesses) int { return int(a.batch.n) }

// batchRegs copies the registers instruction i of the last batched run left
// (i below batchStarted()-1) into r.
func batchRegs(a *accesses, i int, r *regs) {
	*r = *(*regs)(unsafe.Pointer(&a.batch.snap[i]))
}

func addAccessHooks(u uc.Unicorn, a *accesses) error {
	return errOf(C.ts_add_access_hooks(handle(u), a))
}

// accessRuns calls f for each run of the log, in order; it reports false if
// the log overflowed (the instruction touched more than it can hold).
func accessRuns(a *accesses, writes bool, f func(insn int, addr uint64, b []byte)) bool {
	l := &a.reads
	if writes {
		l = &a.writes
	}
	// The log is C memory the hooks have finished with: Go reads it in
	// place (a cgo call per run would also have cgo check the whole
	// buffer on each call).
	data := unsafe.Slice((*byte)(unsafe.Pointer(&l.data)), len(l.data))
	for i := range int(l.n) {
		r := &l.runs[i]
		f(int(r.insn), uint64(r.addr), bytes.Clone(data[r.off:r.off+r.len]))
	}
	return l.overflow == 0
}

// execRegs runs count instructions from begin with the registers in (nil:
// as Unicorn holds them) and reads them back into out: the run's error,
// and the register access's.
func execRegs(u uc.Unicorn, in *regs, begin, count uint64, out *regs) (run, regsErr error) {
	var readErr C.uc_err
	e := C.ts_exec(handle(u), (*C.ts_regs)(unsafe.Pointer(in)), C.uint64_t(begin), C.uint64_t(never), C.size_t(count),
		(*C.ts_regs)(unsafe.Pointer(out)), &readErr)
	return errOf(e), errOf(readErr)
}

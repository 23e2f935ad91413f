/*
 * The shared memory between the Go engine (oracles/native/layout.go mirrors
 * every number here; TestLayout checks them against the running helper) and
 * the helper process.
 *
 * The helper's whole address space is the window [HELPER_BASE, HELPER_END):
 * its image, stacks and the shared memory. Everything else in the lower
 * canonical half is free for the cases' pages.
 */
#ifndef NATIVE_LAYOUT_H
#define NATIVE_LAYOUT_H

#define LAYOUT_VERSION 1

#define HELPER_BASE 0x6dc000000000ull /* the image is linked here */
#define SHM_BASE    0x6dc001000000ull /* the shared memory (fd 3) */
#define SHM_SIZE    0x02000000ull     /* 32 MiB */
#define HELPER_END  (SHM_BASE + SHM_SIZE)

/* The control page at SHM_BASE. The futex words are req and done. */
#define CTL_MAGIC      0x00 /* u32: CTL_MAGIC_VALUE once the helper is ready */
#define CTL_VERSION    0x04 /* u32: LAYOUT_VERSION */
#define CTL_REQ        0x08 /* u32: the Go side increments it to start a batch */
#define CTL_DONE       0x0c /* u32: the helper sets it to REQ when the batch is done */
#define CTL_NCASES     0x10 /* u32: cases in the batch */
#define CTL_CURRENT    0x14 /* u32: the case the helper is running (crash attribution) */
#define CTL_XSAVE_SIZE 0x18 /* u32: the host's XSAVE area size for XCR0 (0: FXSAVE only) */
#define CTL_MXCSR_MASK 0x1c /* u32: the host's MXCSR_MASK */
#define CTL_XCR0       0x20 /* u64 */
#define CTL_HWCAP2     0x28 /* u64: AT_HWCAP2 (bit 1: FSGSBASE usable) */
#define CTL_YMM_OFFSET 0x30 /* u32: offset of the AVX (YMM upper halves) component, 0 if none */
#define CTL_CPUID      0x40 /* u32[4][4]: EAX-EDX of leaves 0, 1, 7.0, 0x80000001 */
#define CTL_CASES      0x100 /* u32[MAX_BATCH]: each case's offset from SHM_BASE */
#define CTL_MAGIC_VALUE 0x4e545754u /* "TWTN" */
#define MAX_BATCH      960

/*
 * A case record, page-aligned in the shared memory:
 *   [0, IN_SIZE)          the input (struct case_in)
 *   [IN_SIZE, +OUT_SIZE)  the output (struct case_out), its XSAVE image at OUT_XSAVE
 *   then npages pages:    the case's memory before the run; the helper
 *                         replaces it with the memory after the run
 */
#define IN_SIZE   0x1000
#define OUT_SIZE  0x4000
#define MAX_PAGES 64

/* case_in offsets */
#define IN_FLAGS     0x00  /* u32: MODE_* | FLAG_* */
#define IN_NPAGES    0x04  /* u32 */
#define IN_STEPS     0x08  /* u64: instructions to run (single-step mode) */
#define IN_PATCH     0x10  /* u64: MODE_FAST: the address after the instruction */
#define IN_REPLIMIT  0x18  /* u64: FLAG_REP: most iterations to single-step */
#define IN_GPR       0x20  /* u64[16], RAX..R15 */
#define IN_RIP       0xa0
#define IN_RFLAGS    0xa8
#define IN_FSBASE    0xb0
#define IN_GSBASE    0xb8
#define IN_FXSAVE    0x100 /* 512 bytes: the legacy region (x87, MXCSR, XMM) */
#define IN_YMMH      0x300 /* 256 bytes: YMM0-15 bits 255:128 (FLAG_YMM) */
#define IN_PAGES     0x400 /* u64[MAX_PAGES]: the pages' addresses */

#define MODE_STEP 0 /* single-step with TF: every control transfer is seen */
#define MODE_FAST 1 /* no TF: the instruction falls through to a jump back at IN_PATCH */
#define PATCH_MAX 21 /* the jump's bytes at most (write_patch) */
#define FLAG_REP  2 /* single-step a REP string instruction until it leaves RIP */
#define FLAG_YMM  4 /* load the YMM upper halves (else they start zeroed) */
#define FLAG_SEGS 8 /* the instruction may load a segment register or base:
                     * read the bases back and null the selectors after */

/* case_out offsets */
#define OUT_KIND    0x00 /* u32: KIND_* */
#define OUT_SIGNO   0x04 /* u32 */
#define OUT_SICODE  0x08 /* u32 */
#define OUT_TRAPNO  0x0c /* u32 */
#define OUT_ERR     0x10 /* u64 */
#define OUT_CR2     0x18 /* u64 */
#define OUT_STEPS   0x20 /* u64: instructions (or REP iterations) completed */
#define OUT_DETAIL  0x28 /* u64: KIND_BADPAGE: the page; KIND_SYSCALL: the number */
#define OUT_GPR     0x30 /* u64[16] */
#define OUT_RIP     0xb0
#define OUT_RFLAGS  0xb8
#define OUT_FSBASE  0xc0
#define OUT_GSBASE  0xc8
#define OUT_TICKS   0xd0 /* u64: MODE_FAST: TSC ticks from entry to return */
#define OUT_ATTEMPTS 0xd8 /* u32: runs it took to get one the host left alone */
#define OUT_XSAVE   0x100 /* the XSAVE (or FXSAVE) image after the run */

#define KIND_COMPLETED 1 /* the instructions ran (MODE_FAST: reached IN_PATCH) */
#define KIND_SIGNAL    2 /* a hardware exception: TRAPNO, ERR, CR2 */
#define KIND_SYSCALL   3 /* a system call, trapped by seccomp before it ran */
#define KIND_BADPAGE   4 /* a page could not be mapped at its address */
#define KIND_REPLIMIT  5 /* FLAG_REP: more iterations than IN_REPLIMIT */

#endif

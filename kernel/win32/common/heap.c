#if defined(_WIN64) || defined(W32_HOST_TEST)
/*
 * Boundary-tag allocator: segments of at least 1 MiB from the OS, split
 * into blocks with a 32-byte header (physical previous size, size|flags,
 * requested size, magic). Free blocks sit in 48 size-class lists (by
 * log2) and are coalesced with both neighbours on free. Requests above
 * 256 KiB get their own OS allocation. Payloads are 16-byte aligned.
 * Not thread-safe: twinstep's Windows programs are single-threaded.
 */
#include "heap.h"

#define HDR      32
#define USED     1ull
#define BIG      2ull
#define FLAGS    15ull
#define SEG_MIN  (1ull << 20)
#define BIG_MIN  (256ull << 10)
#define NBINS    48
#define MAGIC_USED 0x5553454450414548ull /* "HEAPDESU" */
#define MAGIC_FREE 0x45455246504145ull

struct blk {
	uint64_t prev_size; /* size of the physically previous block, 0 for the first */
	uint64_t size;      /* block size including the header, | flags */
	uint64_t req;       /* requested size (used blocks) */
	uint64_t magic;
	/* free blocks: the list links follow */
	struct blk *next, *prev;
};

struct seg {
	struct seg *next;
	uint64_t size;
	uint64_t pad[2];
};

struct heap {
	uint64_t magic;
	struct seg *segs;
	struct blk *bins[NBINS];
};

#define BSIZE(b) ((b)->size & ~FLAGS)
#define NEXTB(b) ((struct blk *)((char *)(b) + BSIZE(b)))

static void *mset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }
static void mcpy(void *d, const void *s, size_t n) { unsigned char *a = d; const unsigned char *b = s; while (n--) *a++ = *b++; }

static int bin_of(uint64_t size)
{
	int b = 0;
	while (size > 64 && b < NBINS - 1) { size >>= 1; b++; }
	return b;
}

static void unlink_free(struct heap *h, struct blk *b)
{
	if (b->prev) b->prev->next = b->next;
	else h->bins[bin_of(BSIZE(b))] = b->next;
	if (b->next) b->next->prev = b->prev;
}

static void link_free(struct heap *h, struct blk *b)
{
	int i = bin_of(BSIZE(b));
	b->magic = MAGIC_FREE;
	b->prev = 0;
	b->next = h->bins[i];
	if (b->next) b->next->prev = b;
	h->bins[i] = b;
}

static int add_segment(struct heap *h, uint64_t need)
{
	uint64_t size = SEG_MIN;
	while (size < need + sizeof(struct seg) + 2 * HDR) size <<= 1;
	struct seg *s = heap_os_alloc(size);
	if (!s) return 0;
	s->size = size;
	s->next = h->segs;
	h->segs = s;
	struct blk *b = (struct blk *)(s + 1);
	uint64_t bs = size - sizeof(struct seg) - HDR; /* room for the sentinel */
	b->prev_size = 0;
	b->size = bs;
	struct blk *end = NEXTB(b);
	end->prev_size = bs;
	end->size = USED; /* size 0, used: stops coalescing */
	end->magic = MAGIC_USED;
	link_free(h, b);
	return 1;
}

struct heap *heap_create(void)
{
	struct heap *h = heap_os_alloc(4096);
	if (!h) return 0;
	h->magic = MAGIC_USED;
	return h;
}

void heap_destroy(struct heap *h)
{
	struct seg *s = h->segs;
	while (s) { struct seg *n = s->next; heap_os_free(s, s->size); s = n; }
	heap_os_free(h, 4096);
}

static uint64_t need_of(size_t req)
{
	uint64_t n = ((uint64_t)req + HDR + 15) & ~15ull;
	return n < 48 ? 48 : n;
}

/* Splits b (used, size >= need) leaving a free remainder when large enough. */
static void split(struct heap *h, struct blk *b, uint64_t need)
{
	uint64_t bs = BSIZE(b);
	if (bs - need < 64) return;
	b->size = need | (b->size & FLAGS);
	struct blk *r = NEXTB(b);
	r->prev_size = need;
	r->size = bs - need;
	struct blk *after = NEXTB(r);
	after->prev_size = bs - need;
	/* the remainder may touch a free block: merge */
	if (!(after->size & USED)) {
		unlink_free(h, after);
		r->size += BSIZE(after);
		NEXTB(r)->prev_size = BSIZE(r);
	}
	link_free(h, r);
}

void *heap_alloc(struct heap *h, size_t req, int zero)
{
	if (req >= (1ull << 46)) return 0;
	uint64_t need = need_of(req);
	if (need > BIG_MIN) {
		uint64_t size = (need + 4095) & ~4095ull;
		struct blk *b = heap_os_alloc(size);
		if (!b) return 0;
		b->prev_size = 0;
		b->size = size | USED | BIG;
		b->req = req;
		b->magic = MAGIC_USED;
		return (char *)b + HDR; /* OS memory is zeroed */
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = bin_of(need); i < NBINS; i++) {
			for (struct blk *b = h->bins[i]; b; b = b->next) {
				if (BSIZE(b) < need) continue;
				unlink_free(h, b);
				b->size |= USED;
				b->magic = MAGIC_USED;
				split(h, b, need);
				b->req = req;
				void *p = (char *)b + HDR;
				if (zero) mset(p, 0, req);
				return p;
			}
		}
		if (pass == 0 && !add_segment(h, need)) return 0;
	}
	return 0;
}

static struct blk *valid(struct heap *h, void *p)
{
	if (!h || h->magic != MAGIC_USED || !p || ((uintptr_t)p & 15)) return 0;
	struct blk *b = (struct blk *)((char *)p - HDR);
	if (b->magic != MAGIC_USED || !(b->size & USED)) return 0;
	return b;
}

int heap_free(struct heap *h, void *p)
{
	struct blk *b = valid(h, p);
	if (!b) return 0;
	if (b->size & BIG) { heap_os_free(b, BSIZE(b)); return 1; }
	b->size &= ~USED;
	struct blk *n = NEXTB(b);
	if (!(n->size & USED)) {
		unlink_free(h, n);
		n->magic = 0;
		b->size += BSIZE(n);
	}
	if (b->prev_size) {
		struct blk *pb = (struct blk *)((char *)b - b->prev_size);
		if (!(pb->size & USED)) {
			unlink_free(h, pb);
			pb->size += BSIZE(b);
			b->magic = 0;
			b = pb;
		}
	}
	NEXTB(b)->prev_size = BSIZE(b);
	link_free(h, b);
	return 1;
}

size_t heap_size(struct heap *h, void *p)
{
	struct blk *b = valid(h, p);
	return b ? b->req : (size_t)-1;
}

void *heap_realloc(struct heap *h, void *p, size_t req, int zero, int inplace)
{
	struct blk *b = valid(h, p);
	if (!b || req >= (1ull << 46)) return 0;
	uint64_t need = need_of(req);
	size_t old = b->req;
	if (!(b->size & BIG)) {
		if (need <= BSIZE(b)) { /* shrink or grow within the block */
			split(h, b, need);
			b->req = req;
			if (zero && req > old) mset((char *)p + old, 0, req - old);
			return p;
		}
		struct blk *n = NEXTB(b);
		if (!(n->size & USED) && BSIZE(b) + BSIZE(n) >= need) { /* absorb the free neighbour */
			unlink_free(h, n);
			n->magic = 0;
			b->size += BSIZE(n);
			NEXTB(b)->prev_size = BSIZE(b);
			split(h, b, need);
			b->req = req;
			if (zero) mset((char *)p + old, 0, req - old);
			return p;
		}
	} else if (need <= BSIZE(b)) {
		b->req = req;
		if (zero && req > old) mset((char *)p + old, 0, req - old);
		return p;
	}
	if (inplace) return 0;
	void *q = heap_alloc(h, req, 0);
	if (!q) return 0;
	mcpy(q, p, old < req ? old : req);
	if (zero && req > old) mset((char *)q + old, 0, req - old);
	heap_free(h, p);
	return q;
}

int heap_check(struct heap *h)
{
	for (struct seg *s = h->segs; s; s = s->next) {
		struct blk *b = (struct blk *)(s + 1);
		uint64_t prev = 0;
		int prev_free = 0;
		for (;;) {
			if (b->prev_size != prev) return 0;
			if (BSIZE(b) == 0) break; /* sentinel */
			int fr = !(b->size & USED);
			if (fr && prev_free) return 0; /* missed coalescing */
			if (b->magic != (fr ? MAGIC_FREE : MAGIC_USED)) return 0;
			if (fr) { /* must be in its bin */
				struct blk *x = h->bins[bin_of(BSIZE(b))];
				while (x && x != b) x = x->next;
				if (!x) return 0;
			}
			prev = BSIZE(b);
			prev_free = fr;
			b = NEXTB(b);
			if ((char *)b > (char *)s + s->size) return 0;
		}
	}
	return 1;
}
#endif

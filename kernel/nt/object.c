/*
 * The object manager: reference counts, per-process handle tables, and the
 * wake-up side of waits. One CPU with preemption: short critical sections
 * run with interrupts off instead of taking locks.
 */
#include "nt/object.h"
#include "arch/cpu.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "nt/process.h"
#include "nt/syscall.h"
#include "sched/thread.h"

struct nt_handle_table {
	struct nt_object **slots;
	uint32_t cap;
};

/* Handles are 4 * (index + 1); this many slots at most per process. */
#define MAX_HANDLES 4096

void nt_object_init(struct nt_object *o, const struct nt_object_type *type)
{
	o->type = type;
	o->refs = 1;
}

void nt_object_ref(struct nt_object *o) { __atomic_fetch_add(&o->refs, 1, __ATOMIC_SEQ_CST); }

void nt_object_unref(struct nt_object *o)
{
	if (__atomic_sub_fetch(&o->refs, 1, __ATOMIC_SEQ_CST) == 0 && o->type->destroy)
		o->type->destroy(o);
}

/*
 * Waiters register here while they sleep (nt_wait_object in nt/wait.c);
 * a signal makes every thread waiting on that object runnable. The list is
 * only touched with interrupts off.
 */
struct nt_waiter {
	struct nt_waiter *next;
	struct nt_object *o;
	struct thread *t;
};
struct nt_waiter *nt_waiters;

void nt_object_signal(struct nt_object *o)
{
	uint64_t flags = irq_save();
	for (struct nt_waiter *w = nt_waiters; w; w = w->next)
		if (w->o == o && w->t->state == T_SLEEPING)
			w->t->state = T_RUNNABLE;
	irq_restore(flags);
}

struct nt_handle_table *nt_handles_new(void) { return kzalloc(sizeof(struct nt_handle_table)); }

void nt_handles_free(struct nt_handle_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->cap; i++) {
		uint64_t flags = irq_save();
		struct nt_object *o = t->slots[i];
		t->slots[i] = NULL;
		irq_restore(flags);
		if (o)
			nt_object_unref(o);
	}
	kfree(t->slots);
	kfree(t);
}

static struct nt_handle_table *current_table(void)
{
	struct nt_process *p = nt_current_process();
	return p ? p->handles : NULL;
}

nt_status nt_handle_insert_into(struct nt_handle_table *t, struct nt_object *o, nt_handle *out)
{
	if (!t)
		return NT_STATUS_INVALID_HANDLE;
	nt_object_ref(o);
	for (;;) {
		uint64_t flags = irq_save();
		for (uint32_t i = 0; i < t->cap; i++) {
			if (!t->slots[i]) {
				t->slots[i] = o;
				irq_restore(flags);
				*out = 4 * ((nt_handle)i + 1);
				return NT_STATUS_SUCCESS;
			}
		}
		uint32_t cap = t->cap;
		irq_restore(flags);
		/* Full: grow (kmalloc may not run with interrupts off), then retry. */
		uint32_t ncap = cap ? cap * 2 : 16;
		if (ncap > MAX_HANDLES) {
			nt_object_unref(o);
			return NT_STATUS_NO_MEMORY; /* Windows: STATUS_INSUFFICIENT_RESOURCES */
		}
		struct nt_object **slots = kzalloc(ncap * sizeof *slots);
		if (!slots) {
			nt_object_unref(o);
			return NT_STATUS_NO_MEMORY;
		}
		flags = irq_save();
		struct nt_object **old = NULL;
		if (t->cap == cap) {
			if (cap)
				memcpy(slots, t->slots, cap * sizeof *slots);
			old = t->slots;
			t->slots = slots;
			t->cap = ncap;
			slots = NULL;
		}
		irq_restore(flags);
		kfree(old);
		kfree(slots);
	}
}

nt_status nt_handle_insert(struct nt_object *o, nt_handle *out)
{
	return nt_handle_insert_into(current_table(), o, out);
}

/* Looks h up in table t (no pseudo-handles) and takes a reference. */
nt_status nt_handle_lookup_in(struct nt_handle_table *t, nt_handle h, const struct nt_object_type *type,
			      struct nt_object **out)
{
	if (!t || !h || (h & 3) || h / 4 > t->cap)
		return NT_STATUS_INVALID_HANDLE;
	uint64_t flags = irq_save();
	struct nt_object *o = h / 4 - 1 < t->cap ? t->slots[h / 4 - 1] : NULL;
	if (o)
		nt_object_ref(o);
	irq_restore(flags);
	if (!o)
		return NT_STATUS_INVALID_HANDLE;
	if (type && o->type != type) {
		nt_object_unref(o);
		return NT_STATUS_OBJECT_TYPE_MISMATCH;
	}
	*out = o;
	return NT_STATUS_SUCCESS;
}

nt_status nt_handle_get(nt_handle h, const struct nt_object_type *type, struct nt_object **out)
{
	struct nt_object *o = NULL;
	if (h == NT_CURRENT_PROCESS && nt_current_process())
		o = &nt_current_process()->obj;
	else if (h == NT_CURRENT_THREAD && nt_current_thread())
		o = &nt_current_thread()->obj;
	if (!o)
		return nt_handle_lookup_in(current_table(), h, type, out);
	if (type && o->type != type)
		return NT_STATUS_OBJECT_TYPE_MISMATCH;
	nt_object_ref(o);
	*out = o;
	return NT_STATUS_SUCCESS;
}

/* Removes h from t; its reference goes with it. */
static nt_status close_in(struct nt_handle_table *t, nt_handle h)
{
	if (!t || !h || (h & 3) || h / 4 > t->cap)
		return NT_STATUS_INVALID_HANDLE;
	uint64_t flags = irq_save();
	struct nt_object *o = NULL;
	if (h / 4 - 1 < t->cap) {
		o = t->slots[h / 4 - 1];
		t->slots[h / 4 - 1] = NULL;
	}
	irq_restore(flags);
	if (!o)
		return NT_STATUS_INVALID_HANDLE;
	nt_object_unref(o);
	return NT_STATUS_SUCCESS;
}

nt_status nt_handle_close(nt_handle h)
{
	if (h == NT_CURRENT_PROCESS || h == NT_CURRENT_THREAD)
		return NT_STATUS_SUCCESS; /* CloseHandle(GetCurrentProcess()) succeeds */
	return close_in(current_table(), h);
}

nt_status nt_close(const struct nt_call *c) { return nt_handle_close(c->arg[0]); }

#define DUPLICATE_CLOSE_SOURCE 1

/* (src process, src handle, dst process, out handle*, access, attributes, options) */
nt_status nt_duplicate_object(const struct nt_call *c)
{
	struct nt_object *sp, *dp, *o;
	nt_handle h = 0;
	if (c->arg[3] && !nt_copy_out(c->arg[3], &h, sizeof h))
		return NT_STATUS_ACCESS_VIOLATION; /* probed before the source is closed */
	nt_status s = nt_handle_get(c->arg[0], &nt_process_type, &sp);
	if (s)
		return s;
	struct nt_process *src = (struct nt_process *)sp;
	if (src == nt_current_process())
		s = nt_handle_get(c->arg[1], NULL, &o);
	else
		s = nt_handle_lookup_in(src->handles, c->arg[1], NULL, &o);
	if (s) {
		nt_object_unref(sp);
		return s;
	}
	if (c->arg[6] & DUPLICATE_CLOSE_SOURCE)
		close_in(src->handles, c->arg[1]);
	nt_object_unref(sp);
	if (!c->arg[2] && (c->arg[6] & DUPLICATE_CLOSE_SOURCE)) {
		nt_object_unref(o); /* only closing */
		return NT_STATUS_SUCCESS;
	}
	s = nt_handle_get(c->arg[2], &nt_process_type, &dp);
	if (s) {
		nt_object_unref(o);
		return s;
	}
	s = nt_handle_insert_into(((struct nt_process *)dp)->handles, o, &h);
	if (!s && c->arg[3] && !nt_copy_out(c->arg[3], &h, sizeof h)) {
		close_in(((struct nt_process *)dp)->handles, h);
		s = NT_STATUS_ACCESS_VIOLATION;
	}
	nt_object_unref(dp);
	nt_object_unref(o);
	return s;
}

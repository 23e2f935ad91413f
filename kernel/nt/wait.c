/*
 * Waits, events, time and the debug print. Time is deterministic: a fixed
 * boot time plus the timer ticks, counted as milliseconds (the timer runs
 * at roughly 1 kHz and nothing may depend on its exact rate).
 */
#include "arch/cpu.h"
#include "dev/apic.h"
#include "lib/kprintf.h"
#include "mm/heap.h"
#include "nt/process.h"
#include "nt/syscall.h"
#include "sched/thread.h"

struct nt_waiter {
	struct nt_waiter *next;
	struct nt_object *o;
	struct thread *t;
};
extern struct nt_waiter *nt_waiters; /* nt/object.c */

struct nt_event {
	struct nt_object obj;
	bool sync; /* synchronization (auto-reset) rather than notification */
	bool set;
};

static void event_destroy(struct nt_object *o) { kfree(o); }
static int event_signalled(struct nt_object *o) { return ((struct nt_event *)o)->set; }

const struct nt_object_type nt_event_type = {.name = "Event", .destroy = event_destroy, .signalled = event_signalled};

/* A satisfied wait consumes a synchronization event. Interrupts are off. */
static void consume(struct nt_object *o)
{
	if (o->type == &nt_event_type && ((struct nt_event *)o)->sync)
		((struct nt_event *)o)->set = false;
}

nt_status nt_wait_object(struct nt_object *o, uint64_t timeout_ticks)
{
	if (!o->type->signalled)
		return NT_STATUS_OBJECT_TYPE_MISMATCH;
	uint64_t deadline = timeout_ticks == ~0ull ? ~0ull : timer_ticks + timeout_ticks;
	struct nt_waiter w = {.o = o, .t = thread_current()};
	struct nt_thread *me = nt_current_thread();
	nt_status s;
	/* Check and sleep with interrupts off: a signal cannot slip in between. */
	uint64_t flags = irq_save();
	w.next = nt_waiters;
	nt_waiters = &w;
	for (;;) {
		if (o->type->signalled(o)) {
			consume(o);
			s = NT_STATUS_SUCCESS;
			break;
		}
		if (timer_ticks >= deadline) {
			s = NT_STATUS_TIMEOUT;
			break;
		}
		if (me && me->kill) {
			s = NT_STATUS_UNSUCCESSFUL; /* the caller ends at the system-call exit */
			break;
		}
		thread_sleep(deadline == ~0ull ? ~0ull >> 1 : deadline - timer_ticks);
	}
	for (struct nt_waiter **pp = &nt_waiters; *pp; pp = &(*pp)->next)
		if (*pp == &w) {
			*pp = w.next;
			break;
		}
	irq_restore(flags);
	return s;
}

/* A timeout in 100 ns units (negative: relative; positive: absolute system
 * time) as kernel ticks, rounded up. */
static uint64_t timeout_ticks(int64_t t)
{
	if (t > 0) {
		int64_t now = NT_BOOT_TIME + (int64_t)timer_ticks * (10000000 / NT_TICKS_PER_SECOND);
		t = now - t; /* negative while in the future */
		if (t >= 0)
			return 0;
	}
	uint64_t units = -(uint64_t)t;
	return (units + 9999) / 10000;
}

/* (handle, alertable, timeout*) */
nt_status nt_wait_for_single_object(const struct nt_call *c)
{
	uint64_t ticks = ~0ull;
	if (c->arg[2]) {
		int64_t t;
		if (!nt_copy_in(&t, c->arg[2], 8))
			return NT_STATUS_ACCESS_VIOLATION;
		ticks = timeout_ticks(t);
	}
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[0], NULL, &o);
	if (s)
		return s;
	s = nt_wait_object(o, ticks);
	nt_object_unref(o);
	return s;
}

/* (out handle*, access, oa*, type (0 notification, 1 sync), initial) */
nt_status nt_create_event(const struct nt_call *c)
{
	if (c->arg[3] > 1)
		return NT_STATUS_INVALID_PARAMETER;
	nt_handle h = 0;
	if (!nt_copy_out(c->arg[0], &h, 8))
		return NT_STATUS_ACCESS_VIOLATION; /* probed before anything exists */
	struct nt_event *e = kzalloc(sizeof *e);
	if (!e)
		return NT_STATUS_NO_MEMORY;
	nt_object_init(&e->obj, &nt_event_type);
	e->sync = c->arg[3] == 1;
	e->set = (c->arg[4] & 0xff) != 0;
	nt_status s = nt_handle_insert(&e->obj, &h);
	if (!s && !nt_copy_out(c->arg[0], &h, 8)) {
		nt_handle_close(h);
		s = NT_STATUS_ACCESS_VIOLATION;
	}
	nt_object_unref(&e->obj);
	return s;
}

/* (handle, previous*) */
nt_status nt_set_event(const struct nt_call *c)
{
	struct nt_object *o;
	nt_status s = nt_handle_get(c->arg[0], &nt_event_type, &o);
	if (s)
		return s;
	struct nt_event *e = (struct nt_event *)o;
	uint64_t flags = irq_save();
	int32_t prev = e->set;
	e->set = true;
	irq_restore(flags);
	nt_object_signal(o);
	nt_object_unref(o);
	if (c->arg[1] && !nt_copy_out(c->arg[1], &prev, 4))
		return NT_STATUS_ACCESS_VIOLATION;
	return NT_STATUS_SUCCESS;
}

/* (time*) */
nt_status nt_query_system_time(const struct nt_call *c)
{
	int64_t t = NT_BOOT_TIME + (int64_t)timer_ticks * (10000000 / NT_TICKS_PER_SECOND);
	return nt_copy_out(c->arg[0], &t, 8) ? NT_STATUS_SUCCESS : NT_STATUS_ACCESS_VIOLATION;
}

/* (alertable, interval*) */
nt_status nt_delay_execution(const struct nt_call *c)
{
	int64_t t;
	if (!nt_copy_in(&t, c->arg[1], 8))
		return NT_STATUS_ACCESS_VIOLATION;
	uint64_t ticks = timeout_ticks(t);
	if (!ticks)
		thread_yield();
	else
		thread_sleep(ticks);
	return NT_STATUS_SUCCESS;
}

/* (counter*, frequency*) */
nt_status nt_query_performance_counter(const struct nt_call *c)
{
	int64_t count = (int64_t)timer_ticks, freq = NT_TICKS_PER_SECOND;
	if (!nt_copy_out(c->arg[0], &count, 8) || (c->arg[1] && !nt_copy_out(c->arg[1], &freq, 8)))
		return NT_STATUS_ACCESS_VIOLATION;
	return NT_STATUS_SUCCESS;
}

/* (char *text, length) */
nt_status nt_debug_print(const struct nt_call *c)
{
	uint64_t len = c->arg[1];
	if (len > (1u << 20))
		return NT_STATUS_INVALID_PARAMETER;
	char chunk[129];
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < 128 ? len - done : 128;
		if (!nt_copy_in(chunk, c->arg[0] + done, n))
			return NT_STATUS_ACCESS_VIOLATION;
		chunk[n] = 0;
		kprintf("%s", chunk);
		done += n;
	}
	return NT_STATUS_SUCCESS;
}

#include "nt/object.h"
#include "mm/heap.h"
#include "nt/process.h"
#include "test/selftest.h"

static int destroyed;
static void destroy(struct nt_object *o)
{
	destroyed++;
	kfree(o);
}
static const struct nt_object_type test_type = {.name = "Test", .destroy = destroy};

/* Handles are 4 * (index + 1), reused after close; references keep objects alive. */
const char *test_nt_handles(void)
{
	struct nt_handle_table *t = nt_handles_new();
	struct nt_object *a = kzalloc(sizeof *a), *b = kzalloc(sizeof *b), *got;
	nt_object_init(a, &test_type);
	nt_object_init(b, &test_type);
	destroyed = 0;
	nt_handle ha, hb, hc;
	if (nt_handle_insert_into(t, a, &ha) || nt_handle_insert_into(t, b, &hb) || ha != 4 || hb != 8)
		return fail("handles %lx %lx, want 4 and 8", ha, hb);
	/* 40 more: the table grows. */
	for (int i = 0; i < 40; i++)
		if (nt_handle_insert_into(t, a, &hc) || hc != 12 + 4 * (nt_handle)i)
			return fail("handle %d is %lx", i, hc);
	if (nt_handle_lookup_in(t, hb, &test_type, &got) || got != b)
		return fail("lookup of %lx failed", hb);
	nt_object_unref(got);
	if (nt_handle_lookup_in(t, hb, &nt_event_type, &got) != NT_STATUS_OBJECT_TYPE_MISMATCH)
		return fail("type mismatch not reported");
	if (nt_handle_lookup_in(t, 6, NULL, &got) != NT_STATUS_INVALID_HANDLE ||
	    nt_handle_lookup_in(t, 4000, NULL, &got) != NT_STATUS_INVALID_HANDLE ||
	    nt_handle_lookup_in(t, 0, NULL, &got) != NT_STATUS_INVALID_HANDLE)
		return fail("bad handles accepted");
	nt_object_unref(a);
	nt_object_unref(b);
	if (destroyed)
		return fail("object destroyed while handles refer to it");
	nt_handles_free(t);
	if (destroyed != 2)
		return fail("%d objects destroyed after closing every handle, want 2", destroyed);
	/* Pseudo-handles need an NT process: none here. */
	if (nt_handle_get(NT_CURRENT_PROCESS, NULL, &got) != NT_STATUS_INVALID_HANDLE)
		return fail("pseudo-handle resolved outside an NT process");
	return NULL;
}

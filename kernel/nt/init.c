/*
 * The first NT process (kernel command line `init=C:\...\cmd.exe`): the
 * console as its standard handles, C:\ as its directory, a small default
 * environment; its exit status ends the run through the debug-exit port.
 */
#include "dev/console.h"
#include "lib/kprintf.h"
#include "lib/string.h"
#include "nt/process.h"

/* Sorted as Windows keeps it (case-insensitively). */
static const char *const default_env[] = {
	"COMSPEC=C:\\Windows\\System32\\cmd.exe",
	"PATH=C:\\Windows\\System32;C:\\Windows",
	"PROMPT=$P$G",
	"SystemRoot=C:\\Windows",
};

void nt_run_init(const char *path)
{
	static uint16_t image[512], env[512];
	size_t n = 0;
	/* A DOS path gets the \??\ prefix of an NT path. */
	if (path[0] && path[1] == ':')
		n = nt_ascii_to_w(image, 5, "\\??\\");
	n += nt_ascii_to_w(image + n, 512 - n, path);
	size_t e = 0;
	for (unsigned i = 0; i < sizeof default_env / sizeof default_env[0]; i++)
		e += nt_ascii_to_w(env + e, 512 - e, default_env[i]) + 1;
	env[e++] = 0;
	console_init(); /* after the self-tests, which read the keyboard themselves */
	struct nt_object *con = console_object();
	struct nt_spawn s = {
		.image = image, .image_len = n,
		.env = env, .env_bytes = e * 2,
		.std = {con, con, con},
	};
	struct nt_process *p;
	nt_status st = nt_process_spawn(&s, &p, NULL);
	uint32_t status = (uint32_t)st;
	if (!st) {
		nt_wait_object(&p->obj, ~0ull);
		status = (uint32_t)p->exit_status;
		nt_object_unref(&p->obj);
		nt_reap();
	}
	kprintf("nt: init exited with status %u\n", status);
	machine_exit(status & 0xff);
}

#if defined(_WIN64)
/* FormatMessageW: FROM_STRING and FROM_SYSTEM (a small table), inserts %1..%99
 * with optional !printf-format!, %0 %n %% %. %! escapes, ALLOCATE_BUFFER,
 * ARGUMENT_ARRAY, IGNORE_INSERTS, and MAX_WIDTH_MASK (0xff: no line breaks). */
#include "k32.h"
#include "fmt.h"

#define FORMAT_MESSAGE_ALLOCATE_BUFFER 0x0100
#define FORMAT_MESSAGE_IGNORE_INSERTS  0x0200
#define FORMAT_MESSAGE_FROM_STRING     0x0400
#define FORMAT_MESSAGE_FROM_HMODULE    0x0800
#define FORMAT_MESSAGE_FROM_SYSTEM     0x1000
#define FORMAT_MESSAGE_ARGUMENT_ARRAY  0x2000
#define FORMAT_MESSAGE_MAX_WIDTH_MASK  0x00ff

static const struct { DWORD id; const WCHAR *text; } sysmsgs[] = {
	{ 0, u"The operation completed successfully.\r\n" },
	{ 1, u"Incorrect function.\r\n" },
	{ 2, u"The system cannot find the file specified.\r\n" },
	{ 3, u"The system cannot find the path specified.\r\n" },
	{ 5, u"Access is denied.\r\n" },
	{ 6, u"The handle is invalid.\r\n" },
	{ 8, u"Not enough memory resources are available to process this command.\r\n" },
	{ 14, u"Not enough memory resources are available to complete this operation.\r\n" },
	{ 15, u"The system cannot find the drive specified.\r\n" },
	{ 16, u"The directory cannot be removed.\r\n" },
	{ 18, u"There are no more files.\r\n" },
	{ 24, u"The program issued a command but the command length is incorrect.\r\n" },
	{ 31, u"A device attached to the system is not functioning.\r\n" },
	{ 32, u"The process cannot access the file because it is being used by another process.\r\n" },
	{ 38, u"Reached the end of the file.\r\n" },
	{ 50, u"The request is not supported.\r\n" },
	{ 80, u"The file exists.\r\n" },
	{ 87, u"The parameter is incorrect.\r\n" },
	{ 120, u"This function is not supported on this system.\r\n" },
	{ 122, u"The data area passed to a system call is too small.\r\n" },
	{ 123, u"The filename, directory name, or volume label syntax is incorrect.\r\n" },
	{ 126, u"The specified module could not be found.\r\n" },
	{ 127, u"The specified procedure could not be found.\r\n" },
	{ 145, u"The directory is not empty.\r\n" },
	{ 183, u"Cannot create a file when that file already exists.\r\n" },
	{ 193, u"%1 is not a valid Win32 application.\r\n" },
	{ 203, u"The system could not find the environment option that was entered.\r\n" },
	{ 206, u"The filename or extension is too long.\r\n" },
	{ 258, u"The wait operation timed out.\r\n" },
	{ 259, u"No more data is available.\r\n" },
	{ 267, u"The directory name is invalid.\r\n" },
	{ 317, u"The system cannot find message text for message number 0x%1 in the message file for %2.\r\n" },
	{ 998, u"Invalid access to memory location.\r\n" },
	{ 1814, u"The specified resource name cannot be found in the image file.\r\n" },
};

struct mout { WCHAR *buf; size_t cap, n; };
static void mput(struct mout *o, WCHAR c)
{
	if (o->n + 1 >= o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 256;
		WCHAR *nb = k32_realloc(o->buf, nc * 2);
		if (!nb) return;
		o->buf = nb;
		o->cap = nc;
	}
	o->buf[o->n++] = c;
}

DWORD WINAPI FormatMessageW(DWORD flags, const void *source, DWORD id, DWORD lang, WCHAR *buffer, DWORD size, va_list *args)
{
	const WCHAR *text = 0;
	(void)lang;
	if (flags & FORMAT_MESSAGE_FROM_STRING) text = source;
	else if (flags & FORMAT_MESSAGE_FROM_SYSTEM) {
		for (unsigned i = 0; i < sizeof sysmsgs / sizeof sysmsgs[0]; i++)
			if (sysmsgs[i].id == id) { text = sysmsgs[i].text; break; }
		if (!text) { set_last_error(ERROR_MR_MID_NOT_FOUND); return 0; }
	} else { /* FROM_HMODULE: message tables are not supported */
		set_last_error(ERROR_RESOURCE_TYPE_NOT_FOUND);
		return 0;
	}
	if (!text) { set_last_error(ERROR_INVALID_PARAMETER); return 0; }
	/* inserts: argument n (1-based) is the nth 8-byte slot, both for a
	 * va_list (Windows x64 va_list is a plain pointer) and for an array */
	const uint64_t *slots = 0;
	if (!(flags & FORMAT_MESSAGE_IGNORE_INSERTS) && args) {
		if (flags & FORMAT_MESSAGE_ARGUMENT_ARRAY) slots = (const uint64_t *)args;
		else slots = (const uint64_t *)*args;
	}
	DWORD width = flags & FORMAT_MESSAGE_MAX_WIDTH_MASK;
	struct mout o = { 0, 0, 0 };
	for (const WCHAR *p = text; *p;) {
		if (*p == '\r' && p[1] == '\n' && width) { p += 2; mput(&o, width == 0xff ? ' ' : '\r'); if (width != 0xff) mput(&o, '\n'); continue; }
		if (*p != '%') { mput(&o, *p++); continue; }
		p++;
		if (*p == '0') break;
		if (*p >= '1' && *p <= '9') {
			unsigned n = (unsigned)(*p++ - '0');
			if (*p >= '0' && *p <= '9') n = n * 10 + (unsigned)(*p++ - '0');
			WCHAR spec[32] = u"%s";
			if (*p == '!') {
				const WCHAR *e = p + 1;
				while (*e && *e != '!') e++;
				size_t sl = (size_t)(e - p - 1);
				if (*e == '!' && sl < 29) {
					spec[0] = '%';
					memcpy(spec + 1, p + 1, sl * 2);
					spec[sl + 1] = 0;
					p = e + 1;
				}
			}
			if (flags & FORMAT_MESSAGE_IGNORE_INSERTS || !slots) {
				/* kept literally */
				mput(&o, '%');
				if (n >= 10) mput(&o, (WCHAR)('0' + n / 10));
				mput(&o, (WCHAR)('0' + n % 10));
				continue;
			}
			WCHAR tmp[512];
			struct fmt_out fo = { 1, tmp, 511, 0 };
			/* build a va_list over the argument's slot: Windows x64 va_list = char * */
			va_list one = (va_list)(uintptr_t)&slots[n - 1];
			fmt_format(&fo, spec, FMT_WIDE_FORMAT | FMT_LEGACY_WIDE, &one);
			size_t k = fo.n < 511 ? fo.n : 511;
			for (size_t i = 0; i < k; i++) mput(&o, tmp[i]);
			continue;
		}
		if (*p == 'n') { mput(&o, '\r'); mput(&o, '\n'); p++; continue; }
		if (*p == 'r') { mput(&o, '\r'); p++; continue; }
		if (*p == 't') { mput(&o, '\t'); p++; continue; }
		if (*p) mput(&o, *p++); /* %% %. %! %space and others: the character */
	}
	mput(&o, 0);
	if (!o.buf) { set_last_error(ERROR_NOT_ENOUGH_MEMORY); return 0; }
	DWORD len = (DWORD)(o.n - 1);
	if (flags & FORMAT_MESSAGE_ALLOCATE_BUFFER) {
		/* LocalAlloc'd: our LocalAlloc is the process heap */
		*(WCHAR **)buffer = o.buf;
		return len;
	}
	if (len + 1 > size) { k32_free(o.buf); set_last_error(ERROR_INSUFFICIENT_BUFFER); return 0; }
	memcpy(buffer, o.buf, (len + 1) * 2);
	k32_free(o.buf);
	return len;
}
#endif

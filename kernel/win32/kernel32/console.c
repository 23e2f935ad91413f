#if defined(_WIN64)
/* The console: std handles from the process parameters, UTF-16 <-> UTF-8
 * conversion over NtReadFile/NtWriteFile, modes through the kernel's
 * line discipline, and ANSI escapes for cls and cursor placement. */
#include "k32.h"
#include "fmt.h"

typedef struct { int16_t X, Y; } COORD;
typedef struct { int16_t Left, Top, Right, Bottom; } SMALL_RECT;
typedef struct { COORD dwSize, dwCursorPosition; WORD wAttributes; SMALL_RECT srWindow; COORD dwMaximumWindowSize; } CONSOLE_SCREEN_BUFFER_INFO;

#define CON_COLS 80
#define CON_ROWS 25

static uint64_t std_off(DWORD which)
{
	if (which == (DWORD)-10) return NT_PP_STD_INPUT;
	if (which == (DWORD)-11) return NT_PP_STD_OUTPUT;
	if (which == (DWORD)-12) return NT_PP_STD_ERROR;
	return 0;
}

HANDLE WINAPI GetStdHandle(DWORD which)
{
	uint64_t off = std_off(which);
	if (!off) { set_last_error(ERROR_INVALID_HANDLE); return INVALID_HANDLE_VALUE; }
	return *(HANDLE *)(nt_params() + off);
}

BOOL WINAPI SetStdHandle(DWORD which, HANDLE h)
{
	uint64_t off = std_off(which);
	if (!off) return fail(ERROR_INVALID_HANDLE);
	*(HANDLE *)(nt_params() + off) = h;
	return TRUE;
}

BOOL k32_is_console(HANDLE h)
{
	ULONG mode;
	return NtGetConsoleMode(h, &mode) == 0;
}

BOOL WINAPI GetConsoleMode(HANDLE h, DWORD *mode)
{
	ULONG m = 0;
	NTSTATUS st = NtGetConsoleMode(h, &m);
	if (st) return fail_status(st);
	*mode = m;
	return TRUE;
}

BOOL WINAPI SetConsoleMode(HANDLE h, DWORD mode)
{
	NTSTATUS st = NtSetConsoleMode(h, mode);
	return st ? fail_status(st) : TRUE;
}

/* The kernel ends a process without handlers on Ctrl+C; ours are not
 * called (the kernel only counts them), so a process with any survives.
 * A NULL handler (ignore Ctrl+C) counts the same. */
BOOL WINAPI SetConsoleCtrlHandler(void *handler, BOOL add)
{
	(void)handler;
	NTSTATUS st = NtSetConsoleCtrlHandler(add ? 1 : 0);
	return st ? fail_status(st) : TRUE;
}

/* Our console speaks UTF-8 on both sides. */
UINT WINAPI GetConsoleCP(void) { return 65001; }
UINT WINAPI GetConsoleOutputCP(void) { return 65001; }

static BOOL write_bytes(HANDLE h, const char *b, size_t n)
{
	while (n) {
		IO_STATUS_BLOCK iosb = { 0, 0 };
		ULONG chunk = n > 65536 ? 65536 : (ULONG)n;
		NTSTATUS st = NtWriteFile(h, 0, 0, 0, &iosb, b, chunk, 0, 0);
		if (st < 0) return fail_status(st);
		if (!iosb.information) break;
		b += iosb.information;
		n -= iosb.information;
	}
	return TRUE;
}

BOOL WINAPI WriteConsoleW(HANDLE h, const WCHAR *buf, DWORD n, DWORD *written, void *reserved)
{
	char tmp[1024];
	(void)reserved;
	if (written) *written = 0;
	/* only consoles: callers (cmd) fall back to WriteFile on files and pipes */
	if (!k32_is_console(h)) return fail(ERROR_INVALID_HANDLE);
	DWORD done = 0;
	while (done < n) {
		/* at most 256 UTF-16 units (<= 768 bytes) per piece; keep surrogate pairs together */
		DWORD k = n - done > 256 ? 256 : n - done;
		if (k < n - done && buf[done + k - 1] >= 0xd800 && buf[done + k - 1] < 0xdc00) k--;
		size_t bytes = fmt_utf16_to_utf8(buf + done, k, tmp, sizeof tmp);
		if (!write_bytes(h, tmp, bytes)) return FALSE;
		done += k;
		if (written) *written = done;
	}
	return TRUE;
}

/* Input: the kernel returns UTF-8 bytes, one line at a time in line mode.
 * Wide characters that did not fit the caller's buffer wait here. */
#define RAW_MAX 4096
static WCHAR pend[2 * RAW_MAX + 8];
static DWORD pend_n, pend_off;
static char partial[4];
static DWORD partial_n;

BOOL WINAPI ReadConsoleW(HANDLE h, WCHAR *buf, DWORD n, DWORD *got, void *control)
{
	(void)control;
	if (got) *got = 0;
	/* only consoles: cmd reads batch files and redirected input with
	 * ReadFile after ReadConsoleW fails, one line at a time */
	if (!k32_is_console(h)) return fail(ERROR_INVALID_HANDLE);
	if (!n) return TRUE;
	if (pend_off >= pend_n) {
		char raw[RAW_MAX + 4];
		IO_STATUS_BLOCK iosb = { 0, 0 };
		memcpy(raw, partial, partial_n);
		NTSTATUS st = NtReadFile(h, 0, 0, 0, &iosb, raw + partial_n, RAW_MAX, 0, 0);
		if (st == NT_STATUS_END_OF_FILE) return TRUE;
		if (st < 0) return fail_status(st);
		size_t len = partial_n + (size_t)iosb.information;
		partial_n = 0;
		/* keep an incomplete UTF-8 sequence at the end for the next read */
		size_t cut = len;
		for (size_t back = 1; back <= 3 && back <= len; back++) {
			unsigned char c = (unsigned char)raw[len - back];
			if ((c & 0xc0) == 0x80) continue;
			size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
			if (need > back) cut = len - back;
			break;
		}
		partial_n = (DWORD)(len - cut);
		memcpy(partial, raw + cut, partial_n);
		/* "\n" becomes "\r\n" as on Windows (ReadConsole returns the CR too) */
		pend_n = 0;
		pend_off = 0;
		size_t s = 0;
		for (size_t i = 0; i <= cut; i++) {
			if (i == cut || raw[i] == '\n') {
				pend_n += (DWORD)fmt_utf8_to_utf16(raw + s, i - s, pend + pend_n, 2 * RAW_MAX - pend_n);
				if (i < cut) {
					if (!(pend_n && pend[pend_n - 1] == '\r')) pend[pend_n++] = '\r';
					pend[pend_n++] = '\n';
				}
				s = i + 1;
			}
		}
	}
	DWORD k = pend_n - pend_off;
	if (k > n) k = n;
	memcpy(buf, pend + pend_off, k * 2);
	pend_off += k;
	if (got) *got = k;
	return TRUE;
}

BOOL WINAPI GetConsoleScreenBufferInfo(HANDLE h, CONSOLE_SCREEN_BUFFER_INFO *info)
{
	if (!k32_is_console(h)) return fail(ERROR_INVALID_HANDLE);
	info->dwSize.X = CON_COLS; info->dwSize.Y = CON_ROWS;
	info->dwCursorPosition.X = 0; info->dwCursorPosition.Y = 0;
	info->wAttributes = 7;
	info->srWindow.Left = 0; info->srWindow.Top = 0;
	info->srWindow.Right = CON_COLS - 1; info->srWindow.Bottom = CON_ROWS - 1;
	info->dwMaximumWindowSize.X = CON_COLS; info->dwMaximumWindowSize.Y = CON_ROWS;
	return TRUE;
}

static void put_num(char *b, size_t *n, unsigned v)
{
	char t[8];
	int k = 0;
	do { t[k++] = (char)('0' + v % 10); v /= 10; } while (v);
	while (k) b[(*n)++] = t[--k];
}

BOOL WINAPI SetConsoleCursorPosition(HANDLE h, COORD pos)
{
	char b[32];
	size_t n = 0;
	if (pos.X < 0 || pos.Y < 0) return fail(ERROR_INVALID_PARAMETER);
	b[n++] = 0x1b; b[n++] = '[';
	if (pos.X || pos.Y) { put_num(b, &n, (unsigned)pos.Y + 1); b[n++] = ';'; put_num(b, &n, (unsigned)pos.X + 1); }
	b[n++] = 'H';
	return write_bytes(h, b, n);
}

BOOL WINAPI FillConsoleOutputCharacterW(HANDLE h, WCHAR c, DWORD len, COORD pos, DWORD *written)
{
	if (written) *written = 0;
	if (!k32_is_console(h)) return fail(ERROR_INVALID_HANDLE);
	if (pos.X == 0 && pos.Y == 0 && len >= CON_COLS * CON_ROWS && c == ' ') {
		/* the whole screen: cls */
		if (!write_bytes(h, "\x1b[2J", 4)) return FALSE;
	} else {
		char b[64];
		size_t n = 0;
		b[n++] = 0x1b; b[n++] = '7'; /* save the cursor */
		b[n++] = 0x1b; b[n++] = '[';
		put_num(b, &n, (unsigned)pos.Y + 1); b[n++] = ';'; put_num(b, &n, (unsigned)pos.X + 1); b[n++] = 'H';
		if (!write_bytes(h, b, n)) return FALSE;
		char u[4];
		size_t ul = fmt_utf16_to_utf8(&c, 1, u, sizeof u);
		for (DWORD i = 0; i < len && i < CON_COLS * CON_ROWS; i++)
			if (!write_bytes(h, u, ul)) return FALSE;
		if (!write_bytes(h, "\x1b" "8", 2)) return FALSE; /* restore */
	}
	if (written) *written = len;
	return TRUE;
}

BOOL WINAPI FillConsoleOutputAttribute(HANDLE h, WORD attr, DWORD len, COORD pos, DWORD *written)
{
	(void)attr; (void)pos;
	if (written) *written = 0;
	if (!k32_is_console(h)) return fail(ERROR_INVALID_HANDLE);
	if (written) *written = len; /* colours are not kept: a plain terminal */
	return TRUE;
}

BOOL WINAPI SetConsoleTextAttribute(HANDLE h, WORD attr) { (void)h; (void)attr; return TRUE; }
BOOL WINAPI SetConsoleTitleW(const WCHAR *title) { (void)title; return TRUE; }
#endif

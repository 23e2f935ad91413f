#if defined(_WIN64)
/* files.exe: creates, writes, reads back and deletes a file; prints OK. */
#include "prog.h"

int wmain(int argc, WCHAR **argv)
{
	(void)argc; (void)argv;
	static const WCHAR name[] = u"files-test.txt";
	static const char text[] = "twinstep files test\r\nline two\r\n";
	DWORD n = 0;
	HANDLE h = CreateFileW(name, 0xc0000000u, 0, 0, 2 /* CREATE_ALWAYS */, 0x80, 0);
	if (h == INVALID_HANDLE_VALUE) { out("FAIL create: error %lu\r\n", GetLastError()); return 1; }
	if (!WriteFile(h, text, sizeof text - 1, &n, 0) || n != sizeof text - 1) { out("FAIL write: error %lu\r\n", GetLastError()); return 1; }
	CloseHandle(h);
	h = CreateFileW(name, 0x80000000u, 1, 0, 3 /* OPEN_EXISTING */, 0x80, 0);
	if (h == INVALID_HANDLE_VALUE) { out("FAIL open: error %lu\r\n", GetLastError()); return 1; }
	char buf[128];
	if (!ReadFile(h, buf, sizeof buf, &n, 0)) { out("FAIL read: error %lu\r\n", GetLastError()); return 1; }
	CloseHandle(h);
	if (n != sizeof text - 1 || memcmp(buf, text, n)) { out("FAIL read back %lu bytes\r\n", n); return 1; }
	/* the same through stdio */
	FILE *f = _wfopen(name, u"r");
	WCHAR line[64];
	if (!f || !fgetws(line, 64, f) || line[0] != 't' || line[19] != '\n') { out("FAIL fgetws\r\n"); return 1; }
	fclose(f);
	if (!DeleteFileW(name)) { out("FAIL delete: error %lu\r\n", GetLastError()); return 1; }
	if (GetFileAttributesW(name) != 0xffffffffu || GetLastError() != ERROR_FILE_NOT_FOUND) {
		out("FAIL still there after delete (error %lu)\r\n", GetLastError());
		return 1;
	}
	out("OK\r\n");
	return 0;
}
#endif

/* What ntdll exports to the other DLLs (ntdll/ntdll.def lists them all). */
#ifndef W32_NTAPI_H
#define W32_NTAPI_H
#include "w32.h"
#include "nt/abi.h"

typedef struct nt_unicode_string UNICODE_STRING;
typedef struct nt_object_attributes OBJECT_ATTRIBUTES;
typedef struct nt_io_status_block IO_STATUS_BLOCK;

/* The system-call stubs (ntdll/syscalls.c), one per enum nt_syscall. */
#define W32_SYSCALLS(X) \
	X(NtClose, 0, NT_SYS_CLOSE, (HANDLE h)) \
	X(NtCreateFile, 1, NT_SYS_CREATE_FILE, (HANDLE *h, DWORD access, OBJECT_ATTRIBUTES *oa, IO_STATUS_BLOCK *iosb, LARGE_INTEGER *alloc, ULONG attributes, ULONG share, ULONG disposition, ULONG options, void *ea, ULONG ea_length)) \
	X(NtReadFile, 2, NT_SYS_READ_FILE, (HANDLE h, HANDLE event, void *apc, void *apc_ctx, IO_STATUS_BLOCK *iosb, void *buf, ULONG length, LARGE_INTEGER *offset, ULONG *key)) \
	X(NtWriteFile, 3, NT_SYS_WRITE_FILE, (HANDLE h, HANDLE event, void *apc, void *apc_ctx, IO_STATUS_BLOCK *iosb, const void *buf, ULONG length, LARGE_INTEGER *offset, ULONG *key)) \
	X(NtQueryInformationFile, 4, NT_SYS_QUERY_INFORMATION_FILE, (HANDLE h, IO_STATUS_BLOCK *iosb, void *buf, ULONG length, ULONG cls)) \
	X(NtSetInformationFile, 5, NT_SYS_SET_INFORMATION_FILE, (HANDLE h, IO_STATUS_BLOCK *iosb, void *buf, ULONG length, ULONG cls)) \
	X(NtQueryDirectoryFile, 6, NT_SYS_QUERY_DIRECTORY_FILE, (HANDLE h, HANDLE event, void *apc, void *apc_ctx, IO_STATUS_BLOCK *iosb, void *buf, ULONG length, ULONG cls, BOOLEAN single, UNICODE_STRING *pattern, BOOLEAN restart)) \
	X(NtQueryAttributesFile, 7, NT_SYS_QUERY_ATTRIBUTES_FILE, (OBJECT_ATTRIBUTES *oa, struct nt_file_network_open_information *info)) \
	X(NtQueryVolumeInformationFile, 8, NT_SYS_QUERY_VOLUME_INFORMATION_FILE, (HANDLE h, IO_STATUS_BLOCK *iosb, void *buf, ULONG length, ULONG cls)) \
	X(NtAllocateVirtualMemory, 9, NT_SYS_ALLOCATE_VIRTUAL_MEMORY, (HANDLE process, void **base, ULONG_PTR zero_bits, SIZE_T *size, ULONG type, ULONG protect)) \
	X(NtFreeVirtualMemory, 10, NT_SYS_FREE_VIRTUAL_MEMORY, (HANDLE process, void **base, SIZE_T *size, ULONG type)) \
	X(NtProtectVirtualMemory, 11, NT_SYS_PROTECT_VIRTUAL_MEMORY, (HANDLE process, void **base, SIZE_T *size, ULONG prot, ULONG *old)) \
	X(NtCreateProcess, 12, NT_SYS_CREATE_PROCESS, (HANDLE *process, HANDLE *thread, struct nt_process_create *pc)) \
	X(NtTerminateProcess, 13, NT_SYS_TERMINATE_PROCESS, (HANDLE process, NTSTATUS status)) \
	X(NtWaitForSingleObject, 14, NT_SYS_WAIT_FOR_SINGLE_OBJECT, (HANDLE h, BOOLEAN alertable, LARGE_INTEGER *timeout)) \
	X(NtQueryInformationProcess, 15, NT_SYS_QUERY_INFORMATION_PROCESS, (HANDLE process, ULONG cls, void *buf, ULONG length, ULONG *ret_length)) \
	X(NtCreateEvent, 16, NT_SYS_CREATE_EVENT, (HANDLE *h, DWORD access, OBJECT_ATTRIBUTES *oa, ULONG type, BOOLEAN initial)) \
	X(NtSetEvent, 17, NT_SYS_SET_EVENT, (HANDLE h, LONG *previous)) \
	X(NtDuplicateObject, 18, NT_SYS_DUPLICATE_OBJECT, (HANDLE src_process, HANDLE src, HANDLE dst_process, HANDLE *dst, DWORD access, ULONG attributes, ULONG options)) \
	X(NtQuerySystemTime, 19, NT_SYS_QUERY_SYSTEM_TIME, (LARGE_INTEGER *time)) \
	X(NtDelayExecution, 20, NT_SYS_DELAY_EXECUTION, (BOOLEAN alertable, LARGE_INTEGER *interval)) \
	X(NtQueryPerformanceCounter, 21, NT_SYS_QUERY_PERFORMANCE_COUNTER, (LARGE_INTEGER *counter, LARGE_INTEGER *frequency)) \
	X(NtSetConsoleMode, 22, NT_SYS_SET_CONSOLE_MODE, (HANDLE h, ULONG mode)) \
	X(NtGetConsoleMode, 23, NT_SYS_GET_CONSOLE_MODE, (HANDLE h, ULONG *mode)) \
	X(NtDebugPrint, 24, NT_SYS_DEBUG_PRINT, (const char *text, ULONG length)) \
	X(NtCreateThread, 25, NT_SYS_CREATE_THREAD, (HANDLE *thread, HANDLE process, void *start, void *param, SIZE_T stack_size)) \
	X(NtTerminateThread, 26, NT_SYS_TERMINATE_THREAD, (HANDLE thread, NTSTATUS status)) \
	X(NtSetConsoleCtrlHandler, 27, NT_SYS_SET_CONSOLE_CTRL_HANDLER, (BOOLEAN add))

#define W32_DECLARE_SYSCALL(name, num, en, args) NTSTATUS name args;
W32_SYSCALLS(W32_DECLARE_SYSCALL)

/* Rtl and friends. */
void *RtlCreateHeap(ULONG flags, void *base, SIZE_T reserve, SIZE_T commit, void *lock, void *params);
void *RtlDestroyHeap(void *heap);
void *RtlAllocateHeap(void *heap, ULONG flags, SIZE_T size);
void *RtlReAllocateHeap(void *heap, ULONG flags, void *p, SIZE_T size);
BOOLEAN RtlFreeHeap(void *heap, ULONG flags, void *p);
SIZE_T RtlSizeHeap(void *heap, ULONG flags, const void *p);
void RtlInitUnicodeString(UNICODE_STRING *us, const WCHAR *s);
void RtlFreeUnicodeString(UNICODE_STRING *us);
BOOLEAN RtlDosPathNameToNtPathName_U(const WCHAR *dos, UNICODE_STRING *nt, WCHAR **filepart, void *reserved);
ULONG RtlGetFullPathName_U(const WCHAR *name, ULONG size_bytes, WCHAR *buf, WCHAR **filepart);
ULONG RtlGetCurrentDirectory_U(ULONG size_bytes, WCHAR *buf);
NTSTATUS RtlSetCurrentDirectory_U(const UNICODE_STRING *dir);
ULONG RtlNtStatusToDosError(NTSTATUS status);
ULONG RtlGetLastWin32Error(void);
void RtlSetLastWin32Error(ULONG err);
int _vsnprintf(char *buf, size_t count, const char *fmt, va_list ap);
int _vsnwprintf(WCHAR *buf, size_t count, const WCHAR *fmt, va_list ap);
ULONG DbgPrint(const char *fmt, ...);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* TEB/PEB access (GS base = TEB). */
#define CUR_PROCESS ((HANDLE)(intptr_t)-1)
#define CUR_THREAD ((HANDLE)(intptr_t)-2)
static inline uint8_t *nt_teb(void) { uint8_t *t; __asm__("mov %%gs:0x30, %0" : "=r"(t)); return t; }
static inline uint8_t *nt_peb(void) { uint8_t *p; __asm__("mov %%gs:0x60, %0" : "=r"(p)); return p; }
static inline uint8_t *nt_params(void) { return *(uint8_t **)(nt_peb() + NT_PEB_PROCESS_PARAMETERS); }
static inline void *nt_process_heap(void) { return *(void **)(nt_peb() + NT_PEB_PROCESS_HEAP); }
static inline void set_last_error(DWORD e) { __asm__ volatile("movl %0, %%gs:0x68" : : "r"(e) : "memory"); }
static inline DWORD get_last_error(void) { DWORD e; __asm__ volatile("movl %%gs:0x68, %0" : "=r"(e)); return e; }
static inline uint64_t us_buf(const UNICODE_STRING *u) { return u->buffer; }
#endif

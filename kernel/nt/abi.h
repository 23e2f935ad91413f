/*
 * The NT-shaped system-call ABI between the kernel and the user-mode DLLs
 * (ntdll above all). Both sides include this one header: the kernel built
 * with gcc, the DLLs with x86_64-w64-mingw32-gcc. docs/NT.md explains it.
 *
 * Calling convention (as on Windows x64): the ntdll stub does
 *     mov r10, rcx; mov eax, NUMBER; syscall; ret
 * so arguments 1-4 arrive in r10, rdx, r8, r9, and argument n >= 5 is the
 * quadword at user RSP + 0x28 + 8*(n-5) at the SYSCALL (the caller's
 * return address and 32-byte home area lie below it). The result is an
 * NTSTATUS in rax. The kernel preserves every register but rax, rcx, r11
 * (and r10, rdx, r8, r9, which the Windows ABI lets a callee change).
 * Every pointer argument is checked: a bad one gives STATUS_ACCESS_VIOLATION
 * (or STATUS_INVALID_PARAMETER for a bad length), never a kernel fault.
 */
#ifndef NT_ABI_H
#define NT_ABI_H

#include <stdint.h>

typedef int32_t nt_status;
typedef uint64_t nt_handle;

/* NTSTATUS values used across the boundary. */
#define NT_STATUS_SUCCESS                 ((nt_status)0x00000000)
#define NT_STATUS_TIMEOUT                 ((nt_status)0x00000102)
#define NT_STATUS_PENDING                 ((nt_status)0x00000103)
#define NT_STATUS_NO_MORE_FILES           ((nt_status)0x80000006)
#define NT_STATUS_UNSUCCESSFUL            ((nt_status)0xC0000001)
#define NT_STATUS_NOT_IMPLEMENTED         ((nt_status)0xC0000002)
#define NT_STATUS_INVALID_INFO_CLASS      ((nt_status)0xC0000003)
#define NT_STATUS_INFO_LENGTH_MISMATCH    ((nt_status)0xC0000004)
#define NT_STATUS_ACCESS_VIOLATION        ((nt_status)0xC0000005)
#define NT_STATUS_INVALID_HANDLE          ((nt_status)0xC0000008)
#define NT_STATUS_INVALID_PARAMETER       ((nt_status)0xC000000D)
#define NT_STATUS_NO_SUCH_FILE            ((nt_status)0xC000000F)
#define NT_STATUS_END_OF_FILE             ((nt_status)0xC0000011)
#define NT_STATUS_NO_MEMORY               ((nt_status)0xC0000017)
#define NT_STATUS_COMMITMENT_LIMIT        ((nt_status)0xC000012D)
#define NT_STATUS_ACCESS_DENIED           ((nt_status)0xC0000022)
#define NT_STATUS_BUFFER_TOO_SMALL        ((nt_status)0xC0000023)
#define NT_STATUS_OBJECT_TYPE_MISMATCH    ((nt_status)0xC0000024)
#define NT_STATUS_OBJECT_NAME_INVALID     ((nt_status)0xC0000033)
#define NT_STATUS_OBJECT_NAME_NOT_FOUND   ((nt_status)0xC0000034)
#define NT_STATUS_OBJECT_NAME_COLLISION   ((nt_status)0xC0000035)
#define NT_STATUS_OBJECT_PATH_NOT_FOUND   ((nt_status)0xC000003A)
#define NT_STATUS_SHARING_VIOLATION       ((nt_status)0xC0000043)
#define NT_STATUS_DELETE_PENDING          ((nt_status)0xC0000056)
#define NT_STATUS_FILE_IS_A_DIRECTORY     ((nt_status)0xC00000BA)
#define NT_STATUS_NOT_SUPPORTED           ((nt_status)0xC00000BB)
#define NT_STATUS_DIRECTORY_NOT_EMPTY     ((nt_status)0xC0000101)
#define NT_STATUS_NOT_A_DIRECTORY         ((nt_status)0xC0000103)
#define NT_STATUS_DLL_NOT_FOUND           ((nt_status)0xC0000135)
#define NT_STATUS_ENTRYPOINT_NOT_FOUND    ((nt_status)0xC0000139)
#define NT_STATUS_INVALID_IMAGE_FORMAT    ((nt_status)0xC000007B)
#define NT_STATUS_CONTROL_C_EXIT          ((nt_status)0xC000013A)
#define NT_STATUS_INTEGER_DIVIDE_BY_ZERO  ((nt_status)0xC0000094)
#define NT_STATUS_ILLEGAL_INSTRUCTION     ((nt_status)0xC000001D)
#define NT_STATUS_PRIVILEGED_INSTRUCTION  ((nt_status)0xC0000096)
#define NT_STATUS_STACK_OVERFLOW          ((nt_status)0xC00000FD)
/* Added by the process/memory layer (kernel/nt/process.c, memory.c). */
#define NT_STATUS_DATATYPE_MISALIGNMENT   ((nt_status)0x80000002)
#define NT_STATUS_BREAKPOINT              ((nt_status)0x80000003)
#define NT_STATUS_SINGLE_STEP             ((nt_status)0x80000004)
#define NT_STATUS_CONFLICTING_ADDRESSES   ((nt_status)0xC0000018)
#define NT_STATUS_NOT_COMMITTED           ((nt_status)0xC000002D)
#define NT_STATUS_INVALID_PAGE_PROTECTION ((nt_status)0xC0000045)
#define NT_STATUS_ARRAY_BOUNDS_EXCEEDED   ((nt_status)0xC000008C)
#define NT_STATUS_FLOAT_INVALID_OPERATION ((nt_status)0xC0000090)
#define NT_STATUS_INTEGER_OVERFLOW        ((nt_status)0xC0000095)
#define NT_STATUS_FREE_VM_NOT_AT_BASE     ((nt_status)0xC000009F)
#define NT_STATUS_MEMORY_NOT_ALLOCATED    ((nt_status)0xC00000A0)
#define NT_STATUS_DLL_INIT_FAILED         ((nt_status)0xC0000142)
#define NT_STATUS_FLOAT_MULTIPLE_TRAPS    ((nt_status)0xC00002B5)
/* Added for files and the console (nt/file.c, dev/console.c). */
#define NT_STATUS_BUFFER_OVERFLOW         ((nt_status)0x80000005) /* partial data returned */
#define NT_STATUS_INVALID_DEVICE_REQUEST  ((nt_status)0xC0000010)
#define NT_STATUS_DISK_FULL               ((nt_status)0xC000007F)
#define NT_STATUS_CANNOT_DELETE           ((nt_status)0xC0000121)

/* Pseudo-handles, as on Windows. */
#define NT_CURRENT_PROCESS ((nt_handle)-1)
#define NT_CURRENT_THREAD  ((nt_handle)-2)

/* Counted UTF-16 string (UNICODE_STRING): lengths in bytes. */
struct nt_unicode_string {
	uint16_t length;
	uint16_t maximum_length;
	uint32_t pad;
	uint64_t buffer; /* uint16_t * */
};

/* OBJECT_ATTRIBUTES, reduced to what the kernel reads: a name, optionally
 * relative to a directory handle. Names are NT paths ("\??\C:\dir\file"). */
struct nt_object_attributes {
	uint32_t length; /* sizeof(struct nt_object_attributes) = 48 */
	uint32_t pad;
	nt_handle root_directory;
	uint64_t object_name; /* struct nt_unicode_string * */
	uint32_t attributes;  /* NT_OBJ_CASE_INSENSITIVE is implied */
	uint32_t pad2;
	uint64_t security_descriptor;
	uint64_t security_qos;
};

struct nt_io_status_block {
	int64_t status;       /* nt_status, sign-extended */
	uint64_t information; /* bytes transferred, or the create disposition taken */
};

/* System-call numbers (the project's own numbering). */
enum nt_syscall {
	NT_SYS_CLOSE = 0,                   /* (handle) */
	NT_SYS_CREATE_FILE = 1,             /* (out handle*, access, oa*, iosb*, alloc_size*, attributes, share,
	                                       disposition, options, ea, ea_length) */
	NT_SYS_READ_FILE = 2,               /* (handle, event, apc, apc_ctx, iosb*, buffer, length, offset*, key*) */
	NT_SYS_WRITE_FILE = 3,              /* (handle, event, apc, apc_ctx, iosb*, buffer, length, offset*, key*) */
	NT_SYS_QUERY_INFORMATION_FILE = 4,  /* (handle, iosb*, buffer, length, class) */
	NT_SYS_SET_INFORMATION_FILE = 5,    /* (handle, iosb*, buffer, length, class) */
	NT_SYS_QUERY_DIRECTORY_FILE = 6,    /* (handle, event, apc, apc_ctx, iosb*, buffer, length, class,
	                                       single_entry, pattern* (unicode_string), restart) */
	NT_SYS_QUERY_ATTRIBUTES_FILE = 7,   /* (oa*, struct nt_file_network_open_information*) */
	NT_SYS_QUERY_VOLUME_INFORMATION_FILE = 8, /* (handle, iosb*, buffer, length, class) */
	NT_SYS_ALLOCATE_VIRTUAL_MEMORY = 9, /* (process, base**, zero_bits, size*, type, protect) */
	NT_SYS_FREE_VIRTUAL_MEMORY = 10,    /* (process, base**, size*, type) */
	NT_SYS_PROTECT_VIRTUAL_MEMORY = 11, /* (process, base**, size*, new_protect, old_protect*) */
	NT_SYS_CREATE_PROCESS = 12,         /* (out process*, out thread*, struct nt_process_create*) */
	NT_SYS_TERMINATE_PROCESS = 13,      /* (process, exit status) */
	NT_SYS_WAIT_FOR_SINGLE_OBJECT = 14, /* (handle, alertable, timeout* (100 ns units, negative = relative)) */
	NT_SYS_QUERY_INFORMATION_PROCESS = 15, /* (process, class, buffer, length, return_length*) */
	NT_SYS_CREATE_EVENT = 16,           /* (out handle*, access, oa*, type (0 notification, 1 sync), initial) */
	NT_SYS_SET_EVENT = 17,              /* (handle, previous*) */
	NT_SYS_DUPLICATE_OBJECT = 18,       /* (src process, src handle, dst process, out handle*, access,
	                                       attributes, options) */
	NT_SYS_QUERY_SYSTEM_TIME = 19,      /* (time* (100 ns since 1601, UTC)) */
	NT_SYS_DELAY_EXECUTION = 20,        /* (alertable, interval*) */
	NT_SYS_QUERY_PERFORMANCE_COUNTER = 21, /* (counter*, frequency*) */
	NT_SYS_SET_CONSOLE_MODE = 22,       /* (console handle, mode): NT_CONSOLE_* bits */
	NT_SYS_GET_CONSOLE_MODE = 23,       /* (console handle, mode*): STATUS_INVALID_HANDLE if not a console */
	NT_SYS_DEBUG_PRINT = 24,            /* (char *text, length): to the kernel log (the serial console) */
	NT_SYS_CREATE_THREAD = 25,          /* (out thread*, process, start, parameter, stack_size) */
	NT_SYS_TERMINATE_THREAD = 26,       /* (thread, exit status) */
	NT_SYS_SET_CONSOLE_CTRL_HANDLER = 27, /* (add: 1 registers a console control handler, 0 removes one) */
	NT_SYS_COUNT
};

/* NtCreateProcess's one argument block (the shape is the project's own:
 * NtCreateUserProcess's is far larger). Strings are counted UTF-16. */
struct nt_process_create {
	struct nt_unicode_string image_path;        /* NT path of the .exe */
	struct nt_unicode_string command_line;
	struct nt_unicode_string current_directory; /* DOS path, "C:\dir" */
	uint64_t environment;      /* UTF-16 "NAME=value\0...\0\0" block, 0 = inherit the caller's */
	uint64_t environment_size; /* bytes, including the final double NUL */
	nt_handle std_input, std_output, std_error; /* handles in the caller, duplicated into the child */
};

/* Console modes (NtSetConsoleMode); the kernel's line discipline obeys
 * them on console input. */
#define NT_CONSOLE_PROCESSED_INPUT 0x0001
#define NT_CONSOLE_LINE_INPUT      0x0002
#define NT_CONSOLE_ECHO_INPUT      0x0004

/* File information classes the kernel answers (FILE_INFORMATION_CLASS
 * values as on Windows, so the DLLs use the Windows structures). */
enum nt_file_info_class {
	NT_FILE_DIRECTORY_INFORMATION = 1,
	NT_FILE_FULL_DIRECTORY_INFORMATION = 2,
	NT_FILE_BOTH_DIRECTORY_INFORMATION = 3,
	NT_FILE_BASIC_INFORMATION = 4,
	NT_FILE_STANDARD_INFORMATION = 5,
	NT_FILE_NAME_INFORMATION = 9,
	NT_FILE_RENAME_INFORMATION = 10,
	NT_FILE_DISPOSITION_INFORMATION = 13,
	NT_FILE_POSITION_INFORMATION = 14,
	NT_FILE_ALL_INFORMATION = 18,
	NT_FILE_END_OF_FILE_INFORMATION = 20,
	NT_FILE_NETWORK_OPEN_INFORMATION = 34,
};

/* Volume information classes. */
enum nt_fs_info_class {
	NT_FILE_FS_VOLUME_INFORMATION = 1,
	NT_FILE_FS_SIZE_INFORMATION = 3,
	NT_FILE_FS_DEVICE_INFORMATION = 4, /* DeviceType 0x50 = FILE_DEVICE_CONSOLE, 0x08 = disk file system */
	NT_FILE_FS_ATTRIBUTE_INFORMATION = 5,
};
#define NT_FILE_DEVICE_DISK_FILE_SYSTEM 0x08
#define NT_FILE_DEVICE_CONSOLE          0x50

/* Windows file attributes, create dispositions and options. */
#define NT_FILE_ATTRIBUTE_READONLY  0x01
#define NT_FILE_ATTRIBUTE_DIRECTORY 0x10
#define NT_FILE_ATTRIBUTE_ARCHIVE   0x20
#define NT_FILE_ATTRIBUTE_NORMAL    0x80
#define NT_FILE_SUPERSEDE    0
#define NT_FILE_OPEN         1
#define NT_FILE_CREATE       2
#define NT_FILE_OPEN_IF      3
#define NT_FILE_OVERWRITE    4
#define NT_FILE_OVERWRITE_IF 5
#define NT_FILE_DIRECTORY_FILE     0x0001
#define NT_FILE_NON_DIRECTORY_FILE 0x0040
#define NT_FILE_DELETE_ON_CLOSE    0x1000
/* Access bits the kernel checks on reads and writes. */
#define NT_FILE_READ_DATA   0x0001
#define NT_FILE_WRITE_DATA  0x0002
#define NT_FILE_APPEND_DATA 0x0004
#define NT_GENERIC_READ     0x80000000u
#define NT_GENERIC_WRITE    0x40000000u

/* FILE_NETWORK_OPEN_INFORMATION (NtQueryAttributesFile answers this one). */
struct nt_file_network_open_information {
	int64_t creation_time, last_access_time, last_write_time, change_time;
	int64_t allocation_size, end_of_file;
	uint32_t file_attributes;
	uint32_t pad;
};

/* Memory: allocation types and page protections as on Windows. */
#define NT_MEM_COMMIT   0x1000
#define NT_MEM_RESERVE  0x2000
#define NT_MEM_DECOMMIT 0x4000
#define NT_MEM_RELEASE  0x8000
#define NT_PAGE_NOACCESS          0x01
#define NT_PAGE_READONLY          0x02
#define NT_PAGE_READWRITE         0x04
#define NT_PAGE_EXECUTE           0x10
#define NT_PAGE_EXECUTE_READ      0x20
#define NT_PAGE_EXECUTE_READWRITE 0x40

/* NtQueryInformationProcess classes: ProcessBasicInformation (below) and
 * ProcessCookie (a ULONG, the caller's own process only, as on Windows). */
#define NT_PROCESS_BASIC_INFORMATION 0
#define NT_PROCESS_COOKIE 36

/* ProcessBasicInformation (class 0) for NtQueryInformationProcess. */
struct nt_process_basic_information {
	int64_t exit_status; /* NT_STATUS_PENDING (0x103) while running */
	uint64_t peb_base_address;
	uint64_t affinity_mask;
	int64_t base_priority;
	uint64_t unique_process_id;
	uint64_t inherited_from_unique_process_id;
};

/*
 * The user-mode environment the kernel builds for a process, laid out as
 * on Windows x64 where Windows programs read it directly (cmd.exe reads
 * TEB.LastErrorValue and PEB.ProcessHeap inline). GS base = the TEB.
 */
#define NT_TEB_SELF            0x30 /* TEB * */
#define NT_TEB_STACK_BASE      0x08
#define NT_TEB_STACK_LIMIT     0x10
#define NT_TEB_CLIENT_PROCESS  0x40 /* ClientId.UniqueProcess */
#define NT_TEB_CLIENT_THREAD   0x48 /* ClientId.UniqueThread */
#define NT_TEB_TLS_POINTER     0x58 /* ThreadLocalStoragePointer: array of module TLS blocks */
#define NT_TEB_PEB             0x60
#define NT_TEB_LAST_ERROR      0x68 /* uint32_t */
#define NT_TEB_TLS_SLOTS       0x1480 /* 64 pointer slots (TlsGetValue) */
#define NT_TEB_SIZE            0x2000

#define NT_PEB_BEING_DEBUGGED     0x02
#define NT_PEB_IMAGE_BASE         0x10
#define NT_PEB_LDR                0x18 /* struct nt_loader_data * */
#define NT_PEB_PROCESS_PARAMETERS 0x20 /* RTL_USER_PROCESS_PARAMETERS * */
#define NT_PEB_PROCESS_HEAP       0x30 /* set by ntdll's start-up */
#define NT_PEB_NUMBER_OF_PROCESSORS 0xb8 /* uint32_t */
#define NT_PEB_OS_MAJOR           0x118 /* uint32_t: 10 */
#define NT_PEB_OS_MINOR           0x11c /* uint32_t: 0 */
#define NT_PEB_OS_BUILD           0x120 /* uint16_t: 19045 */
#define NT_PEB_SIZE               0x1000

/* RTL_USER_PROCESS_PARAMETERS offsets (Windows x64). */
#define NT_PP_STD_INPUT         0x20
#define NT_PP_STD_OUTPUT        0x28
#define NT_PP_STD_ERROR         0x30
#define NT_PP_CURRENT_DIRECTORY 0x38 /* UNICODE_STRING DosPath, then HANDLE at 0x48 */
#define NT_PP_DLL_PATH          0x50
#define NT_PP_IMAGE_PATH        0x60
#define NT_PP_COMMAND_LINE      0x70
#define NT_PP_ENVIRONMENT       0x80 /* uint16_t * */
#define NT_PP_WINDOW_TITLE      0xb0
#define NT_PP_ENVIRONMENT_SIZE  0x3f0

/*
 * Loader data: the kernel maps the .exe and every DLL it needs (from
 * \??\C:\Windows\System32), relocates them and binds their imports, then
 * starts the first thread at ntdll's exported LdrInitializeThunk(struct
 * nt_loader_data *) with the stack ready for a call. ntdll calls the
 * initializers in order (each DLL's entry point with DLL_PROCESS_ATTACH,
 * dependencies first; then the .exe's TLS callbacks) and then the .exe's
 * entry point; a DLL entry point returning FALSE ends the process with
 * STATUS_DLL_INIT_FAILED (0xC0000142).
 */
struct nt_module {
	uint64_t base;
	uint64_t size;
	uint64_t entry;      /* 0 if none */
	uint64_t name;       /* uint16_t *: "kernel32.dll" */
	uint64_t path;       /* uint16_t *: "C:\Windows\System32\kernel32.dll" */
	uint32_t is_dll;
	uint32_t tls_index;  /* index in the TLS pointer array, or ~0 */
	uint64_t tls_callbacks; /* address of the NUL-terminated callback array, or 0 */
};

struct nt_loader_data {
	uint32_t count;       /* modules, the .exe first */
	uint32_t init_count;  /* entries of init_order */
	uint64_t modules;     /* struct nt_module[count] */
	uint64_t init_order;  /* uint32_t[init_count]: module indexes, DLL entry points to call in order */
	uint64_t exe_entry;   /* the .exe's AddressOfEntryPoint */
};

#endif

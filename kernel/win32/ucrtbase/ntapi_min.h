/* The one ntdll call ucrtbase makes directly. */
#ifndef UCRT_NTAPI_MIN_H
#define UCRT_NTAPI_MIN_H
#include "w32.h"
NTSTATUS NtQuerySystemTime(LARGE_INTEGER *t);
int strcmp(const char *a, const char *b);
#endif

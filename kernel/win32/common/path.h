/* DOS -> NT path conversion (pure; host-tested). */
#ifndef W32_PATH_H
#define W32_PATH_H
#include "w32.h"
/* Full DOS path of name relative to cwd ("C:\dir" or "C:\dir\"). Returns the
 * length (no NUL) written to out, or the size needed including the NUL when
 * cap is too small; 0 for an invalid name. */
size_t path_full(const WCHAR *cwd, const WCHAR *name, WCHAR *out, size_t cap);
/* NT path ("\??\C:\dir\file"); same return convention. */
size_t path_dos_to_nt(const WCHAR *cwd, const WCHAR *name, WCHAR *out, size_t cap);
/* DOS wildcard match (* and ?, case-insensitive; "*.*" matches every name). */
int path_wild_match(const WCHAR *pattern, const WCHAR *name);
#endif

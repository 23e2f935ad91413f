/* Resource-directory walking for LoadStringW (pure; host-tested). */
#ifndef W32_RSRC_H
#define W32_RSRC_H
#include "w32.h"
/* Finds string id in the RT_STRING tables of the PE image mapped at base
 * (sections at their RVAs). On success returns 1, *str points at the
 * (not NUL-terminated) string and *len is its length; language: US English
 * first, then neutral, then the first one present. */
int rsrc_find_string(const void *base, uint32_t id, const WCHAR **str, uint32_t *len);
/* Lower level: the data (RVA-resolved pointer and size) of resource
 * type/name (integer ids), with the language preference above. */
const void *rsrc_find(const void *base, uint32_t type, uint32_t name, uint32_t *size);
#endif

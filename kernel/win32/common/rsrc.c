#if defined(_WIN64) || defined(W32_HOST_TEST)
#include "rsrc.h"

struct res_dir {
	uint32_t characteristics, timestamp;
	uint16_t major, minor, named, ids;
	/* entries follow: named first, then ids sorted ascending */
};
struct res_entry { uint32_t name, offset; }; /* offset: high bit = subdirectory */
struct res_data { uint32_t rva, size, codepage, reserved; };

static uint16_t rd16(const void *p) { const uint8_t *b = p; return (uint16_t)(b[0] | b[1] << 8); }
static uint32_t rd32(const void *p) { const uint8_t *b = p; return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; }

/* The resource directory's RVA and size from the PE headers, or 0. */
static uint32_t res_rva(const uint8_t *base, uint32_t *size)
{
	if (rd16(base) != 0x5a4d) return 0;
	const uint8_t *nt = base + rd32(base + 0x3c);
	if (rd32(nt) != 0x4550) return 0;
	const uint8_t *opt = nt + 24;
	uint16_t magic = rd16(opt);
	const uint8_t *dd;
	uint32_t ndd;
	if (magic == 0x20b) { ndd = rd32(opt + 108); dd = opt + 112; }
	else if (magic == 0x10b) { ndd = rd32(opt + 92); dd = opt + 96; }
	else return 0;
	if (ndd < 3) return 0;
	*size = rd32(dd + 2 * 8 + 4);
	return rd32(dd + 2 * 8);
}

/* The entry with integer id in dir, or NULL. */
static const uint8_t *find_id(const uint8_t *dir, uint32_t id)
{
	uint16_t named = rd16(dir + 12), ids = rd16(dir + 14);
	const uint8_t *e = dir + 16 + 8u * named;
	for (uint32_t i = 0; i < ids; i++, e += 8)
		if ((rd32(e) & 0x80000000u) == 0 && rd32(e) == id) return e;
	return 0;
}

const void *rsrc_find(const void *basev, uint32_t type, uint32_t name, uint32_t *size)
{
	const uint8_t *base = basev;
	uint32_t rsize;
	uint32_t rva = res_rva(base, &rsize);
	if (!rva) return 0;
	const uint8_t *root = base + rva;
	const uint8_t *e = find_id(root, type);
	if (!e || !(rd32(e + 4) & 0x80000000u)) return 0;
	const uint8_t *d1 = root + (rd32(e + 4) & 0x7fffffffu);
	e = find_id(d1, name);
	if (!e || !(rd32(e + 4) & 0x80000000u)) return 0;
	const uint8_t *d2 = root + (rd32(e + 4) & 0x7fffffffu);
	static const uint32_t prefs[] = { 0x409, 0x000, 0x400, 0x800, 0x809 };
	const uint8_t *le = 0;
	for (unsigned i = 0; i < sizeof prefs / sizeof prefs[0] && !le; i++) le = find_id(d2, prefs[i]);
	if (!le) {
		if (rd16(d2 + 12) + rd16(d2 + 14) == 0) return 0;
		le = d2 + 16; /* the first language present */
	}
	if (rd32(le + 4) & 0x80000000u) return 0;
	const uint8_t *data = root + rd32(le + 4);
	*size = rd32(data + 4);
	return base + rd32(data);
}

int rsrc_find_string(const void *base, uint32_t id, const WCHAR **str, uint32_t *len)
{
	uint32_t size;
	const uint8_t *t = rsrc_find(base, 6, (id >> 4) + 1, &size);
	if (!t) return 0;
	const uint8_t *end = t + size;
	for (uint32_t i = 0; i < (id & 15); i++) {
		if (t + 2 > end) return 0;
		t += 2 + 2u * rd16(t);
	}
	if (t + 2 > end) return 0;
	uint32_t l = rd16(t);
	if (t + 2 + 2u * l > end) return 0;
	*str = (const WCHAR *)(t + 2);
	*len = l;
	return 1;
}
#endif

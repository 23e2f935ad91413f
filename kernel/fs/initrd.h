/* Read-only file system over the ustar initial ramdisk. */
#ifndef FS_INITRD_H
#define FS_INITRD_H

#include <stdbool.h>
#include <stdint.h>

struct initrd_node {
	char path[256]; /* normalized: no leading "/" or "./", no trailing "/" */
	const uint8_t *data;
	uint64_t size;
	bool dir;
};

/* A parsed archive: entries point into its bytes. */
struct initrd {
	struct initrd_node *nodes;
	int count, cap;
};

/* Adds the archive's files and directories to t; returns t->count. A bad
 * header (magic, checksum) or an entry running past size ends the walk
 * with a kernel log message; what came before it stays. */
int initrd_parse(struct initrd *t, const void *base, uint64_t size);
/* Parses the boot archive, which the functions below serve. */
void initrd_init(const void *base, uint64_t size);
/* Finds "/etc/motd", "etc/motd" or "./etc/motd"; NULL if absent. */
const struct initrd_node *initrd_lookup(const char *path);
/* Calls fn for every direct child of dir; returns the number of children. */
int initrd_list(const char *dir, void (*fn)(const struct initrd_node *n, void *arg), void *arg);
/* Copies up to len bytes from offset off; returns the count copied. */
uint64_t initrd_read(const struct initrd_node *n, uint64_t off, void *buf, uint64_t len);
/* Every file and directory in archive order (the C: drive copies them). */
int initrd_count(void);
const struct initrd_node *initrd_at(int i);

#endif

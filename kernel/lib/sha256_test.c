#include "lib/sha256.h"
#include "lib/string.h"
#include "test/selftest.h"

static int hexval(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

/* Compares a digest with its FIPS 180-4 hex form. */
static bool same(const uint8_t *d, const char *hex)
{
	for (int i = 0; i < SHA256_DIGEST; i++)
		if (d[i] != (hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1])))
			return false;
	return true;
}

/* The FIPS 180-4 examples (one block, empty, the 448-bit message that
 * pushes the length into a second block, two blocks), then 1000 bytes fed
 * in uneven pieces across the buffer's edges. */
const char *test_sha256(void)
{
	static const struct {
		const char *msg, *want;
	} v[] = {
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	uint8_t d[SHA256_DIGEST];
	for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha256(v[i].msg, strlen(v[i].msg), d);
		if (!same(d, v[i].want))
			return fail("%u-bit message: digest %02x%02x%02x%02x..., want %s", (unsigned)strlen(v[i].msg) * 8,
				    d[0], d[1], d[2], d[3], v[i].want);
	}
	static uint8_t a[1000];
	memset(a, 'a', sizeof a);
	static const size_t piece[] = {1, 63, 64, 65, 0, 127, 3, 200};
	struct sha256 s;
	sha256_init(&s);
	size_t off = 0;
	for (unsigned i = 0; off < sizeof a; i = (i + 1) % 8) {
		size_t n = piece[i] < sizeof a - off ? piece[i] : sizeof a - off;
		sha256_update(&s, a + off, n);
		off += n;
	}
	sha256_final(&s, d);
	if (!same(d, "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"))
		return fail("1000 x 'a' in pieces: digest %02x%02x%02x%02x...", d[0], d[1], d[2], d[3]);
	return NULL;
}

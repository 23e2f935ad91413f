/* Exercises every file and process system call; exits 42 when all behaved. */
#include "user/ulib.h"

int main(void)
{
	static const char msg[] = "hello from user mode\n";
	if (sys_write(1, msg, sizeof msg - 1) != sizeof msg - 1)
		return 1;
	if (sys_getpid() <= 0)
		return 2;
	if (sys_yield() != 0)
		return 3;
	long fd = sys_open("/etc/hostname");
	if (fd < 0)
		return 4;
	char buf[32];
	if (sys_read(fd, buf, sizeof buf) != 9 || memcmp(buf, "twinstep\n", 9))
		return 5;
	if (sys_read(fd, buf, sizeof buf) != 0)
		return 6;
	if (sys_close(fd) != 0 || sys_read(fd, buf, 1) != -EBADF)
		return 7;
	if (sys_open("/etc/nonexistent") != -ENOENT || sys_stat("/etc/hostname") != 9)
		return 8;
	if (sys_write(7, msg, 1) != -EBADF)
		return 9;
	if (syscall3(999, 0, 0, 0) != -ENOSYS)
		return 10;
	return 42;
}

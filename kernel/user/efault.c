/* Bad pointers passed to system calls must return -EFAULT, not crash the kernel. */
#include "user/ulib.h"

int main(void)
{
	if (sys_write(1, (void *)0xffff800000000000ul, 8) != -EFAULT)
		return 1; /* kernel address */
	if (sys_write(1, (void *)0x20000000ul, 8) != -EFAULT)
		return 2; /* unmapped user address */
	if (sys_write(1, (void *)0x7ffffffffff0ul, 0x100) != -EFAULT)
		return 3; /* range running past the user half */
	if (sys_open((const char *)0x10) != -EFAULT)
		return 4;
	long fd = sys_open("/etc/motd");
	if (fd < 0 || sys_read(fd, (void *)0x20000000ul, 16) != -EFAULT)
		return 5;
	return 0;
}

/* Divides by zero in ring 3: the kernel must kill it with #DE. */
#include "user/ulib.h"

int main(void)
{
	volatile int zero = 0;
	return 10 / zero;
}

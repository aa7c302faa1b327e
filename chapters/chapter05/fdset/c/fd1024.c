/* fd1024: what FD_SET(1024, &set) does in C. An fd_set holds bits
 * 0 to FD_SETSIZE - 1 (1023); the macro does not check its argument.
 *
 * Built plainly (cc fd1024.c), the bit lands in whatever follows the
 * set in memory: here the field "next" of the same structure.
 * Built with glibc's fortification (cc -O2 -D_FORTIFY_SOURCE=2), the
 * macro checks and the program aborts:
 *   *** bit out of range 0 - FD_SETSIZE on fd_set ***: terminated
 */
#include <stdio.h>
#include <sys/select.h>

struct sets {
	fd_set set;
	unsigned long next;
};

int main(void)
{
	/* volatile: the compiler must really write and read memory. */
	static volatile struct sets s;
	int fd = 1024;

	FD_ZERO((fd_set *)&s.set);
	printf("FD_SETSIZE = %d, sizeof(fd_set) = %zu\n", FD_SETSIZE,
	       sizeof(fd_set));
	printf("next before FD_SET(1024): %lu\n", s.next);
	fflush(stdout);
	FD_SET(fd, (fd_set *)&s.set);
	printf("next after FD_SET(1024): %lu\n", s.next);
	return 0;
}

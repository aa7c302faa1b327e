/* sizes prints the size and alignment of each socket address structure
 * as this machine's C compiler and headers lay it out, one line each:
 * "NAME SIZE ALIGN". sockaddr c-table prints the figures the Go program
 * holds in the same format; testdata/chapter04/sockaddr_c.txtar
 * compares the two.
 *
 * Build and run: cc -o sizes sizes.c && ./sizes
 */
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#define SHOW(T) printf("%s %zu %zu\n", #T, sizeof(struct T), _Alignof(struct T))

int main(void)
{
	SHOW(sockaddr);
	SHOW(sockaddr_in);
	SHOW(sockaddr_in6);
	SHOW(sockaddr_un);
	SHOW(sockaddr_storage);
	return 0;
}

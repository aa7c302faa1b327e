/*
 * upper-server.c: the source notes' last server, corrected. It sends
 * back in capitals what a client sends.
 *
 *   cc -Wall -o upper-server upper-server.c
 *   ./upper-server <ip> <port>        (port 0: any free port)
 *
 * What changed from the source, each marked "fix" below:
 *   - the address and port come from the command line and are checked
 *     (inet_pton's result, a port from 0 to 65535);
 *   - SO_REUSEADDR, not SO_REUSEPORT, lets a restart bind over
 *     TIME_WAIT (15-port-reuse), and its result is checked;
 *   - send() sends the len bytes recv() returned, in a loop, not
 *     strlen(buf) + 1: no stray NUL, nothing lost after a NUL;
 *   - the buffer is printed with its length, never as a C string (the
 *     source's printf("%s") reads past the bytes received);
 *   - MSG_NOSIGNAL: a client that resets the connection gives EPIPE,
 *     not a SIGPIPE that kills the server;
 *   - accept() and recv() are retried on EINTR; errors go to stderr
 *     and the exit status says what happened.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* fix: the source prints "read buf = %s" of a buffer that need not end
 * in a NUL; this prints exactly n bytes, escaping what is not text. */
static void show(const char *what, const unsigned char *b, ssize_t n)
{
	printf("%s %zd bytes: \"", what, n);
	for (ssize_t i = 0; i < n; i++) {
		if (b[i] == '\n')
			printf("\\n");
		else if (b[i] == '"' || b[i] == '\\')
			printf("\\%c", b[i]);
		else if (isprint(b[i]))
			putchar(b[i]);
		else
			printf("\\x%02x", b[i]);
	}
	printf("\"\n");
}

static int send_all(int fd, const unsigned char *b, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	char *end;
	long port;

	/* stdout is a pipe in the tests, block-buffered by default: a
	 * line at a time, so that "listening on" is seen at once. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: upper-server <ip> <port>\n");
		return 2;
	}
	memset(&addr, 0, sizeof addr); /* fix: no stack garbage */
	addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { /* fix */
		fprintf(stderr, "upper-server: error: invalid ip address "
			"\"%s\"\n", argv[1]);
		return 2;
	}
	errno = 0;
	port = strtol(argv[2], &end, 10);
	if (errno || *argv[2] == '\0' || *end != '\0' || port < 0 ||
	    port > 65535) { /* fix: atoi took "80x" for 80 */
		fprintf(stderr, "upper-server: error: invalid port \"%s\" "
			"(want 0-65535)\n", argv[2]);
		return 2;
	}
	addr.sin_port = htons((unsigned short)port);

	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("upper-server: socket");
		return 1;
	}
	int one = 1;
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) {
		perror("upper-server: setsockopt");
		return 1;
	}
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("upper-server: bind");
		return 1;
	}
	if (listen(lfd, 8) < 0) {
		perror("upper-server: listen");
		return 1;
	}
	/* The real port, for port 0: getsockname. */
	socklen_t alen = sizeof addr;
	if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) {
		perror("upper-server: getsockname");
		return 1;
	}
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
	printf("listening on %s:%d\n", ip, ntohs(addr.sin_port));

	struct sockaddr_in caddr;
	socklen_t clen = sizeof caddr;
	int cfd;
	do {
		cfd = accept(lfd, (struct sockaddr *)&caddr, &clen);
	} while (cfd < 0 && (errno == EINTR || errno == ECONNABORTED));
	if (cfd < 0) {
		perror("upper-server: accept");
		return 1;
	}
	inet_ntop(AF_INET, &caddr.sin_addr, ip, sizeof ip);
	printf("client connected from %s:%d\n", ip, ntohs(caddr.sin_port));

	unsigned char buf[1024];
	int status = 0;
	for (;;) {
		ssize_t n = recv(cfd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("upper-server: recv");
			status = 1;
			break;
		}
		if (n == 0) {
			printf("client closed the connection\n");
			break;
		}
		show("received", buf, n);
		for (ssize_t i = 0; i < n; i++)
			buf[i] = (unsigned char)toupper(buf[i]);
		if (send_all(cfd, buf, (size_t)n) < 0) { /* fix: n, not strlen + 1 */
			perror("upper-server: send");
			status = 1;
			break;
		}
		show("sent back", buf, n);
	}
	close(cfd);
	close(lfd);
	return status;
}

/*
 * echo-server.c: the source notes' echo server, corrected. Every byte
 * a client sends is written back to it unchanged.
 *
 *   cc -Wall -o echo-server echo-server.c
 *   ./echo-server [-n N] <ip> <port>     (port 0: any free port)
 *
 * It takes the command line of the Go echo-server and prints the same
 * lines, except that a piece received is shown by its length only.
 * What changed from the source, each marked "fix" below:
 *   - the address and the port are checked (inet_pton's result, a
 *     port from 0 to 65535); bad input exits with status 2;
 *   - the sockaddr is zeroed before it is filled in;
 *   - the length of a piece is what read returned, not strlen: NUL
 *     bytes survive, and nothing is cut at 1023 bytes;
 *   - every write is completed in a loop and its result checked;
 *   - EINTR and ECONNABORTED do not end the server, nor does one
 *     client's error (a reset);
 *   - TCP_NODELAY, so that an echo in several writes is not held back
 *     by Nagle's algorithm (06-echo, nagle);
 *   - standard output is line-buffered, so "listening on" reaches a
 *     pipe at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void usage(const char *msg)
{
	fprintf(stderr, "echo-server: error: %s\n", msg);
	exit(2);
}

/* fix: parse a decimal port from 0 to 65535, or fail. */
static int parse_port(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > 65535)
		return -1;
	return (int)v;
}

/* addr_text writes "ip:port" (IPv6 in brackets) for a kernel address. */
static void addr_text(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		snprintf(out, n, "%s:%d", ip, ntohs(a->sin_port));
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		snprintf(out, n, "[%s]:%d", ip, ntohs(a->sin6_port));
	}
}

/* fix: write all of buf, however many calls it takes. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* echo serves one client until it closes, then closes the socket. */
static void echo(int cfd)
{
	char buf[1024];

	for (;;) {
		ssize_t n = read(cfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* fix: one client's error ends that client only */
			perror("echo-server: client: read");
			break;
		}
		if (n == 0) {
			printf("client closed the connection\n");
			break;
		}
		printf("received %zd bytes\n", n);
		if (write_all(cfd, buf, (size_t)n) < 0) {
			perror("echo-server: client: write");
			break;
		}
	}
	close(cfd);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int clients = 1, port, family, lfd, one = 1, served;
	char text[INET6_ADDRSTRLEN + 8];

	setvbuf(stdout, NULL, _IOLBF, 0); /* fix: a line at a time */
	if (argc == 5 && strcmp(argv[1], "-n") == 0) {
		clients = parse_port(argv[2]); /* 0 to 65535 will do */
		if (clients < 0)
			usage("-n must be 0 or more");
		argv += 2;
		argc -= 2;
	}
	if (argc != 3)
		usage("want 2 arguments: <ip> <port>");

	/* fix: the structure is zeroed, and inet_pton's result checked */
	memset(&ss, 0, sizeof ss);
	port = parse_port(argv[2]);
	if (port < 0) {
		fprintf(stderr, "echo-server: error: invalid port \"%s\" "
			"(want 0-65535)\n", argv[2]);
		return 2;
	}
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[1], &in4->sin_addr) == 1) {
		family = AF_INET;
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof *in4;
	} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
		family = AF_INET6;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof *in6;
	} else {
		fprintf(stderr, "echo-server: error: invalid ip address "
			"\"%s\"\n", argv[1]);
		return 2;
	}

	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("echo-server: error: socket");
		return 1;
	}
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0) {
		perror("echo-server: error: bind");
		return 1;
	}
	if (listen(lfd, 8) < 0) {
		perror("echo-server: error: listen");
		return 1;
	}
	len = sizeof ss;
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		perror("echo-server: error: getsockname");
		return 1;
	}
	addr_text(&ss, text, sizeof text);
	printf("listening on %s\n", text);

	for (served = 0; clients == 0 || served < clients; served++) {
		int cfd;

		len = sizeof ss;
		cfd = accept(lfd, (struct sockaddr *)&ss, &len);
		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED)) {
			served--; /* fix: not a reason to stop */
			continue;
		}
		if (cfd < 0) {
			perror("echo-server: error: accept");
			return 1;
		}
		addr_text(&ss, text, sizeof text);
		printf("client connected from %s\n", text);
		/* fix: Nagle's algorithm off, as Go's net package does */
		if (setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof one) < 0)
			perror("echo-server: setsockopt");
		echo(cfd);
	}
	close(lfd);
	return 0;
}

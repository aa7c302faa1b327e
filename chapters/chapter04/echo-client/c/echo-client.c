/*
 * echo-client.c: the source notes' echo client, corrected. It sends
 * each line of standard input to the server and writes what comes
 * back to standard output, byte for byte.
 *
 *   cc -Wall -o echo-client echo-client.c
 *   ./echo-client <ip> <port>
 *
 * It behaves as the Go echo-client: a line "quit" or the end of input
 * ends it with status 0, status messages go to standard error, bad
 * arguments exit 2, a refused connection or a vanished server 1.
 * What changed from the source, each marked "fix" below:
 *   - the address and the port are checked (inet_pton's result, a
 *     port from 0 to 65535);
 *   - the end of input ends the client (the source ignores fgets'
 *     NULL and waits for ever);
 *   - lines of any length, with NUL bytes: the input is read with
 *     read(2) into a buffer, never measured with strlen;
 *   - every write is completed, and exactly as many bytes are read
 *     back as were sent;
 *   - while it waits for input it watches the socket too (poll), and
 *     says at once when the server goes away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* echo_line sends one line (at most 4 KiB at a time) and copies as
 * many bytes back to standard output. Returns 0, or 1 on an error. */
static int echo_line(int fd, const char *line, size_t len)
{
	char buf[4096];

	while (len > 0) {
		size_t chunk = len < sizeof buf ? len : sizeof buf;
		size_t got = 0;

		if (write_all(fd, line, chunk) < 0) {
			perror("echo-client: error: write");
			return 1;
		}
		while (got < chunk) {
			ssize_t n = read(fd, buf, chunk - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				perror("echo-client: error: read");
				return 1;
			}
			if (n == 0) {
				fprintf(stderr, "echo-client: error: server "
					"closed the connection\n");
				return 1;
			}
			if (write_all(1, buf, (size_t)n) < 0)
				return 1;
			got += (size_t)n;
		}
		line += chunk;
		len -= chunk;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int port, fd;
	char *in = NULL; /* the input not yet sent */
	size_t have = 0, cap = 0;
	int eof = 0;

	if (argc != 3) {
		fprintf(stderr, "echo-client: error: want 2 arguments: "
			"<ip> <port>\n");
		return 2;
	}
	memset(&ss, 0, sizeof ss); /* fix */
	port = parse_port(argv[2]);
	if (port < 0) {
		fprintf(stderr, "echo-client: error: invalid port \"%s\" "
			"(want 0-65535)\n", argv[2]);
		return 2;
	}
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, argv[1], &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof *in4;
	} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof *in6;
	} else {
		fprintf(stderr, "echo-client: error: invalid ip address "
			"\"%s\"\n", argv[1]);
		return 2;
	}

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("echo-client: error: socket");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("echo-client: error: connect");
		return 1;
	}
	if (ss.ss_family == AF_INET)
		fprintf(stderr, "connected to %s:%d\n", argv[1], port);
	else
		fprintf(stderr, "connected to [%s]:%d\n", argv[1], port);

	for (;;) {
		char *nl = have > 0 ? memchr(in, '\n', have) : NULL;

		if (nl != NULL || (eof && have > 0)) {
			/* A whole line, or the last one without '\n'. */
			size_t n = nl != NULL ? (size_t)(nl - in) + 1 : have;
			if ((n == 5 && memcmp(in, "quit\n", 5) == 0) ||
			    (n == 4 && nl == NULL && memcmp(in, "quit", 4) == 0))
				break;
			if (echo_line(fd, in, n) != 0)
				return 1;
			memmove(in, in + n, have - n);
			have -= n;
			continue;
		}
		if (eof)
			break; /* fix: the end of input ends the client */

		/* fix: wait for input and watch the server meanwhile */
		struct pollfd p[2] = {{0, POLLIN, 0}, {fd, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("echo-client: error: poll");
			return 1;
		}
		if (p[1].revents != 0) {
			char c;
			ssize_t r = read(fd, &c, 1);
			if (r < 0) {
				perror("echo-client: error: read");
				return 1;
			}
			fprintf(stderr, "echo-client: error: %s\n", r == 0 ?
				"server closed the connection" :
				"server sent data nobody asked for");
			return 1;
		}
		if (cap - have < 4096) {
			cap = cap * 2 + 4096;
			in = realloc(in, cap);
			if (in == NULL) {
				perror("echo-client: error: realloc");
				return 1;
			}
		}
		ssize_t r = read(0, in + have, cap - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("echo-client: error: read standard input");
			return 1;
		}
		if (r == 0)
			eof = 1;
		have += (size_t)r;
	}
	free(in);
	close(fd);
	return 0;
}

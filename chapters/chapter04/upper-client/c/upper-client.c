/*
 * upper-client.c: the source notes' last client, corrected. It sends
 * each line of standard input to an upper-server and prints what comes
 * back.
 *
 *   cc -Wall -o upper-client upper-client.c
 *   ./upper-client <ip> <port> < lines
 *
 * What changed from the source, each marked "fix" below:
 *   - the address and port come from the command line and are checked;
 *   - the end of input ends the client: the source ignores fgets's
 *     NULL and goes on sending an empty string for ever;
 *   - getline, not fgets, reads the line: it says how many bytes it
 *     stored, NUL bytes included, and takes a line of any length;
 *   - it sends the line's bytes, not strlen(buf) + 1: no NUL on the
 *     wire;
 *   - it reads until as many bytes as it sent have come back, where the
 *     source reads once and may print half a reply (19-framing), and
 *     it writes them with fwrite, not printf("%s");
 *   - write is looped, read checked, errors go to stderr.
 */
#define _POSIX_C_SOURCE 200809L /* getline */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXSIZE 1024

static int write_all(int fd, const char *b, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, b, n);
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

	if (argc != 3) {
		fprintf(stderr, "usage: upper-client <ip> <port>\n");
		return 2;
	}
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { /* fix */
		fprintf(stderr, "upper-client: error: invalid ip address "
			"\"%s\"\n", argv[1]);
		return 2;
	}
	errno = 0;
	port = strtol(argv[2], &end, 10);
	if (errno || *argv[2] == '\0' || *end != '\0' || port < 0 ||
	    port > 65535) { /* fix */
		fprintf(stderr, "upper-client: error: invalid port \"%s\" "
			"(want 0-65535)\n", argv[2]);
		return 2;
	}
	addr.sin_port = htons((unsigned short)port);

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("upper-client: socket");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("upper-client: connect");
		return 1;
	}
	fprintf(stderr, "connected to %s:%ld\n", argv[1], port);

	char *line = NULL, reply[MAXSIZE];
	size_t cap = 0;
	ssize_t len;
	/* fix: the end of input (-1) ends the loop. */
	while ((len = getline(&line, &cap, stdin)) != -1) {
		size_t n = (size_t)len;
		if ((n == 5 && memcmp(line, "quit\n", 5) == 0) ||
		    (n == 4 && memcmp(line, "quit", 4) == 0))
			break;
		if (write_all(fd, line, n) < 0) { /* fix: n, not n + 1 */
			perror("upper-client: write");
			return 1;
		}
		for (size_t got = 0; got < n;) { /* fix: the whole reply */
			size_t want = n - got;
			if (want > sizeof reply)
				want = sizeof reply;
			ssize_t k = read(fd, reply, want);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				perror("upper-client: read");
				return 1;
			}
			if (k == 0) {
				fprintf(stderr, "upper-client: error: server "
					"closed the connection\n");
				return 1;
			}
			fwrite(reply, 1, (size_t)k, stdout);
			got += (size_t)k;
		}
	}
	free(line);
	fflush(stdout);
	close(fd);
	return 0;
}

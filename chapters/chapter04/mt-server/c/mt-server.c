/*
 * mt-server.c: the source notes' multi-thread echo server, corrected.
 * The main thread accepts; a detached thread echoes each client.
 *
 *   cc -Wall -pthread -o mt-server mt-server.c
 *   ./mt-server <ip> <port>            (port 0: any free port)
 *
 * It serves until it is stopped (SIGINT, SIGTERM). What changed from
 * the source, each marked "fix" below:
 *   - the address and the port are checked; bad input exits 2;
 *   - each thread gets its own copy of the descriptor on the heap and
 *     frees it, instead of a slot of a global array of 128 that is
 *     never reused (the source stops at its 128th client, however few
 *     are connected);
 *   - pthread_create's result is checked, and the thread is created
 *     detached, so nobody has to join it;
 *   - the thread reads with the count read returned, completes every
 *     write, and closes its socket on every way out (the source's
 *     thread leaks it when read fails);
 *   - accept's EINTR and ECONNABORTED do not end the server, and
 *     running out of descriptors (EMFILE) only pauses it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
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

/* serve is one client's thread: echo until it closes. */
static void *serve(void *arg)
{
	int cfd = *(int *)arg;
	char buf[1024];

	free(arg);
	for (;;) {
		ssize_t n = read(cfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("mt-server: client: read");
			break;
		}
		if (n == 0)
			break;
		if (write_all(cfd, buf, (size_t)n) < 0) {
			perror("mt-server: client: write");
			break;
		}
	}
	close(cfd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	pthread_attr_t attr;
	socklen_t len;
	int port, lfd, err;
	char text[INET6_ADDRSTRLEN + 8];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "mt-server: error: want 2 arguments: <ip> <port>\n");
		return 2;
	}
	memset(&ss, 0, sizeof ss);
	port = parse_port(argv[2]);
	if (port < 0) {
		fprintf(stderr, "mt-server: error: invalid port \"%s\" "
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
		fprintf(stderr, "mt-server: error: invalid ip address \"%s\"\n",
			argv[1]);
		return 2;
	}

	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("mt-server: error: socket");
		return 1;
	}
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0) {
		perror("mt-server: error: bind");
		return 1;
	}
	if (listen(lfd, 128) < 0) {
		perror("mt-server: error: listen");
		return 1;
	}
	len = sizeof ss;
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		perror("mt-server: error: getsockname");
		return 1;
	}
	addr_text(&ss, text, sizeof text);
	printf("listening on %s\n", text);

	/* fix: detached threads, created so from the start */
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		pthread_t t;
		int cfd, *arg;

		cfd = accept(lfd, NULL, NULL);
		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (cfd < 0 && (errno == EMFILE || errno == ENFILE)) {
			perror("mt-server: accept");
			sleep(1); /* fix: wait for a client to leave */
			continue;
		}
		if (cfd < 0) {
			perror("mt-server: error: accept");
			return 1;
		}
		arg = malloc(sizeof *arg); /* fix: a copy per thread */
		if (arg == NULL) {
			close(cfd);
			continue;
		}
		*arg = cfd;
		err = pthread_create(&t, &attr, serve, arg);
		if (err != 0) {
			fprintf(stderr, "mt-server: pthread_create: %s\n",
				strerror(err));
			free(arg);
			close(cfd);
		}
	}
}

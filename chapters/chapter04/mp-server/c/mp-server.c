/*
 * mp-server.c: the source notes' multi-process echo server, corrected.
 * The parent accepts; a child process (fork) echoes each client.
 *
 *   cc -Wall -o mp-server mp-server.c
 *   ./mp-server <ip> <port>            (port 0: any free port)
 *
 * It serves until it is stopped (SIGINT, SIGTERM). What changed from
 * the source, each marked "fix" below:
 *   - the address and the port are checked; bad input exits 2;
 *   - the SIGCHLD handler is installed with SA_RESTART, so a child's
 *     exit does not make accept fail with EINTR (11-concurrent-servers,
 *     accept-eintr); EINTR is still retried, as the source's fix does;
 *   - the handler reaps every finished child (a waitpid loop with
 *     WNOHANG: signals of several children can merge into one), saves
 *     and restores errno, and calls no printf (not async-signal-safe);
 *   - the parent closes its copy of each connected socket, so that a
 *     client's close ends the connection (no CLOSE_WAIT left behind);
 *   - the child closes the listening socket, reads with the count read
 *     returned, completes every write, and exits with _exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

/* fix: reap every finished child; only async-signal-safe calls. */
static void reap(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

/* serve is the child: echo until the client closes, then exit. */
static void serve(int cfd)
{
	char buf[1024];

	for (;;) {
		ssize_t n = read(cfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("mp-server: child: read");
			_exit(1);
		}
		if (n == 0)
			_exit(0);
		if (write_all(cfd, buf, (size_t)n) < 0) {
			perror("mp-server: child: write");
			_exit(1);
		}
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct sigaction sa;
	socklen_t len;
	int port, lfd;
	char text[INET6_ADDRSTRLEN + 8];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "mp-server: error: want 2 arguments: <ip> <port>\n");
		return 2;
	}
	memset(&ss, 0, sizeof ss);
	port = parse_port(argv[2]);
	if (port < 0) {
		fprintf(stderr, "mp-server: error: invalid port \"%s\" "
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
		fprintf(stderr, "mp-server: error: invalid ip address \"%s\"\n",
			argv[1]);
		return 2;
	}

	/* fix: SA_RESTART, and the handler in place before any fork */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = reap;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) < 0) {
		perror("mp-server: error: sigaction");
		return 1;
	}

	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("mp-server: error: socket");
		return 1;
	}
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0) {
		perror("mp-server: error: bind");
		return 1;
	}
	if (listen(lfd, 128) < 0) {
		perror("mp-server: error: listen");
		return 1;
	}
	len = sizeof ss;
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0) {
		perror("mp-server: error: getsockname");
		return 1;
	}
	addr_text(&ss, text, sizeof text);
	printf("listening on %s\n", text);

	for (;;) {
		int cfd;
		pid_t pid;

		len = sizeof ss;
		cfd = accept(lfd, (struct sockaddr *)&ss, &len);
		if (cfd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue; /* fix: neither ends the server */
		if (cfd < 0) {
			perror("mp-server: error: accept");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("mp-server: fork");
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(lfd); /* fix: the child does not listen */
			serve(cfd);
		}
		close(cfd); /* fix: the child holds the connection now */
	}
}

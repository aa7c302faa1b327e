/* common.h: what the two C baseline servers share. Written for this
 * notebook after the structure of the source notes' C servers, with
 * their bugs fixed (see 16-measurements.md). IPv4 only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSIZE 65536

/* raise_nofile lifts the soft descriptor limit to the hard one, as the
 * Go runtime does at start-up, so the baselines can hold 10,000
 * connections too. */
static void raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* listen_on parses "ip port", then socket, bind, listen, and prints
 * "listening on ip:port" (flushed: stdout is a pipe, so it is block
 * buffered). Exits 2 on bad usage, 1 on a failed call. */
static int listen_on(const char *prog, int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s <ip> <port>\n", prog);
        exit(2);
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
        fprintf(stderr, "%s: error: bad ip \"%s\"\n", prog, argv[1]);
        exit(2);
    }
    char *end;
    long port = strtol(argv[2], &end, 10);
    /* The source keeps the port in a short: 40000 becomes negative. */
    if (*argv[2] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "%s: error: bad port \"%s\"\n", prog, argv[2]);
        exit(2);
    }
    addr.sin_port = htons((unsigned short)port);

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd == -1) { perror("socket"); exit(1); }
    int on = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) == -1) {
        perror("bind"); exit(1);
    }
    /* The source's backlog of 5 drops SYNs under a burst of clients. */
    if (listen(lfd, SOMAXCONN) == -1) { perror("listen"); exit(1); }

    socklen_t len = sizeof addr;
    getsockname(lfd, (struct sockaddr *)&addr, &len);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip);
    printf("listening on %s:%d\n", ip, ntohs(addr.sin_port));
    fflush(stdout);
    return lfd;
}

/* echo_loop echoes until EOF or an error. It writes every byte it read
 * (write may be short) and never relies on a terminating NUL. */
static void echo_loop(int fd) {
    char buf[BUFSIZE];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) return;            /* the client closed */
        if (n < 0) {
            if (errno == EINTR) continue;
            return;                    /* e.g. ECONNRESET */
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w < 0) {
                if (errno == EINTR) continue;
                return;
            }
            off += w;
        }
    }
}

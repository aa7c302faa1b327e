/* fork-server: the source notes' multi-process echo server in C, one
 * child process per connection, used as a baseline by echo-bench.
 * Usage: fork-server <ip> <port> */
#include "common.h"
#include <signal.h>
#include <sys/wait.h>

/* Reap every child that has exited. waitpid returns 0 when children
 * are alive but none has exited, -1 when there are none left. */
static void reap(int sig) {
    (void)sig;
    int saved = errno;                 /* the handler must not clobber it */
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

int main(int argc, char **argv) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reap;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;                   /* no SA_RESTART: accept sees EINTR */
    sigaction(SIGCHLD, &sa, NULL);

    raise_nofile();
    int lfd = listen_on("fork-server", argc, argv);
    for (;;) {
        int cfd = accept(lfd, NULL, NULL);
        if (cfd == -1) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno == EMFILE || errno == ENFILE) {
                perror("accept");
                continue;
            }
            perror("accept");
            return 1;
        }
        pid_t pid = fork();
        if (pid == -1) {
            perror("fork");
            close(cfd);
            continue;
        }
        if (pid == 0) {                /* child: serve this client only */
            close(lfd);
            echo_loop(cfd);
            close(cfd);
            _exit(0);
        }
        /* Parent: the source forgets this close, so every socket stays
         * open in the parent and the client never sees the end. */
        close(cfd);
    }
}

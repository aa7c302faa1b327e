/* pthread-server: the source notes' multi-thread echo server in C, one
 * detached thread per connection, used as a baseline by echo-bench.
 * Usage: pthread-server <ip> <port> */
#include "common.h"
#include <pthread.h>

/* Each thread gets its own heap block instead of a slot in a fixed
 * array of 128: the source used slot 128 before checking the bound and
 * never reused a slot. */
struct conn_info {
    int fd;
};

static void *serve(void *arg) {
    struct conn_info *ci = arg;
    echo_loop(ci->fd);
    close(ci->fd);
    free(ci);
    return NULL;
}

int main(int argc, char **argv) {
    raise_nofile();
    int lfd = listen_on("pthread-server", argc, argv);

    /* Small stacks: 10,000 threads with 8 MiB each would reserve 80 GiB
     * of address space. The echo loop needs its 64 KiB buffer. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

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
        struct conn_info *ci = malloc(sizeof *ci);
        if (ci == NULL) {
            close(cfd);
            continue;
        }
        ci->fd = cfd;
        pthread_t tid;
        int err = pthread_create(&tid, &attr, serve, ci);
        if (err != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            close(cfd);
            free(ci);
        }
    }
}

// Every socket this process creates or accepts is close-on-exec.
//
// Why: NIO creates sockets (ClientBootstrap's connects, ServerBootstrap's unix-domain and TCP
// listeners — Hummingbird's REST listener included) with socket(domain, type | SOCK_NONBLOCK, 0)
// and accepts with accept4(fd, NULL, NULL, SOCK_NONBLOCK); it offers no hook to add SOCK_CLOEXEC
// nor any public way to reach a channel's descriptor before it is used. Without the flag, every
// child process spawned by anything in Tandem (a tool run by the satellite or the engine, a
// test's `sh -c`) inherits every socket open at that moment — a replication link in either
// direction, an NBD client, `tandem adm` and its admin socket, the controller's session to a
// satellite — and keeps it open for its whole life: closing our side then does not hang up on
// the other end, and a listener stays in LISTEN so the next bind of its port or path fails.
//
// How: these definitions of the C library's socket, accept and accept4 are linked into the
// executable, so the static linker binds every call in the program (NIO's sysSocket and
// CNIOLinux_accept4 included) to them rather than to libc's, and the dynamic linker binds the
// shared libraries' calls (Foundation) to the executable's copy first. They make the system
// call themselves with SOCK_CLOEXEC added, so the descriptor is never, even for an instant,
// inheritable (an fcntl afterwards would leave a window in which another thread's fork
// inherits it). socketpair is left alone on purpose: libfuse hands one end of a socketpair to
// fusermount3 across its exec, and that end must stay inheritable.
#define _GNU_SOURCE
#include "CCloseOnExecSockets.h"
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int socket(int domain, int type, int protocol) {
    return (int)syscall(SYS_socket, domain, type | SOCK_CLOEXEC, protocol);
}

int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return (int)syscall(SYS_accept4, fd, address, length, flags | SOCK_CLOEXEC);
}

int accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, 0);
}

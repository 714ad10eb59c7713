// Every socket this process accepts is created close-on-exec.
//
// Why: NIO (ServerSocket.accept) calls accept4(fd, NULL, NULL, SOCK_NONBLOCK) and offers no hook
// to add SOCK_CLOEXEC nor any public way to reach an accepted channel's descriptor. Without the
// flag, every child process spawned by anything in Tandem (a tool run by the satellite or the
// engine, a test's `sh -c`) inherits every connection open at that moment — a peer's replication
// link, an NBD client, `tandem adm`, the controller's session — and keeps it open for its whole
// life: closing our side then does not hang up on the other end. Listening sockets are made
// close-on-exec by ListenerSupport; this covers what they accept.
//
// How: these definitions of the C library's accept and accept4 are linked into the executable,
// so the static linker binds every call in the program (NIO's CNIOLinux_accept4 included) to
// them rather than to libc's. They make the system call themselves with SOCK_CLOEXEC added, so
// the descriptor is never, even for an instant, inheritable (an fcntl after accept would leave a
// window in which another thread's fork inherits it).
#define _GNU_SOURCE
#include "CCloseOnExecAccept.h"
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return (int)syscall(SYS_accept4, fd, address, length, flags | SOCK_CLOEXEC);
}

int accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, 0);
}

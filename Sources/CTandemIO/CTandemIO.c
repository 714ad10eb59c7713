#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/uio.h>
#include "CTandemIO.h"

int ctandem_fallocate(int fd, int mode, int64_t offset, int64_t length) {
#ifdef __linux__
    return fallocate(fd, mode, (off_t)offset, (off_t)length);
#else
    errno = ENOTSUP;
    return -1;
#endif
}

int ctandem_o_direct(void) {
#ifdef O_DIRECT
    return O_DIRECT;
#else
    return 0;
#endif
}

#ifdef __linux__
#include <sys/prctl.h>
#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif
#endif

int ctandem_set_io_flusher(void) {
#ifdef __linux__
    return prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);
#else
    errno = ENOTSUP;
    return -1;
#endif
}

long ctandem_pread_nowait(int fd, void *buffer, long length, int64_t offset) {
#ifdef RWF_NOWAIT
    struct iovec vector = { .iov_base = buffer, .iov_len = (size_t)length };
    return (long)preadv2(fd, &vector, 1, (off_t)offset, RWF_NOWAIT);
#else
    (void)fd; (void)buffer; (void)length; (void)offset;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
#endif

int ctandem_range_cached(int fd, int64_t offset, int64_t length) {
#ifdef __linux__
    struct { uint64_t off, len; } range = { (uint64_t)offset, (uint64_t)length };
    struct { uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; } stat = { 0 };
    if (length <= 0 || offset < 0) { errno = EINVAL; return -1; }
    if (syscall(__NR_cachestat, fd, &range, &stat, 0) != 0) return -1;
    uint64_t first = (uint64_t)offset / 4096, last = ((uint64_t)offset + (uint64_t)length - 1) / 4096;
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0 && page != 4096) {
        first = (uint64_t)offset / (uint64_t)page; last = ((uint64_t)offset + (uint64_t)length - 1) / (uint64_t)page;
    }
    return stat.nr_cache >= last - first + 1 ? 1 : 0;
#else
    (void)fd; (void)offset; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

#include <linux/loop.h>
#include <sys/ioctl.h>

int ctandem_loop_set_autoclear(int fd) {
    struct loop_info64 info;
    if (ioctl(fd, LOOP_GET_STATUS64, &info) != 0) return -1;
    info.lo_flags |= LO_FLAGS_AUTOCLEAR;
    return ioctl(fd, LOOP_SET_STATUS64, &info);
}

#ifdef __GLIBC__
#include <malloc.h>
#endif

int ctandem_malloc_set_arena_max(int arenas) {
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    return mallopt(M_ARENA_MAX, arenas) == 1 ? 0 : -1;
#else
    (void)arenas;
    return -1;
#endif
}

int ctandem_malloc_keep_free_memory(long mmap_threshold, long trim_threshold) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    if (mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) != 1) return -1;
    return mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1 ? 0 : -1;
#else
    (void)mmap_threshold; (void)trim_threshold;
    return -1;
#endif
}

int ctandem_malloc_trim(void) {
#ifdef __GLIBC__
    return malloc_trim(0);
#else
    return 0;
#endif
}

#ifdef __linux__
#include <sys/epoll.h>

int ctandem_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int ctandem_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int ctandem_epoll_watch_readable(int epfd, int fd) {
    struct epoll_event event = { .events = EPOLLIN | EPOLLRDHUP, .data = { .fd = fd } };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event);
}

int ctandem_epoll_unwatch(int epfd, int fd) {
    struct epoll_event event = { 0 };
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &event);
}

int ctandem_epoll_ready_now(int epfd) {
    struct epoll_event event;
    return epoll_wait(epfd, &event, 1, 0);
}

#include <linux/sockios.h>
#include <sys/ioctl.h>

int ctandem_socket_unconsumed_output(int fd) {
    int queued = 0;
    if (ioctl(fd, SIOCOUTQ, &queued) != 0) return -1;
    return queued;
}
#else
// No pipe2 here: the flag is set right after, which leaves a short window for a spawn.
int ctandem_pipe_cloexec(int fds[2]) {
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

int ctandem_epoll_create(void) { errno = ENOSYS; return -1; }
int ctandem_epoll_watch_readable(int epfd, int fd) { (void)epfd; (void)fd; errno = ENOSYS; return -1; }
int ctandem_epoll_unwatch(int epfd, int fd) { (void)epfd; (void)fd; errno = ENOSYS; return -1; }
int ctandem_epoll_ready_now(int epfd) { (void)epfd; errno = ENOSYS; return -1; }
int ctandem_socket_unconsumed_output(int fd) { (void)fd; errno = ENOSYS; return -1; }
#endif

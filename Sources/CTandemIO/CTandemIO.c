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

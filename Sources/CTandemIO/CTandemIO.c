#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

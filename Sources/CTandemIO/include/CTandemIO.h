// Linux calls Swift's Glibc module does not export (they need _GNU_SOURCE): fallocate modes and
// O_DIRECT for block-device style file I/O.
#ifndef CTANDEMIO_H
#define CTANDEMIO_H
#include <stdint.h>

/// fallocate(2); returns 0 or -1 with errno set (ENOTSUP where the filesystem cannot do it).
int ctandem_fallocate(int fd, int mode, int64_t offset, int64_t length);
/// The O_DIRECT open flag (0 where the platform has none).
int ctandem_o_direct(void);



/// prctl(PR_SET_IO_FLUSHER, 1): the process serves a block device, so its memory allocations must
/// not wait on I/O reclaim (avoids the writeback deadlock of user-space block devices). Needs
/// CAP_SYS_RESOURCE; returns 0 or -1 with errno.
int ctandem_set_io_flusher(void);
/// preadv2(RWF_NOWAIT): reads only what the page cache already holds, never waiting for the
/// disk. Returns the byte count (possibly short), or -1 with errno (EAGAIN: nothing cached;
/// EOPNOTSUPP/ENOSYS: the file or kernel cannot do non-blocking reads).
long ctandem_pread_nowait(int fd, void *buffer, long length, int64_t offset);
/// cachestat(2) (Linux 6.5+): 1 if every page of the range is in the page cache, 0 if not, -1
/// with errno if the kernel or file cannot tell (ENOSYS on older kernels).
int ctandem_range_cached(int fd, int64_t offset, int64_t length);
/// Sets LO_FLAGS_AUTOCLEAR on the loop device open as `fd` (LOOP_GET_STATUS64, then
/// LOOP_SET_STATUS64 with the flag added): the kernel detaches it at its last close, as
/// `mount -o loop` does. Returns 0 or -1 with errno.
int ctandem_loop_set_autoclear(int fd);
/// mallopt(M_ARENA_MAX, arenas): glibc's malloc uses at most that many arenas (its default is
/// 8 per core, one per allocating thread). Returns 0, or -1 where the C library cannot.
int ctandem_malloc_set_arena_max(int arenas);
/// mallopt(M_MMAP_THRESHOLD, mmap_threshold) and mallopt(M_TRIM_THRESHOLD, trim_threshold):
/// blocks up to `mmap_threshold` bytes come from the heap instead of a mapping of their own,
/// and free's automatic return of the heap's top to the system waits until more than
/// `trim_threshold` bytes are free there. Returns 0, or -1 where the C library cannot.
int ctandem_malloc_keep_free_memory(long mmap_threshold, long trim_threshold);
/// malloc_trim(0): returns the free pages of every malloc arena to the system. Returns 1 if
/// memory was returned, 0 if not (also where the C library has no malloc_trim).
int ctandem_malloc_trim(void);
/// pipe2(fds, O_CLOEXEC): a pipe no child spawned meanwhile by another thread inherits (which
/// would keep its ends open). Returns 0 or -1 with errno.
int ctandem_pipe_cloexec(int fds[2]);
/// epoll_create1(EPOLL_CLOEXEC): a new epoll descriptor, or -1 with errno.
int ctandem_epoll_create(void);
/// Adds `fd` to `epfd`, watched (level-triggered) for readable data and hang-ups. 0, or -1 with errno.
int ctandem_epoll_watch_readable(int epfd, int fd);
/// Removes `fd` from `epfd`. 0, or -1 with errno.
int ctandem_epoll_unwatch(int epfd, int fd);
/// epoll_wait(epfd, ..., timeout 0): how many watched descriptors are ready now (never
/// sleeps), or -1 with errno.
int ctandem_epoll_ready_now(int epfd);
/// ioctl(fd, SIOCOUTQ): what was written to the socket `fd` and its peer has not taken yet (a
/// unix stream socket: memory of data the peer process has not read, 0 once it read it all;
/// TCP: bytes the peer's kernel has not acknowledged), or -1 with errno.
int ctandem_socket_unconsumed_output(int fd);

/// A minimal io_uring (CTandemRing.c), for one thread's use: no call may run concurrently with
/// another on the same ring.
struct ctandem_ring;
/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK): a new eventfd, or -1 with errno.
int ctandem_eventfd(void);
/// Sets up a ring of at least `entries` submission entries; if `eventfd` >= 0 the kernel signals
/// it for every completion posted. NULL with errno (ENOSYS/EPERM where io_uring is unavailable
/// or disabled).
struct ctandem_ring *ctandem_ring_create(unsigned entries, int eventfd);
void ctandem_ring_destroy(struct ctandem_ring *ring);
/// The ring's submission entries (the most requests that can be queued before a submit).
unsigned ctandem_ring_entries(const struct ctandem_ring *ring);
/// Queues pwrite(fd, buffer, length, offset) tagged `user_data`; the kernel sees it at the next
/// submit. 0, or -1 with errno EBUSY when the submission queue is full.
int ctandem_ring_queue_write(struct ctandem_ring *ring, int fd, const void *buffer, unsigned length, uint64_t offset, uint64_t user_data);
/// Hands every queued request to the kernel: how many it took, or -errno.
int ctandem_ring_submit(struct ctandem_ring *ring);
/// Requests queued that the kernel has not taken yet (a failed submit leaves them queued).
unsigned ctandem_ring_unsubmitted(const struct ctandem_ring *ring);
/// Takes one completion if there is one: 1 with its tag and result (bytes, or -errno), else 0.
int ctandem_ring_reap(struct ctandem_ring *ring, uint64_t *user_data, int32_t *result);
#endif

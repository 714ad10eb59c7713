// A minimal io_uring (no liburing on this machine's build image): set up a ring, queue writes,
// submit them, and take completions. Used by the engine's DiskRing: one ring per event loop, only
// ever touched by that loop's thread, so none of this needs locks; the kernel's side of the
// shared rings is ordered with acquire/release atomics as io_uring(7) describes.
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "CTandemIO.h"

#ifdef __linux__
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int ctandem_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

struct ctandem_ring {
    int fd;
    unsigned sq_entries, cq_entries;
    // Submission queue (indices into sqes) and completion queue, mapped from the kernel.
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_cqe *cqes;
    struct io_uring_sqe *sqes;
    void *sq_map, *cq_map;
    size_t sq_map_bytes, cq_map_bytes, sqes_bytes;
    // SQEs filled since the last submit (the kernel sees them once the tail is published).
    unsigned queued;
};

static void ring_unmap(struct ctandem_ring *r) {
    if (r->sqes && r->sqes != MAP_FAILED) munmap(r->sqes, r->sqes_bytes);
    if (r->cq_map && r->cq_map != MAP_FAILED && r->cq_map != r->sq_map) munmap(r->cq_map, r->cq_map_bytes);
    if (r->sq_map && r->sq_map != MAP_FAILED) munmap(r->sq_map, r->sq_map_bytes);
}

struct ctandem_ring *ctandem_ring_create(unsigned entries, int eventfd) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0) return NULL;
    struct ctandem_ring *r = calloc(1, sizeof *r);
    if (!r) { close(fd); errno = ENOMEM; return NULL; }
    r->fd = fd;
    r->sq_entries = p.sq_entries;
    r->cq_entries = p.cq_entries;
    r->sq_map_bytes = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    r->cq_map_bytes = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        if (r->cq_map_bytes > r->sq_map_bytes) r->sq_map_bytes = r->cq_map_bytes;
        r->cq_map_bytes = r->sq_map_bytes;
    }
    r->sq_map = mmap(NULL, r->sq_map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (r->sq_map == MAP_FAILED) goto fail;
    if (p.features & IORING_FEAT_SINGLE_MMAP) {
        r->cq_map = r->sq_map;
    } else {
        r->cq_map = mmap(NULL, r->cq_map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
        if (r->cq_map == MAP_FAILED) goto fail;
    }
    r->sqes_bytes = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = mmap(NULL, r->sqes_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) goto fail;
    char *sq = r->sq_map, *cq = r->cq_map;
    r->sq_head = (unsigned *)(sq + p.sq_off.head);
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    if (eventfd >= 0 && syscall(__NR_io_uring_register, fd, IORING_REGISTER_EVENTFD, &eventfd, 1) != 0) goto fail;
    return r;
fail:;
    int saved = errno;
    ring_unmap(r);
    close(fd);
    free(r);
    errno = saved;
    return NULL;
}

void ctandem_ring_destroy(struct ctandem_ring *r) {
    if (!r) return;
    ring_unmap(r);
    close(r->fd);
    free(r);
}

unsigned ctandem_ring_entries(const struct ctandem_ring *r) { return r->sq_entries; }

int ctandem_ring_queue_write(struct ctandem_ring *r, int fd, const void *buffer, unsigned length, uint64_t offset, uint64_t user_data) {
    unsigned head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
    unsigned tail = *r->sq_tail + r->queued;
    if (tail - head >= r->sq_entries) { errno = EBUSY; return -1; }
    unsigned index = tail & *r->sq_mask;
    struct io_uring_sqe *sqe = &r->sqes[index];
    memset(sqe, 0, sizeof *sqe);
    sqe->opcode = IORING_OP_WRITE;
    sqe->fd = fd;
    sqe->addr = (uint64_t)(uintptr_t)buffer;
    sqe->len = length;
    sqe->off = offset;
    sqe->user_data = user_data;
    r->sq_array[index] = index;
    r->queued += 1;
    return 0;
}

int ctandem_ring_submit(struct ctandem_ring *r) {
    // Publish the filled entries before the kernel may look at the tail.
    if (r->queued) __atomic_store_n(r->sq_tail, *r->sq_tail + r->queued, __ATOMIC_RELEASE);
    r->queued = 0;
    // Entries an earlier, failed enter left in the queue are handed over again with the new ones.
    unsigned count = *r->sq_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
    if (count == 0) return 0;
    for (;;) {
        long n = syscall(__NR_io_uring_enter, r->fd, count, 0, 0, NULL, 0);
        if (n >= 0) return (int)n;
        if (errno != EINTR) return -errno;
    }
}

/// Requests queued or published that the kernel has not taken yet.
unsigned ctandem_ring_unsubmitted(const struct ctandem_ring *r) {
    return r->queued + *r->sq_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
}

int ctandem_ring_reap(struct ctandem_ring *r, uint64_t *user_data, int32_t *result) {
    unsigned head = *r->cq_head;
    if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE)) return 0;
    struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
    *user_data = cqe->user_data;
    *result = cqe->res;
    __atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
    return 1;
}

#else
int ctandem_eventfd(void) { errno = ENOSYS; return -1; }
struct ctandem_ring *ctandem_ring_create(unsigned entries, int eventfd) { (void)entries; (void)eventfd; errno = ENOSYS; return NULL; }
void ctandem_ring_destroy(struct ctandem_ring *r) { (void)r; }
unsigned ctandem_ring_entries(const struct ctandem_ring *r) { (void)r; return 0; }
int ctandem_ring_queue_write(struct ctandem_ring *r, int fd, const void *buffer, unsigned length, uint64_t offset, uint64_t user_data) {
    (void)r; (void)fd; (void)buffer; (void)length; (void)offset; (void)user_data; errno = ENOSYS; return -1;
}
int ctandem_ring_submit(struct ctandem_ring *r) { (void)r; return -ENOSYS; }
unsigned ctandem_ring_unsubmitted(const struct ctandem_ring *r) { (void)r; return 0; }
int ctandem_ring_reap(struct ctandem_ring *r, uint64_t *user_data, int32_t *result) { (void)r; (void)user_data; (void)result; return 0; }
#endif

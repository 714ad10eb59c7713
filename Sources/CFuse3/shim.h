// libfuse 3 low-level API (Debian 12: libfuse3-dev 3.14). The high-level fuse_main is a macro
// Swift cannot call; the low-level API lets replies be sent asynchronously from Swift tasks.
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <sys/stat.h>

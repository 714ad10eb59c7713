// zlib (Debian: zlib1g-dev) for gzip-compressed REST answers.
#include <zlib.h>

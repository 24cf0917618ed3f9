// The Linux calls Swift's Glibc module leaves out: glibc declares them only under
// _GNU_SOURCE, which that module is not built with. Used by System/SystemCalls.swift alone.
#include <stdint.h>

int sync_file_range(int fd, int64_t offset, int64_t count, unsigned int flags);

enum {
    SWIFTDUMP_SYNC_FILE_RANGE_WAIT_BEFORE = 1,
    SWIFTDUMP_SYNC_FILE_RANGE_WRITE = 2,
    SWIFTDUMP_SYNC_FILE_RANGE_WAIT_AFTER = 4,
};

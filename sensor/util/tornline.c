/* tornline.c - see tornline.h. */
#include "tornline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int otw_cut_torn_line(const char *path, uint64_t *removed, char *err, size_t errsz)
{
    *removed = 0;
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errsz, "%s: %s%s", path, strerror(errno),
                 errno == ELOOP ? " (a link: refused)" : "");
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errsz, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    /* Back from the end to the last newline, a block at a time. */
    off_t end = st.st_size, keep = 0;
    char buf[4096];
    while (end > 0) {
        size_t n = end < (off_t)sizeof(buf) ? (size_t)end : sizeof(buf);
        if (pread(fd, buf, n, end - (off_t)n) != (ssize_t)n) {
            snprintf(err, errsz, "%s: cannot read: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        size_t i = n;
        while (i > 0 && buf[i - 1] != '\n')
            i--;
        if (i > 0) {
            keep = end - (off_t)n + (off_t)i;
            break;
        }
        end -= (off_t)n;
    }
    if (keep < st.st_size) {
        if (ftruncate(fd, keep) != 0) {
            snprintf(err, errsz, "%s: cannot cut the torn last line: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        *removed = (uint64_t)(st.st_size - keep);
    }
    close(fd);
    return 0;
}

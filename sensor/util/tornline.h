/* tornline.h - repair of an append-only line file after a crash.
 *
 * A process killed in the middle of appending leaves a last line without
 * its newline; the next process would glue its first record onto it and
 * both would be unreadable. */
#ifndef OTW_TORNLINE_H
#define OTW_TORNLINE_H

#include <stddef.h>
#include <stdint.h>

/* Cuts the torn last line of path, if any, so the file ends with a newline
 * (or is empty). *removed: bytes cut. A missing file is fine (0); a link or
 * a file that is not regular is refused (-1 + err). */
int otw_cut_torn_line(const char *path, uint64_t *removed, char *err, size_t errsz);

#endif

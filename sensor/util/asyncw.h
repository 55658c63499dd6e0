/* asyncw.h - append-only file output written by a background thread.
 *
 * The packet thread appends into one of two large buffers; a full buffer is
 * handed to a writer thread and the other one is filled meanwhile. The
 * operations log, written for every industrial request, so costs the packet
 * path a memcpy instead of the kernel's write path. Order is preserved. */
#ifndef OTW_ASYNCW_H
#define OTW_ASYNCW_H

#include <stddef.h>
#include <stdint.h>

typedef struct otw_asyncw otw_asyncw;

/* Opens path for appending; NULL + err on failure. */
otw_asyncw *otw_asyncw_open(const char *path, size_t buffer_bytes, char *err, size_t errsz);

/* Records instead of bytes: appends are fixed-size records of rec_size
 * bytes, turned into text by render() on the writer thread (so formatting
 * costs the packet path nothing either). render returns the text length
 * written to out (0 = skip the record). */
typedef size_t (*otw_asyncw_render_fn)(const void *rec, char *out, size_t outsz);
otw_asyncw *otw_asyncw_open_records(const char *path, size_t buffer_bytes, size_t rec_size,
                                    otw_asyncw_render_fn render, char *err, size_t errsz);
/* Called on the writer thread with each piece of text once it is written
 * whole (never with text a failed write lost): the operations log chains
 * its lines there (chain.h). Set before the first append. */
typedef void (*otw_asyncw_written_fn)(void *ctx, const char *text, size_t len);
void otw_asyncw_on_written(otw_asyncw *w, otw_asyncw_written_fn fn, void *ctx);
/* Appends len bytes (len <= buffer_bytes). Blocks only when both buffers
 * are full (the disk is slower than the capture). */
void otw_asyncw_append(otw_asyncw *w, const void *data, size_t len);
/* Waits until everything appended so far is written. 0, or -1 if a write
 * failed since the last flush. */
int otw_asyncw_flush(otw_asyncw *w);
uint64_t otw_asyncw_failed_bytes(const otw_asyncw *w);
/* Flushes, stops the thread and closes the file. */
void otw_asyncw_close(otw_asyncw *w);

#endif

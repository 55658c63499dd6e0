/* asyncw.c - see asyncw.h. */
#include "asyncw.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct otw_asyncw {
    int fd;
    size_t cap;
    char *fill; /* the buffer the packet thread appends to */
    size_t fill_len;
    char *out; /* the buffer the writer thread owns while busy */
    size_t out_len;
    bool busy, stop, failed;
    size_t rec_size; /* 0: plain bytes */
    otw_asyncw_render_fn render;
    otw_asyncw_written_fn on_written;
    void *written_ctx;
    uint64_t failed_bytes;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
};

static void write_all(otw_asyncw *w, const char *p, size_t n)
{
    const char *start = p;
    size_t total = n;
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            w->failed = true;
            w->failed_bytes += n;
            return;
        }
        p += k;
        n -= (size_t)k;
    }
    if (w->on_written && total)
        w->on_written(w->written_ctx, start, total);
}

/* Renders a buffer of records and writes the text in large chunks. */
static void write_records(otw_asyncw *w, const char *p, size_t n)
{
    static __thread char text[1 << 16];
    size_t used = 0;
    for (size_t off = 0; off + w->rec_size <= n; off += w->rec_size) {
        if (sizeof(text) - used < 4096) {
            write_all(w, text, used);
            used = 0;
        }
        used += w->render(p + off, text + used, sizeof(text) - used);
    }
    write_all(w, text, used);
}

static void *writer(void *arg)
{
    otw_asyncw *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->cv, &w->mu);
        if (!w->busy && w->stop)
            break;
        pthread_mutex_unlock(&w->mu);
        if (w->rec_size)
            write_records(w, w->out, w->out_len);
        else
            write_all(w, w->out, w->out_len);
        pthread_mutex_lock(&w->mu);
        w->busy = false;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

otw_asyncw *otw_asyncw_open(const char *path, size_t buffer_bytes, char *err, size_t errsz)
{
    otw_asyncw *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    w->cap = buffer_bytes;
    w->fill = malloc(buffer_bytes);
    w->out = malloc(buffer_bytes);
    w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (w->fd < 0 || !w->fill || !w->out) {
        snprintf(err, errsz, "cannot open %s: %s", path, w->fd < 0 ? strerror(errno) : "no memory");
        if (w->fd >= 0)
            close(w->fd);
        free(w->fill);
        free(w->out);
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, writer, w) != 0) {
        snprintf(err, errsz, "cannot start the writer thread for %s", path);
        close(w->fd);
        free(w->fill);
        free(w->out);
        free(w);
        return NULL;
    }
    return w;
}

/* Hands the fill buffer to the writer (waiting for it to be free). */
static void hand_over(otw_asyncw *w)
{
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    char *t = w->out;
    w->out = w->fill;
    w->out_len = w->fill_len;
    w->fill = t;
    w->fill_len = 0;
    w->busy = w->out_len > 0;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void otw_asyncw_append(otw_asyncw *w, const void *data, size_t len)
{
    if (len > w->cap) {
        w->failed_bytes += len;
        return;
    }
    if (w->fill_len + len > w->cap)
        hand_over(w);
    memcpy(w->fill + w->fill_len, data, len);
    w->fill_len += len;
}

int otw_asyncw_flush(otw_asyncw *w)
{
    hand_over(w);
    pthread_mutex_lock(&w->mu);
    while (w->busy)
        pthread_cond_wait(&w->cv, &w->mu);
    bool failed = w->failed;
    w->failed = false;
    pthread_mutex_unlock(&w->mu);
    return failed ? -1 : 0;
}

otw_asyncw *otw_asyncw_open_records(const char *path, size_t buffer_bytes, size_t rec_size,
                                    otw_asyncw_render_fn render, char *err, size_t errsz)
{
    /* A whole number of records per buffer, so none is split. */
    size_t bytes = buffer_bytes - buffer_bytes % rec_size;
    otw_asyncw *w = otw_asyncw_open(path, bytes, err, errsz);
    if (w) {
        w->rec_size = rec_size;
        w->render = render;
    }
    return w;
}

void otw_asyncw_on_written(otw_asyncw *w, otw_asyncw_written_fn fn, void *ctx)
{
    pthread_mutex_lock(&w->mu); /* the writer reads them after taking mu */
    w->on_written = fn;
    w->written_ctx = ctx;
    pthread_mutex_unlock(&w->mu);
}

uint64_t otw_asyncw_failed_bytes(const otw_asyncw *w)
{
    return w->failed_bytes;
}

void otw_asyncw_close(otw_asyncw *w)
{
    if (!w)
        return;
    otw_asyncw_flush(w);
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    close(w->fd);
    free(w->fill);
    free(w->out);
    free(w);
}

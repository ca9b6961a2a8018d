/* ds_output.c - atomic, optionally gzip'd JSONL/array dataset writer. */
#include "config.h"

#include "ds_output.h"
#include "ds_json_rewrite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GZ_CHUNK = 1 << 16 };

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

bool ds_output_is_gz(const char *path)
{
    return ends_with(path, ".gz");
}

ds_layout ds_output_layout_for(const char *path)
{
    return ends_with(path, ".json") || ends_with(path, ".json.gz") ? DS_LAYOUT_ARRAY
                                                                   : DS_LAYOUT_JSONL;
}

static int put(ds_output *o, const void *p, size_t n, char *err, size_t errlen)
{
    o->bytes += n;
    if (!o->gz) {
        if (n && fwrite(p, 1, n, o->af.fp) != n) {
            snprintf(err, errlen, "%s: write failed: %s", o->af.path, strerror(errno));
            return -1;
        }
        return 0;
    }
    unsigned char buf[GZ_CHUNK];
    o->z.next_in = (unsigned char *)(uintptr_t)p;
    o->z.avail_in = (uInt)n;
    int flush = p ? Z_NO_FLUSH : Z_FINISH, zrc;
    do {
        o->z.next_out = buf;
        o->z.avail_out = sizeof buf;
        zrc = deflate(&o->z, flush);
        size_t have = sizeof buf - o->z.avail_out;
        if (zrc == Z_STREAM_ERROR || (have && fwrite(buf, 1, have, o->af.fp) != have)) {
            snprintf(err, errlen, "%s: write failed: %s", o->af.path,
                     zrc == Z_STREAM_ERROR ? "zlib stream error" : strerror(errno));
            return -1;
        }
    } while (o->z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

int ds_output_open(ds_output *o, const char *path, ds_layout layout, char *err, size_t errlen)
{
    *o = (ds_output){.layout = layout, .gz = ds_output_is_gz(path)};
    if (atomic_file_open(&o->af, path, err, errlen) != 0)
        return -1;
    if (o->gz && deflateInit2(&o->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                              Z_DEFAULT_STRATEGY) != Z_OK) {
        snprintf(err, errlen, "%s: cannot start writing the temporary file", path);
        o->gz = false;
        atomic_file_abort(&o->af);
        return -1;
    }
    if (layout == DS_LAYOUT_ARRAY && put(o, "[", 1, err, errlen) != 0) {
        ds_output_abort(o);
        return -1;
    }
    return 0;
}

static bool spans_lines(const char *text, size_t len)
{
    return memchr(text, '\n', len) || memchr(text, '\r', len);
}

int ds_output_record(ds_output *o, const char *text, size_t len, char *err, size_t errlen)
{
    const char *sep = o->layout == DS_LAYOUT_ARRAY ? (o->records ? ",\n" : "\n") : "";
    char *compact = NULL, why[256];
    if (o->layout == DS_LAYOUT_JSONL && spans_lines(text, len)) {
        if (ds_json_compact(text, len, &compact, &len, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: record %zu: %s", o->af.path, o->records + 1, why);
            return -1;
        }
        text = compact;
    }
    int rc = put(o, sep, strlen(sep), err, errlen);
    if (rc == 0)
        rc = put(o, text, len, err, errlen);
    if (rc == 0 && o->layout == DS_LAYOUT_JSONL)
        rc = put(o, "\n", 1, err, errlen);
    free(compact);
    o->records += rc == 0;
    return rc;
}

int ds_output_finish(ds_output *o, char *err, size_t errlen)
{
    if (o->finished)
        return 0;
    const char *end = o->layout != DS_LAYOUT_ARRAY ? "" : o->records ? "\n]\n" : "]\n";
    int rc = put(o, end, strlen(end), err, errlen);
    if (rc == 0 && o->gz)
        rc = put(o, NULL, 0, err, errlen);
    if (o->gz)
        deflateEnd(&o->z);
    o->gz = false;
    o->finished = true;
    if (rc != 0) {
        atomic_file_abort(&o->af);
        return -1;
    }
    return atomic_file_sync(&o->af, err, errlen);
}

int ds_output_commit(ds_output *o, char *err, size_t errlen)
{
    if (ds_output_finish(o, err, errlen) != 0)
        return -1;
    return atomic_file_commit(&o->af, err, errlen);
}

void ds_output_abort(ds_output *o)
{
    if (o->gz)
        deflateEnd(&o->z);
    o->gz = false;
    atomic_file_abort(&o->af);
}

/* ds_type_probe.c - records against their configured type, and the type they
 * look like instead (see ds_type_probe.h). */
#include "ds_type_probe.h"

#include <stdio.h>
#include <string.h>

/* Bad records whose keys ds_type_probe_bad looks at. */
#define BAD_LOOKED 256

/* The format with most VOTES (ties to the lower), when it is not OWN and got any. */
static ds_format winner(const size_t votes[DS_FMT_INPUT_OUTPUT + 1], ds_format own)
{
    ds_format best = DS_FMT_AUTO;
    for (int f = DS_FMT_ALPACA; f <= DS_FMT_INPUT_OUTPUT; f++)
        if (votes[f] > 0 && (best == DS_FMT_AUTO || votes[f] > votes[best]))
            best = (ds_format)f;
    return best == own ? DS_FMT_AUTO : best;
}

static void vote(const dataset *ds, size_t i, const ds_mapping *map,
                 size_t votes[DS_FMT_INPUT_OUTPUT + 1])
{
    size_t len;
    const char *text = dataset_text(ds, i, &len);
    ds_format f = text ? ds_record_classify(text, len, map) : DS_FMT_AUTO;
    if (f != DS_FMT_AUTO)
        votes[f]++;
}

int ds_type_probe_path(const char *path, ds_format fmt, const ds_mapping *map, size_t max,
                       ds_type_probe *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->looks_like = DS_FMT_AUTO;
    dataset_options opt = {.format = fmt, .map = *map};
    dataset *ds = dataset_new(path, &opt, err, errlen);
    if (!ds || dataset_build(ds, err, errlen) != 0) {
        dataset_free(ds);
        return -1;
    }
    size_t votes[DS_FMT_INPUT_OUTPUT + 1] = {0};
    for (size_t i = 0; i < dataset_count(ds) && i < max; i++) {
        ds_record rec;
        char why[sizeof out->first_why];
        out->looked++;
        if (dataset_get(ds, i, &rec, why, sizeof why) == DATASET_OK) {
            ds_record_clear(&rec);
            continue;
        }
        if (out->misfits++ == 0) {
            out->first_line = dataset_line(ds, i);
            snprintf(out->first_why, sizeof out->first_why, "%s", why);
        }
        vote(ds, i, map, votes);
    }
    out->looks_like = winner(votes, fmt);
    dataset_free(ds);
    return 0;
}

ds_format ds_type_probe_bad(dataset *ds)
{
    size_t votes[DS_FMT_INPUT_OUTPUT + 1] = {0}, looked = 0;
    for (size_t i = 0; i < dataset_count(ds) && looked < BAD_LOOKED; i++)
        if (dataset_is_bad(ds, i)) {
            vote(ds, i, NULL, votes);
            looked++;
        }
    return winner(votes, dataset_format(ds));
}

const char *ds_type_probe_hint(ds_format f, char *buf, size_t len)
{
    if (f == DS_FMT_AUTO)
        snprintf(buf, len, "%s", "");
    else
        snprintf(buf, len, "; these look like %s: set type: %s", ds_format_name(f),
                 ds_format_name(f));
    return buf;
}

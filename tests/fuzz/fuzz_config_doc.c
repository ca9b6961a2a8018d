/* fuzz_config_doc.c - libFuzzer target for editing configs in place
 * (config_doc.h): any bytes either open or are refused with a message; an
 * opened document keeps its bytes exactly, and every edit either applies
 * (and the result reads back, as config_doc guarantees) or leaves the text as
 * it was. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Applies one edit and checks the all-or-nothing promise. */
static void edit(config_doc *d, int which)
{
    char err[512];
    size_t len;
    const char *t = config_doc_text(d, &len);
    char *before = malloc(len + 1);
    if (!before)
        return;
    memcpy(before, t, len + 1);
    const char *const items[] = {"q_proj", "k_proj"};
    int rc;
    switch (which) {
    case 0: rc = config_doc_set(d, "learning_rate", "2.0e-4", err, sizeof err); break;
    case 1: rc = config_doc_unset(d, "sequence_len", err, sizeof err); break;
    case 2: rc = config_doc_list_set(d, "lora_target_modules", items, 2, err, sizeof err); break;
    case 3: rc = config_doc_dataset_add(d, "datasets", "x y.jsonl", "alpaca", err, sizeof err); break;
    case 4: rc = config_doc_dataset_remove(d, "datasets", 0, err, sizeof err); break;
    case 5: rc = config_doc_set(d, "datasets[0].type", "sharegpt", err, sizeof err); break;
    default: rc = config_doc_set(d, "output_dir", "a: \"b\" #c", err, sizeof err); break;
    }
    t = config_doc_text(d, &len);
    if (rc < 0 && (strlen(before) != len || memcmp(before, t, len)))
        abort();
    free(before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    config_doc *d = config_doc_from_text("fuzz.yaml", (const char *)data, size, err, sizeof err);
    if (!d)
        return 0;
    size_t len;
    const char *t = config_doc_text(d, &len);
    if (len != size || memcmp(t, data, size))
        abort();
    for (int i = 0; i < 7; i++)
        edit(d, i);
    config_diff df;
    if (config_doc_diff(d, 3, &df) == 0)
        config_diff_free(&df);
    config_diags u;
    config_doc_unknown_keys(d, &u);
    config_doc_free(d);
    return 0;
}

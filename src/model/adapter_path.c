/* adapter_path.c - find and read the adapter a user names; see adapter_path.h. */
#include "adapter_path.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "gguf.h"

static bool is_dir(const char *p)
{
    struct stat st;
    return !stat(p, &st) && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return !stat(p, &st) && S_ISREG(st.st_mode);
}

static int resolve(const char *path, char *out, size_t outlen, bool *peft, char *err,
                   size_t errlen)
{
    /* A run's adapter/ holds both forms; the GGUF comes first because it
     * carries the base model's head geometry and PEFT does not. */
    static const char *const inside[] = {"adapter.gguf", "adapter/adapter.gguf",
                                         "adapter_config.json", "adapter/adapter_config.json"};
    if (is_file(path)) {
        snprintf(out, outlen, "%s", path);
        *peft = false;
        return 0;
    }
    for (size_t i = 0; is_dir(path) && i < sizeof inside / sizeof inside[0]; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", path, inside[i]);
        if (!is_file(p))
            continue;
        *peft = i >= 2;
        if (*peft)
            snprintf(out, outlen, "%s%s", path, i == 3 ? "/adapter" : "");
        else
            snprintf(out, outlen, "%s", p);
        return 0;
    }
    snprintf(err, errlen, "%s: %s", path, is_dir(path) ?
             "no adapter here (looked for adapter_config.json, adapter.gguf, adapter/)" :
             "no such file or directory");
    return -1;
}

int adapter_path_read(const char *path, const model_config *base, adapter *ad, char *err,
                      size_t errlen)
{
    char file[4096];
    bool peft;
    if (resolve(path, file, sizeof file, &peft, err, errlen))
        return -1;
    int rc = peft ? adapter_peft_read(ad, file, base, err, errlen)
                  : adapter_gguf_read(ad, file, err, errlen);
    /* a foreign GGUF adapter lacks the geometry; a different arch stays to be refused */
    if (!rc && base && !peft && !strcmp(ad->arch, base->arch))
        adapter_set_base(ad, base);
    return rc;
}

bool adapter_path_is_adapter(const char *path)
{
    char file[4096], err[512], type[32];
    bool peft;
    if (is_dir(path))
        return resolve(path, file, sizeof file, &peft, err, sizeof err) == 0;
    gguf_file *g = gguf_open(path, err, sizeof err);
    bool yes = g && gguf_get_strz(g, "general.type", type, sizeof type) && !strcmp(type, "adapter");
    gguf_close(g);
    return yes;
}

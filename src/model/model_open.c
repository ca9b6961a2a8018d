/* model_open.c - model file plus optional adapter (model_open.h). */
#include "adapter_path.h"
#include "model_open.h"

int model_open(model_file *mf, const char *model_path, const char *lora_path,
               bool quantized_base, char *err, size_t errlen)
{
    if (model_file_load(mf, model_path, quantized_base, err, errlen))
        return -1;
    if (!lora_path)
        return 0;
    adapter ad = {0};
    int rc = adapter_path_read(lora_path, model_get_config(mf->m), &ad, err, errlen);
    if (!rc)
        rc = adapter_attach(&ad, mf->m, err, errlen);
    adapter_free(&ad);
    if (rc)
        model_file_close(mf);
    return rc;
}

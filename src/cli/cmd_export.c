/* cmd_export.c - `lathe export adapter` (a LoRA adapter or a run's adapter to
 * llama.cpp GGUF and/or PEFT) and `lathe export merge` (base + adapter folded
 * into one model, written as GGUF F32/F16/Q8_0/Q4_0/Q4_K/Q5_K/Q6_K or a
 * Q4_K_M mix, or safetensors). */
#include "config.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapter.h"
#include "adapter_path.h"
#include "cli_opts.h"
#include "hf_model.h"
#include "model_load.h"

typedef struct {
    const char *src;        /* adapter: ADAPTER_OR_RUN_DIR */
    const char *gguf, *peft, *model, *lora, *out, *type;
} export_args;

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Options after the subcommand. */
static int parse(const cli_command *cmd, int argc, char **argv, export_args *a)
{
    const cli_opt opts[] = {
        {"--gguf", NULL, CLI_STRING, &a->gguf, 0, 0, NULL},
        {"--peft", NULL, CLI_STRING, &a->peft, 0, 0, NULL},
        {"-m", "--model", CLI_STRING, &a->model, 0, 0, NULL},
        {"--lora", NULL, CLI_STRING, &a->lora, 0, 0, NULL},
        {"-o", "--output", CLI_STRING, &a->out, 0, 0, NULL},
        {"--type", NULL, CLI_STRING, &a->type, 0, 0, NULL},
        CLI_OPT_END,
    };
    return cli_opts_parse(cmd, &(cli_spec){opts, 2, &a->src, 1}, argc, argv);
}

static void report(const char *err)
{
    fprintf(stderr, "lathe export: %s%s\n", err, strstr(err, "geometry") ||
            strstr(err, "without a base architecture") ? " - give the base model with -m BASE" : "");
}

/* Architecture and head geometry of a base model, from its headers only. */
static int base_config(const char *path, model_config *cfg, char *err, size_t errlen)
{
    if (is_dir(path))
        return hf_config_load(path, cfg, err, errlen);
    gguf_file *g = gguf_open(path, err, errlen);
    int rc = g ? gguf_model_config(g, cfg, err, errlen) : -1;
    gguf_close(g);
    return rc;
}

static int read_adapter(const char *path, const model_config *base, adapter *ad)
{
    char err[1024];
    int rc = adapter_path_read(path, base, ad, err, sizeof err);
    if (rc)
        report(err);
    return rc;
}

static int export_adapter(const cli_command *cmd, const export_args *a)
{
    if (!a->src)
        return cli_usage_error(cmd, "which adapter? give a .gguf adapter, a PEFT directory or "
                               "a run directory");
    if (!a->gguf && !a->peft)
        return cli_usage_error(cmd, "nothing to write: give --gguf OUT.gguf and/or --peft DIR");
    if (a->lora || a->out || a->type)
        return cli_usage_error(cmd, "--lora, -o and --type belong to 'export merge'");
    model_config cfg;
    char err[1024];
    if (a->model && base_config(a->model, &cfg, err, sizeof err)) {
        fprintf(stderr, "lathe export: %s\n", err);
        return CLI_FAIL;
    }
    adapter ad;
    if (read_adapter(a->src, a->model ? &cfg : NULL, &ad))
        return CLI_FAIL;
    int rc = 0;
    if (a->gguf && (rc = adapter_gguf_write(&ad, a->gguf, GGML_TYPE_F32, err, sizeof err)) == 0)
        printf("wrote %s (llama.cpp LoRA, %d tensors, rank %d)\n", a->gguf, 2 * ad.n_pairs,
               ad.pairs[0].r);
    if (!rc && a->peft && (rc = adapter_peft_write(&ad, a->peft, err, sizeof err)) == 0)
        printf("wrote %s (PEFT LoRA, %d tensors, rank %d)\n", a->peft, 2 * ad.n_pairs,
               ad.pairs[0].r);
    if (rc)
        report(err);
    adapter_free(&ad);
    return rc ? CLI_FAIL : CLI_OK;
}

/* --type for a GGUF output; -1 when unknown. */
static int gguf_type_arg(const char *t)
{
    static const struct { const char *name; int type; } types[] = {
        {"f32", GGML_TYPE_F32}, {"f16", GGML_TYPE_F16}, {"q8_0", GGML_TYPE_Q8_0},
        {"q4_0", GGML_TYPE_Q4_0}, {"q4_k", GGML_TYPE_Q4_K}, {"q5_k", GGML_TYPE_Q5_K},
        {"q6_k", GGML_TYPE_Q6_K}, {"q4_k_m", MODEL_SAVE_Q4_K_M},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(t ? t : "f32", types[i].name))
            return types[i].type;
    return -1;
}

static int st_type_arg(const char *t)
{
    return !t || !strcmp(t, "f32") ? ST_F32 : !strcmp(t, "f16") ? ST_F16
         : !strcmp(t, "bf16") ? ST_BF16 : -1;
}

static int save_merged(model_file *mf, const char *base, const char *out, const char *type,
                       char *err, size_t errlen)
{
    if (ends_with(out, ".gguf")) {
        bool vocab = true;
        int rc = mf->gguf ? model_save_gguf(mf->m, mf->gguf, out, gguf_type_arg(type), err, errlen)
                          : model_save_gguf_hf(mf->m, base, out, gguf_type_arg(type), &vocab, err,
                                               errlen);
        if (!rc && !vocab)
            fprintf(stderr, "lathe export: note: %s has no tokenizer.json; %s gets no tokenizer "
                    "metadata\n", base, out);
        return rc;
    }
    char dir[4096], config[4200];
    snprintf(dir, sizeof dir, "%s", out);
    snprintf(config, sizeof config, "%s/config.json", dirname(dir));
    return model_save_safetensors(mf->m, out, (st_dtype)st_type_arg(type), config, err, errlen);
}

static int export_merge(const cli_command *cmd, const export_args *a)
{
    if (a->src || a->gguf || a->peft)
        return cli_usage_error(cmd, "'export merge' takes -m MODEL --lora ADAPTER -o OUT only");
    if (!a->model || !a->lora || !a->out)
        return cli_usage_error(cmd, "merge needs -m MODEL, --lora ADAPTER and -o OUT");
    bool gguf = ends_with(a->out, ".gguf");
    if (!gguf && !ends_with(a->out, ".safetensors"))
        return cli_usage_error(cmd, "-o %s: the output must end in .gguf or .safetensors", a->out);
    if (gguf ? gguf_type_arg(a->type) < 0 : st_type_arg(a->type) < 0)
        return cli_usage_error(cmd, "--type %s: a %s output takes %s", a->type,
                               gguf ? ".gguf" : ".safetensors",
                               gguf ? "f32, f16, q8_0, q4_0, q4_k, q5_k, q6_k or q4_k_m"
                                    : "f32, f16 or bf16");
    char err[1024];
    model_file mf;
    if (model_file_load(&mf, a->model, false, err, sizeof err)) {
        fprintf(stderr, "lathe export: %s\n", err);
        return CLI_FAIL;
    }
    adapter ad = {0};
    int rc = read_adapter(a->lora, model_get_config(mf.m), &ad);
    if (!rc && (adapter_attach(&ad, mf.m, err, sizeof err) || model_lora_merge(mf.m, err, sizeof err) ||
                save_merged(&mf, a->model, a->out, a->type, err, sizeof err))) {
        fprintf(stderr, "lathe export: %s\n", err);
        rc = -1;
    }
    if (!rc)
        printf("wrote %s (%s + %d LoRA tensors merged)\n", a->out, a->model, 2 * ad.n_pairs);
    adapter_free(&ad);
    model_file_close(&mf);
    return rc ? CLI_FAIL : CLI_OK;
}

int cmd_export(const cli_command *cmd, int argc, char **argv)
{
    export_args a = {0};
    if (argc < 2)
        return cli_usage_error(cmd, "what to export? 'adapter' or 'merge'");
    bool adapter_cmd = !strcmp(argv[1], "adapter");
    if (!adapter_cmd && strcmp(argv[1], "merge"))
        return cli_usage_error(cmd, "unknown subcommand '%s' (adapter, merge)", argv[1]);
    int rc = parse(cmd, argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    return adapter_cmd ? export_adapter(cmd, &a) : export_merge(cmd, &a);
}

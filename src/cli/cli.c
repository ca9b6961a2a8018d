/* cli.c - `lathe` argument handling: the command table, global help, version,
 * and the hand-off to the interactive workbench when no command is given. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "suggest.h"
#include "version.h"
#include "workbench.h"
#include "workspace.h"

static const cli_command commands[] = {
    {"train", "train a model headless from a YAML config",
     "usage: lathe train CONFIG.yaml [--max-steps N] [--resume RUN_DIR|auto] [--output DIR]\n"
     "                   [--set KEY=VALUE ...] [--tui [--theme NAME|PATH] [--no-color]]\n\n"
     "Fine-tunes the base model named in CONFIG.yaml on its datasets and writes a run\n"
     "directory (config.yaml, metrics.jsonl, events.jsonl, checkpoints/, adapter/ or\n"
     "model.gguf, summary.json). Progress goes to stderr. --output DIR overrides output_dir\n"
     "(default runs/<timestamp>); --max-steps N overrides max_steps; --set KEY=VALUE any key.\n"
     "Ctrl-C stops after the current step and still writes the outputs and a checkpoint.\n"
     "save_steps writes checkpoints/step-N; --resume RUN_DIR (or auto: the newest run beside\n"
     "output_dir) continues from the newest one with the losses of an uninterrupted run.\n"
     "The tokenized datasets are cached in .cache/ beside the run directory (runs/.cache/ by\n"
     "default), keyed by the datasets' bytes, the tokenizer, the template and the data keys,\n"
     "so a restart or --resume does not tokenize again; a damaged cache is rebuilt.\n"
     "The first epoch follows `lathe data render`; with shuffle, each later epoch has its\n"
     "own order from seed and epoch. The run directory is created only once the data and\n"
     "the model have loaded.\n"
     "--tui trains inside the workbench, in the Train pane (charts, alarms, controls);\n"
     "when the terminal goes away the run goes on headless to its end, and quitting\n"
     "offers to stop it or leave it running in the background ('lathe RUN_DIR' shows it).\n",
     cmd_train},
    {"chat", "chat with a model, or A/B a base model against an adapter",
     "usage: lathe chat -m MODEL [--lora ADAPTER [--lora-scale S]] [--ab] [--blind]\n"
     "                  [--template NAME] [--system TEXT] [-n N] [--temp T] [--top-k K]\n"
     "                  [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [-c CTX]\n"
     "                  [-t THREADS]\n\n"
     "Multi-turn chat through the model's chat template (or --template). With --lora the\n"
     "chat runs the model with the adapter; with --ab every prompt goes to A (the model\n"
     "alone) and B (the model with the adapter) with the same seed and settings, both\n"
     "generating at once from one loaded copy of the model. --blind shuffles the two per\n"
     "prompt and names them 1 and 2 until you vote. /vote a|b|tie|bad appends the pair\n"
     "to preferences.jsonl in the working directory (TRL's prompt/chosen/rejected; ties\n"
     "and both-bad keep both replies under \"responses\" and no pair). Sampling options\n"
     "as lathe generate (--temp 0: greedy, the same text as lathe generate); prompt n\n"
     "(from 0) uses seed S+n. -n caps each reply (default 256); -c sets the context\n"
     "(default the model's, at most 4096): when it fills, the oldest turns are dropped,\n"
     "the system prompt kept. -t sets the engine threads per side.\n\n"
     "On a terminal: a readline REPL (history in $XDG_STATE_HOME/lathe/chat_history,\n"
     "Ctrl-R searches it, Tab completes); Ctrl-C stops a reply, Ctrl-D leaves. Otherwise\n"
     "each input line is a prompt or a command and each reply one line on stdout,\n"
     "'A: ...' and 'B: ...' ('1: '/'2: ' while blind) with backslash, newline, CR and tab\n"
     "written \\\\, \\n, \\r, \\t; command output follows '# ' on stdout, reply\n"
     "figures (tokens, time to first token, tokens/s) and errors go to stderr; the exit\n"
     "status is 1 when a line failed.\n\n"
     "Commands: /ab on|off, /blind on|off, /vote a|b|tie|bad, /model PATH,\n"
     "/lora PATH [SCALE]|none, /checkpoint [RUN] [STEP|latest] (list a run's checkpoints\n"
     "or load one as B, also while it trains), /set NAME VALUE (temp, top_k, top_p,\n"
     "min_p, repeat_penalty, max_tokens, seed), /system [TEXT], /template NAME, /reset,\n"
     "/save FILE (a messages dataset), /help, /quit; //TEXT sends TEXT starting with '/'.\n",
     cmd_chat},
    {"generate", "print one completion for a prompt",
     "usage: lathe generate -m MODEL [--lora ADAPTER] -p PROMPT [-n N] [--temp T] [--top-k K]\n"
     "                      [--top-p P] [--min-p P] [--repeat-penalty R] [--seed S] [--raw]\n"
     "                      [-t THREADS]\n\n"
     "Streams the completion to stdout as it decodes; stops at the end-of-generation token\n"
     "(EOS, or the template's end of turn) or after N tokens (default 256), then prints\n"
     "the prompt's and the completion's token counts, times and tokens/s on stderr. Without --raw\n"
     "the prompt is a user turn in the model's chat template followed by the assistant\n"
     "header; with --raw it is tokenized as it is (BOS as the model asks, special tokens\n"
     "parsed). Sampling as llama.cpp: repeat penalty (default 1.0: off) over the last 64\n"
     "tokens, top-k (40; 0 off), top-p (0.95; 1 off), min-p (0.05; 0 off), temperature\n"
     "(0.8); --temp 0 is greedy and deterministic. --seed makes sampling reproducible\n"
     "(default: from the clock). MODEL is a GGUF file (quantized matrices stay quantized)\n"
     "or a Hugging Face directory; ADAPTER a LoRA .gguf, a PEFT directory or a run\n"
     "directory. -t sets the engine threads (default: one per CPU).\n",
     cmd_generate},
    {"perplexity", "score a text file with a model",
     "usage: lathe perplexity -m MODEL [--lora ADAPTER] -f FILE [-c CTX] [--llama-cpp]\n"
     "                        [--json]\n\n"
     "Tokenizes FILE (BOS first when the model adds one), cuts it into consecutive\n"
     "windows of CTX tokens (default 512; the last one shorter), evaluates each from an\n"
     "empty context and scores every token of a window but its first. Prints the number\n"
     "of tokens scored, their mean negative log-likelihood and the perplexity; --json\n"
     "prints {\"tokens\":N,\"nll\":X,\"ppl\":Y}. MODEL is a GGUF file or a Hugging Face\n"
     "directory; ADAPTER a LoRA .gguf, a PEFT directory or a run directory.\n\n"
     "llama.cpp's llama-perplexity scores differently, so its figure for the same file\n"
     "and context differs: it keeps only whole windows (a shorter tail is left out),\n"
     "puts BOS in place of each window's first token, and scores only the second half\n"
     "of each window, whose tokens all see at least CTX/2 tokens of context. --llama-cpp\n"
     "scores that way, to compare with its \"Final estimate: PPL\".\n",
     cmd_perplexity},
    {"tokenize", "tokenize text with a model's vocabulary",
     "usage: lathe tokenize -m MODEL_OR_VOCAB.gguf (-p TEXT | -f FILE | --stdin) [--ids]\n"
     "                      [--no-bos] [--no-parse-special] [--show-count]\n\n"
     "Follows llama.cpp's llama-tokenize conventions: BOS when the vocab adds it, special\n"
     "tokens parsed, and one \"ID -> 'piece'\" line per token or, with --ids, [ID, ...].\n"
     "-m may also name a Hugging Face directory or its tokenizer.json.\n",
     cmd_tokenize},
    {"inspect", "show a model's architecture, tensors, tokenizer and chat template",
     "usage: lathe inspect MODEL|ADAPTER|RUN_DIR\n\n"
     "MODEL (a GGUF file or a Hugging Face directory): architecture and shape, parameters\n"
     "and tensor types, tokenizer and chat template, from the headers only. ADAPTER (a\n"
     "llama.cpp LoRA .gguf or a PEFT directory): its base model, rank, alpha and scale,\n"
     "targets and parameters. RUN_DIR (what lathe train writes): its adapter or model,\n"
     "then how the training went (summary.json).\n", cmd_inspect},
    {"data", "dataset work: stats, clean, convert, split, render",
     "usage: lathe data stats DATASET [--json] [-m MODEL_OR_VOCAB | --config C.yaml]\n"
     "                        [--sequence-len N] [--near-threshold T] [--format F] [--threads N]\n"
     "                        [--recipe R.yaml]\n"
     "       lathe data clean DATASET --recipe R.yaml (-o OUT | --in-place)\n"
     "                        [-m MODEL_OR_VOCAB | --config C.yaml] [--sequence-len N]\n"
     "       lathe data convert DATASET --to FORMAT -o OUT\n"
     "       lathe data split DATASET --val FRACTION_OR_COUNT [--seed S] -o PREFIX\n"
     "       lathe data render DATASET [--config C.yaml] [-m MODEL_OR_VOCAB] [--max N]\n\n"
     "render prints the training sequences of DATASET exactly as the trainer consumes them,\n"
     "in training order, one JSON object per line: {\"tokens\":[...],\"labels\":[...],\n"
     "\"doc\":[...]} (labels -100 where nothing is learned; doc numbers the records packed\n"
     "into a sequence). DATASET replaces the config's datasets; the tokenizer is -m or the\n"
     "config's base_model; without --config every key takes its default.\n\n"
     "stats reports rows, problem rows, exact and near duplicates (MinHash, Jaccard >= T,\n"
     "default 0.8), empty fields, PII hits, control characters, invalid UTF-8, languages,\n"
     "roles and turns, and token-length histograms per field and in total with the count\n"
     "over sequence_len (from --sequence-len or the config). Tokens use -m or the config's\n"
     "base_model, else an estimate from the bytes. A row's total is its trained length (the\n"
     "chat template the trainer would use, with BOS/EOS), so the count over sequence_len is\n"
     "what training truncates; per-field counts are the text alone. --json prints one\n"
     "object of named counts. With --recipe, stats replays the recipe first (as clean does,\n"
     "with the same token settings) and reports the rows as edited: the numbers the Data\n"
     "pane's Stats view shows after the same actions.\n"
     "clean replays a recipe (the YAML the Data pane saves beside its output) and writes\n"
     "what the pane would: the input's layout (.gz when OUT ends so), untouched records\n"
     "byte for byte, OUT.recipe.yaml beside it. Overwriting the input needs --in-place\n"
     "(alias --force) and keeps the old file as DATASET.bak (or .bak.1, ...). Filters on\n"
     "tokens and too_long count as the session that saved the recipe did: its tokens:\n"
     "section names the tokenizer, chat template and sequence_len (none: the byte estimate,\n"
     "no limit). -m, --config (its base_model, chat_template, sequence_len) and\n"
     "--sequence-len override them, with a warning when the recipe's filters read what\n"
     "they change; a recipe whose tokenizer is gone needs -m.\n"
     "convert writes FORMAT (alpaca, sharegpt, messages, completion, input_output) as a\n"
     "JSON array when OUT ends in .json, else JSONL; records that do not convert are\n"
     "reported as PATH:LINE:BYTE and skipped. split writes PREFIX-train.jsonl and\n"
     "PREFIX-val.jsonl; --val 0.1 is a fraction, --val 500 a count; the seed (default 42)\n"
     "fixes the split.\n",
     cmd_data},
    {"eval", "generation eval: exact match, BLEU-4, ROUGE-L",
     "usage: lathe eval -m MODEL [--lora ADAPTER] --data DATASET [--max N] [-n MAX_NEW]\n"
     "                  [--json] [--output FILE.json] [-t THREADS]\n\n"
     "For each of the first N good records of DATASET (any format `lathe data` reads;\n"
     "default: all) with an assistant turn after a user turn, the conversation before\n"
     "the last assistant turn is rendered with the model's chat template and the\n"
     "assistant header, the model answers greedily (at most MAX_NEW tokens, default 256)\n"
     "and the answer is scored against that last assistant turn: exact match (0-1, after\n"
     "lowercasing and trimming), BLEU-4 (sacrebleu sentence BLEU, 0-100) and ROUGE-L F1\n"
     "(0-1). Prints the count and the mean of each; --json prints one object\n"
     "{\"count\",\"exact_match\",\"bleu4\",\"rouge_l\",\"corpus_bleu4\",\"skipped\"}.\n"
     "--output writes every row (prompt, reference, prediction, scores) and the summary\n"
     "to FILE.json, atomically. Progress goes to stderr.\n",
     cmd_eval},
    {"export", "export an adapter (GGUF, PEFT) or merge it into the base",
     "usage: lathe export adapter ADAPTER_OR_RUN_DIR [--gguf OUT.gguf] [--peft DIR] [-m BASE]\n"
     "       lathe export merge -m MODEL --lora ADAPTER -o OUT(.gguf|.safetensors)\n"
     "                          [--type f32|f16|q8_0|q4_0|q4_k|q5_k|q6_k|q4_k_m]\n\n"
     "An ADAPTER is a llama.cpp LoRA .gguf or a PEFT directory (adapter_config.json +\n"
     "adapter_model.safetensors); a run directory holding adapter.gguf or adapter/ works too.\n"
     "adapter: writes it as a llama.cpp LoRA GGUF (--gguf) and/or a PEFT directory (--peft).\n"
     "  Llama q/k rows are reordered for PEFT, which needs the base model's head geometry:\n"
     "  lathe's own adapters carry it; for others give the base model with -m BASE.\n"
     "merge: loads MODEL (GGUF file or Hugging Face directory) in fp32, adds s*B*A to every\n"
     "  adapted matrix and writes OUT: .gguf (--type f32 default, f16, q8_0, q4_0, q4_k,\n"
     "  q5_k, q6_k or the q4_k_m mix; tokenizer and\n"
     "  chat template carried over from a GGUF base) or .safetensors (f32, f16, bf16), with\n"
     "  config.json written beside it.\n",
     cmd_export},
    {"config", "explain, check, resolve and estimate training configs",
     "usage: lathe config --explain [KEY]\n"
     "       lathe config --check CONFIG.yaml [--set KEY=VALUE ...]\n"
     "       lathe config --resolve CONFIG.yaml [--set KEY=VALUE ...]\n"
     "       lathe config --estimate CONFIG.yaml [--measure] [--json] [--set KEY=VALUE ...]\n\n"
     "--explain lists every config key with its type, default and meaning, or one\n"
     "KEY in full. --check reports every problem in CONFIG.yaml as FILE:LINE:COLUMN\n"
     "(exit 1 on errors), and reads the first 100 records of each dataset against its\n"
     "type: most not fitting is an error, some a warning, both at the dataset's\n"
     "FILE:LINE with the type they look like. Keys of Axolotl's config that change\n"
     "nothing in lathe get a warning each. --resolve prints the config with all\n"
     "defaults filled in.\n"
     "--estimate prints the parameters, the memory by part and its peak, the tokens,\n"
     "sequences and steps from the data, and warnings; --measure also times a few real\n"
     "steps (the longest batch first) and extrapolates the run's duration.\n"
     "--set overrides a key; VALUE is read as YAML (e.g. --set lora_r=16).\n",
     cmd_config},
    {"bench", "benchmarks: ring, gemm, train, tokenize, data, generate",
     "usage: lathe bench ring [--json] [--records N]\n"
     "       lathe bench gemm|train [--case NAME] [--steps N] [--json]\n"
     "       lathe bench tokenize -m VOCAB.gguf [-f FILE] [--json]\n"
     "       lathe bench data [-f FILE | --quick | --rows N] [--mb N] [--format alpaca|sharegpt]\n"
     "                        [--dir DIR] [-m VOCAB] [--case PREFIX] [--json]\n"
     "       lathe bench generate [-m MODEL [--type T]] [--case NAME] [--kernels PATH]\n"
     "                            [--json]\n\n"
     "Prints each case's figures and, where a baseline exists, the ratio to it.\n"
     "With --json: one JSON object per line and case.\n"
     "generate: --kernels runs the quantized products on PATH (amx, avx512vnni, avx2 or\n"
     "scalar, where the CPU has it) instead of the best the CPU has.\n"
     "data: without -f, generated datasets of N rows (--rows, default 1000000; --quick\n"
     "10000) and an index case of --mb MB (default 1024; --quick 4) in --format; with -f,\n"
     "the same cases over FILE.\n",
     cmd_bench},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const char global_help[] =
    "usage: lathe [--theme NAME|PATH] [--no-color] [-m MODEL] [-c CONFIG.yaml] [PATH]\n"
    "       lathe COMMAND [ARGS] | lathe COMMAND --help\n"
    "       lathe --version\n\n"
    "Without a command, opens the workbench on PATH (a config YAML, dataset, model or\n"
    "run directory), or on the bundled sample when PATH is omitted. A dataset (.jsonl,\n"
    ".json, optionally .gz) opens in the Data pane; its token counts use -m MODEL_OR_VOCAB\n"
    "or the base_model of -c CONFIG.yaml, and are byte estimates without either.\n\n"
    "options:\n"
    "  --theme NAME|PATH  colour theme (default, light, high-contrast, mono, or a YAML file)\n"
    "  --no-color         monochrome (also when NO_COLOR is set)\n"
    "  -h, --help         this help\n"
    "  --version          print the version\n\n"
    "commands:\n";

static void print_global_help(void)
{
    fputs(global_help, stdout);
    for (size_t i = 0; i < N_COMMANDS; i++)
        printf("  %-11s %s\n", commands[i].name, commands[i].summary);
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return true;
    return false;
}

int cli_print_help(const cli_command *cmd)
{
    fputs(cmd->help, stdout);
    return CLI_OK;
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "lathe %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'lathe %s --help')\n", cmd->name);
    return CLI_USAGE;
}

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

static int run_command(const cli_command *cmd, int argc, char **argv)
{
    if (cli_wants_help(argc, argv))
        return cli_print_help(cmd);
    return cmd->run(cmd, argc, argv);
}

static int run_workbench(int argc, char **argv)
{
    workbench_options opt = {0};
    const char *path = NULL, *model = NULL, *config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--no-color")) {
            opt.no_color = true;
        } else if (!strcmp(a, "--theme") || !strncmp(a, "--theme=", 8)) {
            if (a[7] == '=') {
                opt.theme = a + 8;
            } else if (i + 1 < argc) {
                opt.theme = argv[++i];
            } else {
                fprintf(stderr, "lathe: --theme needs a NAME or PATH\n");
                return CLI_USAGE;
            }
        } else if (!strcmp(a, "-m") || !strcmp(a, "-c")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lathe: %s needs a %s\n", a, a[1] == 'm' ? "MODEL" : "CONFIG");
                return CLI_USAGE;
            }
            *(a[1] == 'm' ? &model : &config) = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "lathe: unknown option '%s' (see 'lathe --help')\n", a);
            return CLI_USAGE;
        } else if (path) {
            fprintf(stderr, "lathe: one PATH at most, got '%s' and '%s'\n", path, a);
            return CLI_USAGE;
        } else {
            path = a;
        }
    }
    workspace ws;
    char err[PATH_MAX + 256];
    if (workspace_resolve(path, model, config, &ws, err, sizeof err) != 0) {
        fprintf(stderr, "lathe: %s\n", err);
        return CLI_FAIL;
    }
    opt.title = ws.title;
    opt.dataset = ws.dataset[0] ? ws.dataset : NULL;
    opt.model = ws.model[0] ? ws.model : NULL;
    opt.config = ws.config[0] ? ws.config : NULL;
    opt.config_first = ws.config_first && path;
    opt.chat_model = ws.chat_model[0] ? ws.chat_model : NULL;
    opt.chat_adapter = ws.adapter[0] ? ws.adapter : NULL;
    opt.run_dir = ws.run[0] ? ws.run : NULL;
    return workbench_run(&opt);
}

int cli_main(int argc, char **argv)
{
    if (argc > 1) {
        if (!strcmp(argv[1], "--version")) {
            printf("lathe %s\n", LATHE_VERSION);
            return CLI_OK;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
            print_global_help();
            return CLI_OK;
        }
        const cli_command *cmd = find_command(argv[1]);
        if (cmd)
            return run_command(cmd, argc - 1, argv + 1);
        const char *hint = argv[1][0] == '-' || access(argv[1], F_OK) == 0 ? NULL
                         : suggest_closest(argv[1], &commands[0].name, N_COMMANDS,
                                           sizeof commands[0]);
        if (hint) {
            fprintf(stderr, "lathe: unknown command '%s'; did you mean '%s'? (see 'lathe --help')\n",
                    argv[1], hint);
            return CLI_USAGE;
        }
    }
    return run_workbench(argc, argv);
}

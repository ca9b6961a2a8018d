#!/bin/sh
# sample_numbers.sh - the numbers README.md and samples/README.md quote about
# the bundled sample, measured in one run: fine-tunes samples/lora.yaml, then
# evaluates the base model and base + adapter on all 200 held-out questions
# (greedy, at most 16 new tokens), and prints the machine and a Markdown table
# to paste into both READMEs. Takes a few minutes of CPU; run it when the
# machine is otherwise idle, from anywhere:
#   sh tests/bench/sample_numbers.sh [build/lathe]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
lathe=${1:-${LATHE:-$root/build/lathe}}
[ -x "$lathe" ] || { echo "sample_numbers: no lathe binary at $lathe (give its path)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p" "$2" | head -n 1; }

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
cores=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg)

"$lathe" train "$root/samples/lora.yaml" --output "$out/run" >/dev/null 2>"$out/train.log" ||
    { cat "$out/train.log" >&2; exit 1; }
s="$out/run/summary.json"
heldout="$root/samples/data/heldout.jsonl"
"$lathe" eval -m "$root/samples/model.gguf" --data "$heldout" -n 16 --json >"$out/base.json" 2>/dev/null
"$lathe" eval -m "$root/samples/model.gguf" --lora "$out/run" --data "$heldout" -n 16 --json \
    >"$out/lora.json" 2>/dev/null

row() { # row LABEL FILE
    awk -v l="$1" -v em="$(field exact_match "$2")" -v rl="$(field rouge_l "$2")" \
        -v b="$(field bleu4 "$2")" 'BEGIN { printf "| %s | %.3f | %.3f | %.1f |\n", l, em, rl, b }'
}

echo "Measured by tests/bench/sample_numbers.sh on $cpu, $cores cores (load average $load at the start):"
echo
awk -v w="$(field wall_s "$s")" -v t="$(field tokens_per_s "$s")" -v n="$(field tokens "$s")" \
    -v st="$(field steps "$s")" -v e="$(field best_eval_loss "$s")" 'BEGIN {
    printf "lora.yaml: %d steps in %.0f s, %.0f tokens/s (%d tokens), best held-out evaluation loss %.3f.\n",
           st, w, t, n, e }'
echo
echo "| all 200 held-out questions, greedy, 16 new tokens at most | exact match | ROUGE-L | BLEU-4 |"
echo "|---|---|---|---|"
row "base" "$out/base.json"
row "base + \`lora.yaml\` adapter" "$out/lora.json"

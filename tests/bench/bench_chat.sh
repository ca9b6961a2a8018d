#!/bin/sh
# bench_chat.sh - what an A/B chat costs on the bundled sample model:
#   tests/bench/bench_chat.sh [BUILD_DIR] [WORK_DIR]
# It trains a small adapter on the sample (a few steps of samples/lora.yaml),
# then sends the same prompts to `lathe chat --ab --temp 0` (A: the model
# alone, B: the model with that adapter, both streaming at once on their own
# threads), each prompt in a fresh conversation, and prints per side the
# medians of the time to the first token and of the decoding speed (tokens/s
# after the first) that lathe chat reports. It does this twice: alone, and
# while a sample training (`lathe train samples/lora.yaml`) runs beside it on
# the same cores, as when one chats with a run in progress (it says how many
# steps the trainer logged meanwhile). Ratios measured in the same run: B
# over A, and with the trainer over alone. Also printed for reference:
# `lathe bench generate -m` on the sample model (one stream, every core).
# BENCH_CHAT_PROMPTS (25) and BENCH_CHAT_TOKENS (48, a reply's most) size it.
# Timings on a shared machine are noisy: run it on a quiet one.
set -eu
build=$(cd "${1:-build}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
lathe=$build/lathe
model=$src/samples/model.gguf
keep=${2:-}
if [ -n "$keep" ]; then
    work=$keep
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-chat.XXXXXX")
fi
trainer=
cleanup() {
    [ -z "$trainer" ] || { kill "$trainer" 2>/dev/null; wait "$trainer" 2>/dev/null; } || true
    [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT
tokens=${BENCH_CHAT_TOKENS:-48}
prompts=${BENCH_CHAT_PROMPTS:-25}

small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128 --set warmup_steps=0"
# shellcheck disable=SC2086
"$lathe" train "$src/samples/lora.yaml" --max-steps 6 $small --output "$work/run" \
    >/dev/null 2>"$work/train.err" || { cat "$work/train.err" >&2; exit 1; }

# Prompts from the sample's instructions, each in a fresh conversation, so
# every one starts from the same context; the first warms the caches.
prompts() {
    grep -o '"instruction": *"[^"]*"' "$src/samples/data/train.jsonl" | head -n "$prompts" |
        sed 's/^"instruction": *"//; s/"$//' | while IFS= read -r p; do
            printf '%s\n/reset\n' "$p"
        done
}

# chat TAG: runs the A/B chat and prints "TAG SIDE ttft_s tok_per_s" for
# every reply after the first of each side (which warms the caches).
chat() {
    prompts | "$lathe" chat -m "$model" --lora "$work/run" --ab --temp 0 -n "$tokens" \
        >"$work/chat-$1.out" 2>"$work/chat-$1.err" || { cat "$work/chat-$1.err" >&2; exit 1; }
    awk -v tag="$1" '/^lathe chat: [AB]: [0-9]+ tokens?, first after/ && $10 != "tokens/s" {
        side = substr($3, 1, 1)
        if (seen[side]++) print tag, side, $8, $10
    }' "$work/chat-$1.err"
}

# median TAG SIDE COLUMN: the median of that column of the rows on stdin.
median() {
    awk -v t="$1" -v s="$2" -v c="$3" '$1 == t && $2 == s { print $c }' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else print 0 }'
}

# gen: lathe bench generate's decoding speed on the sample model.
gen() {
    "$lathe" bench generate -m "$model" --json 2>/dev/null |
        grep -o '"decode_tokens_per_s": *[0-9.]*' | head -n 1 | sed 's/.*: *//'
}

chat alone >"$work/rows"
gen_alone=$(gen)

# shellcheck disable=SC2086
"$lathe" train "$src/samples/lora.yaml" --max-steps 100000 $small --output "$work/busy" \
    >/dev/null 2>"$work/busy.err" &
trainer=$!
i=0
until [ -s "$work/busy/metrics.jsonl" ]; do
    i=$((i + 1))
    if [ "$i" -gt 600 ] || ! kill -0 "$trainer" 2>/dev/null; then
        echo "bench_chat: the trainer did not start" >&2
        cat "$work/busy.err" >&2
        exit 1
    fi
    sleep 0.1
done
steps_before=$(wc -l <"$work/busy/metrics.jsonl")
chat training >>"$work/rows"
steps_after=$(wc -l <"$work/busy/metrics.jsonl")
kill "$trainer" 2>/dev/null || true
wait "$trainer" 2>/dev/null || true
trainer=
[ "$steps_after" -gt "$steps_before" ] ||
    echo "bench_chat: the trainer logged no step while the chat ran" >&2

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "sample model, A/B greedy chat (A: no adapter, B: a sample LoRA), up to $tokens tokens a reply;"
echo "medians over the replies to $((prompts - 1)) prompts, each in a fresh conversation"
printf '%-9s %-5s %8s %8s\n' case side ttft_ms tok/s
for c in alone training; do
    for s in A B; do
        t=$(median $c $s 3 <"$work/rows")
        v=$(median $c $s 4 <"$work/rows")
        eval "ttft_${c}_$s=\$t tps_${c}_$s=\$v"
        printf '%-9s %-5s %8.1f %8.1f\n' "$c" "$s" "$(awk -v t="$t" 'BEGIN { print t * 1000 }')" "$v"
    done
done
# shellcheck disable=SC2154
{
    echo "B/A tok/s: alone $(ratio "$tps_alone_B" "$tps_alone_A"), training $(ratio "$tps_training_B" "$tps_training_A")"
    echo "training/alone: tok/s A $(ratio "$tps_training_A" "$tps_alone_A"), B $(ratio "$tps_training_B" "$tps_alone_B");" \
        "ttft A $(ratio "$ttft_training_A" "$ttft_alone_A"), B $(ratio "$ttft_training_B" "$ttft_alone_B")"
    echo "trainer steps logged during the chat: $((steps_after - steps_before))"
    [ -z "$gen_alone" ] ||
        echo "lathe bench generate -m (one stream, every core): $gen_alone tok/s; A alone over it: $(ratio "$tps_alone_A" "$gen_alone")"
}

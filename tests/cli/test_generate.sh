#!/bin/sh
# test_generate.sh - `lathe generate` on tiny random models (tests/unit/
# train_fixture on the sample vocabulary, and the export fixtures with their
# LoRA): greedy output repeatable and thread-count independent, --seed
# reproducible, -n a prefix limit, the chat template equal to the same text
# given --raw, --lora equal to the merged model, `bench generate -m` keys,
# and the errors.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

fx=$(mktemp -d)
trap 'rm -rf "$fx"' EXIT
"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$fx/chat.gguf" >/dev/null || { echo "Bail out! train fixture"; exit 1; }
"$LATHE_BUILDDIR/tests/unit/export_fixtures" "$fx" >/dev/null || { echo "Bail out! fixtures"; exit 1; }
gen() { "$LATHE" generate -m "$fx/chat.gguf" "$@"; }

g1=$(gen -p "Hello there" --temp 0 -n 16)
g2=$(gen -p "Hello there" --temp 0 -n 16)
check "greedy output is not empty" test -n "$g1"
check "greedy output is the same twice" test "$g1" = "$g2"
g3=$(gen -p "Hello there" --temp 0 -n 16 -t 1)
g4=$(gen -p "Hello there" --temp 0 -n 16 -t 2)
check "greedy output does not depend on the thread count" sh -c '[ "$1" = "$2" ] && [ "$1" = "$3" ]' _ "$g1" "$g3" "$g4"
short=$(gen -p "Hello there" --temp 0 -n 4)
check "-n 4 gives a prefix of -n 16" sh -c 'case "$2" in "$1"*) exit 0;; esac; exit 1' _ "$short" "$g1"
check "... and a shorter one" test "${#short}" -lt "${#g1}"

gen -p "Hello there" --temp 0 -n 4 >"$fx/speed.out" 2>"$fx/speed.err"
check "the speed goes to stderr" grep -Eq '^lathe generate: prompt [0-9]+ tokens in [0-9.]+ s \([0-9.]+ tokens/s\), generated [0-9]+ tokens in [0-9.]+ s \([0-9.]+ tokens/s\)$' "$fx/speed.err"
check "... and not to stdout" sh -c '! grep -q "tokens/s" "$1" && [ "$(cat "$1")" = "$2" ]' _ "$fx/speed.out" "$short"

s1=$(gen -p "Hello there" -n 16 --seed 7 --temp 1.5)
s2=$(gen -p "Hello there" -n 16 --seed 7 --temp 1.5)
s3=$(gen -p "Hello there" -n 16 --seed 8 --temp 1.5)
check "--seed reproduces a sampled completion" test "$s1" = "$s2"
check "another seed gives another completion" test "$s1" != "$s3"
check "sampling differs from greedy" test "$s1" != "$g1"

p=$(printf '<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\nX'); p=${p%X}
raw=$(gen -p "$p" --raw --temp 0 -n 16)
check "the template is a user turn plus the assistant header (= that text with --raw)" \
    test "$raw" = "$g1"
bare=$(gen -p "Hello there" --raw --temp 0 -n 16)
check "--raw leaves the template out" test "$bare" != "$g1"

# the export fixtures: a 16-token vocabulary t0..t15 and a q/k/v LoRA
"$LATHE" export merge -m "$fx/base.gguf" --lora "$fx/lora.gguf" -o "$fx/merged.gguf" >/dev/null
lora=$("$LATHE" generate -m "$fx/base.gguf" --lora "$fx/lora.gguf" -p t5t6t7 --raw --temp 0 -n 12)
merged=$("$LATHE" generate -m "$fx/merged.gguf" -p t5t6t7 --raw --temp 0 -n 12)
base=$("$LATHE" generate -m "$fx/base.gguf" -p t5t6t7 --raw --temp 0 -n 12)
check "--lora gives the merged model's completion" test "$lora" = "$merged"
check "... which is not the base model's" test "$lora" != "$base"
peft=$("$LATHE" generate -m "$fx/base.gguf" --lora "$fx/peft" -p t5t6t7 --raw --temp 0 -n 12)
check "a PEFT adapter gives the same completion" test "$peft" = "$lora"

bench=$("$LATHE" bench generate -m "$fx/chat.gguf" --json)
check "bench generate -m names the case after the file" sh -c 'echo "$1" | grep -q "\"bench\":\"generate\",\"case\":\"decode-chat-c256\""' _ "$bench"
for key in prefill_tokens_per_s decode_tokens_per_s bound_tokens_per_s fraction_of_bound \
    dram_gb_s prefill_gflop_s sgemm_gflop_s prefill_fraction_of_sgemm; do
    check "... and reports $key" sh -c 'echo "$1" | grep -Eq "\"$2\":[0-9.]+[,}]"' _ "$bench" "$key"
done
check "... and the kernels its products ran on" sh -c \
    'echo "$1" | grep -Eq "\"kernels\":\"(amx|avx512vnni|avx2|scalar)\""' _ "$bench"
bench=$("$LATHE" bench generate -m "$fx/chat.gguf" --type q4_k --json)
check "bench generate --type requantizes and says so in the case" sh -c \
    'echo "$1" | grep -q "\"case\":\"decode-chat-Q4_K-c256\""' _ "$bench"
bench=$("$LATHE" bench generate -m "$fx/chat.gguf" --type q4_k --kernels scalar --json)
check "bench generate --kernels scalar runs the portable kernels" sh -c \
    'echo "$1" | grep -q "\"kernels\":\"scalar\""' _ "$bench"

status() { want=$1; shift; "$@" >/dev/null 2>"$fx/err"; [ $? -eq "$want" ]; }
check "bench generate --type without -m is a usage error" status 2 "$LATHE" bench generate \
    --type q4_k
check "bench generate --type of a type lathe cannot write is a usage error" status 2 "$LATHE" \
    bench generate -m "$fx/chat.gguf" --type iq2_xs
check "bench generate --kernels of kernels this CPU lacks is a usage error" status 2 "$LATHE" \
    bench generate -m "$fx/chat.gguf" --kernels neon
check "... naming the kernels it has" grep -q "this CPU runs .*scalar" "$fx/err"
check "no -p is a usage error" status 2 "$LATHE" generate -m "$fx/chat.gguf"
check "no -m is a usage error" status 2 "$LATHE" generate -p hi
check "-n 0 is a usage error" status 2 "$LATHE" generate -m "$fx/chat.gguf" -p hi -n 0
check "--temp x is a usage error" status 2 "$LATHE" generate -m "$fx/chat.gguf" -p hi --temp x
check "--top-p 2 is a usage error" status 2 "$LATHE" generate -m "$fx/chat.gguf" -p hi --top-p 2
check "an unknown option is a usage error" status 2 "$LATHE" generate -m "$fx/chat.gguf" -p hi --bogus 1
check "a missing model exits 1" status 1 "$LATHE" generate -m "$fx/nope.gguf" -p hi
check "... and names it" grep -q "nope.gguf" "$fx/err"
check "a missing adapter exits 1" status 1 "$LATHE" generate -m "$fx/base.gguf" --lora "$fx/nolora.gguf" -p hi
check "... and names it" grep -q "nolora.gguf" "$fx/err"
check "--help exits 0" status 0 "$LATHE" generate --help
tap_done

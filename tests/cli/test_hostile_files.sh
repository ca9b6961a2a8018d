#!/bin/sh
# test_hostile_files.sh - files that are not what they claim, run by `make
# check` so these stay fixed:
# - non-regular files (a FIFO, /dev/zero, /dev/urandom) named as a dataset,
#   a model, a file of a Hugging Face directory, a config, a recipe's
#   tokenizer: refused at once with "not a regular file", never waited on or
#   read forever, and called errors by `config --check`;
# - a dataset truncated while `data stats` reads it: a clear error naming the
#   file, exit 1, not a bus error;
# - a GGUF whose header declares a shape its 11 MB do not hold (100000
#   layers, width 2^20): refused at once under a memory limit, for generate
#   and train;
# - a gzip of short records (20 MB of text, 600000 records, in 120 KB):
#   `data render --max 3` fits a memory limit the whole data does not need,
#   and past LATHE_MEMORY_BUDGET the commands stop saying so;
# - a config of 100000 nested lists (libyaml alone took 25 s on it): an
#   error at its line and column, at once.
# Each command runs under `timeout`, so a hang fails the check instead of the suite.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
T=${HOSTILE_TIMEOUT:-30}
model="$LATHE_SRCDIR/samples/model.gguf"

# fails_with WANT CMD...: CMD exits 1 and stderr has WANT.
fails_with() {
    want=$1; shift
    "$@" >"$out/stdout" 2>"$out/stderr"
    rc=$?
    [ "$rc" -eq 1 ] && grep -qF -- "$want" "$out/stderr" && return 0
    diag "exit $rc (want 1 and '$want'); stderr:" "$(cat "$out/stderr")"
    return 1
}
refused() { fails_with "not a regular file" timeout "$T" "$@"; }

# ---- non-regular files
mkfifo "$out/fifo" || { echo "Bail out! mkfifo"; exit 1; }
check "data stats refuses a FIFO" refused "$LATHE" data stats "$out/fifo"
check "data stats refuses /dev/zero" refused "$LATHE" data stats /dev/zero
check "data stats refuses /dev/urandom" refused "$LATHE" data stats /dev/urandom
check "inspect refuses a FIFO" refused "$LATHE" inspect "$out/fifo"
check "generate refuses a FIFO model" refused "$LATHE" generate -m "$out/fifo" -p hi -n 1
for f in config.json model.safetensors tokenizer.json; do
    rm -rf "$out/hf"
    cp -r "$LATHE_SRCDIR/tests/fixtures/hf-tiny" "$out/hf"
    rm "$out/hf/$f" && mkfifo "$out/hf/$f"
    check "generate refuses a Hugging Face directory whose $f is a FIFO" \
        refused "$LATHE" generate -m "$out/hf" -p hi -n 1
    printf 'base_model: %s\nlearning_rate: 0.001\ndatasets:\n  - path: %s\n' "$out/hf" \
        "$LATHE_SRCDIR/samples/data/train.jsonl" >"$out/hf.yaml"
    check "config --check calls a Hugging Face directory whose $f is a FIFO an error" \
        fails_with "$f: cannot open: not a regular file" \
        timeout "$T" "$LATHE" config --check "$out/hf.yaml"
done
printf '{"instruction":"a","output":"b"}\n' >"$out/d.jsonl"
printf 'version: 1\ntokens:\n  model: %s\n  sequence_len: 8\nsteps:\n  - do: drop\n    filter: too_long\n' \
    "$out/fifo" >"$out/r.yaml"
check "data clean refuses a recipe whose tokenizer is a FIFO" \
    refused "$LATHE" data clean "$out/d.jsonl" --recipe "$out/r.yaml" -o "$out/c.jsonl"
check "config --check refuses a FIFO config" refused "$LATHE" config --check "$out/fifo"
printf 'base_model: %s\nlearning_rate: 0.001\ndatasets:\n  - path: /dev/zero\n' "$out/fifo" \
    >"$out/c.yaml"
check "config --check calls a FIFO base_model an error" \
    fails_with "base_model: '$out/fifo' is not a regular file" \
    timeout "$T" "$LATHE" config --check "$out/c.yaml"
check "and a dataset at /dev/zero" grep -qF "datasets[0].path: '/dev/zero' is not a regular file" \
    "$out/stderr"
check "train refuses them" refused "$LATHE" train "$out/c.yaml" --output "$out/run" --max-steps 1

# ---- a dataset truncated while it is read
"$LATHE_BUILDDIR/tests/bench/gen_dataset" --mb 60 -o "$out/big.jsonl" 2>/dev/null \
    || { echo "Bail out! gen_dataset"; exit 1; }
# shrunk_mid_pass DELAY: data stats on a copy truncated DELAY seconds in.
shrunk_mid_pass() {
    cp "$out/big.jsonl" "$out/shrink.jsonl"
    "$LATHE" data stats "$out/shrink.jsonl" >/dev/null 2>"$out/stderr" &
    pid=$!
    sleep "$1"
    truncate -s 100 "$out/shrink.jsonl"
    wait "$pid"
}
result=none
for delay in 0.3 0.1 0.02; do
    shrunk_mid_pass "$delay"
    rc=$?
    [ "$rc" -eq 0 ] && continue     # finished before the truncate: try sooner
    result=$rc
    break
done
if [ "$result" = none ]; then
    skip "data stats on a file truncated mid-pass" "every pass ended before the truncate"
else
    check "data stats on a file truncated mid-pass exits 1 (not a signal: $result)" test "$result" -eq 1
    check "and says the file changed on disk" \
        grep -qF "shrink.jsonl: changed on disk while being read" "$out/stderr"
fi

# ---- a GGUF header that declares more than the file holds
gguf_edit="$LATHE_BUILDDIR/tests/unit/gguf_edit"
"$gguf_edit" "$model" "$out/layers.gguf" llama.block_count=100000 &&
"$gguf_edit" "$model" "$out/width.gguf" llama.embedding_length=1048576 \
    || { echo "Bail out! gguf_edit"; exit 1; }
# Under 2 GiB of address space unless the binary cannot start under it (ASan).
limit=2097152
if ! (ulimit -v "$limit" && "$LATHE" --version >/dev/null 2>&1); then
    limit=unlimited
    diag "lathe does not start under ulimit -v (sanitizers?): no memory limit"
fi
limited() { (ulimit -v "$limit" && exec timeout "$T" "$@"); }
printf 'base_model: %s\nlearning_rate: 0.001\ndatasets:\n  - path: %s\n' \
    "$out/layers.gguf" "$LATHE_SRCDIR/samples/data/train.jsonl" >"$out/layers.yaml"
check "generate refuses 100000 layers in 11 MB" fails_with \
    "the header declares 100000 layers" limited "$LATHE" generate -m "$out/layers.gguf" -p hi -n 1
check "train refuses 100000 layers in 11 MB" fails_with "the header declares 100000 layers" \
    limited "$LATHE" train "$out/layers.yaml" --output "$out/run-layers" --max-steps 1
check "generate refuses a width of 2^20 the tensors do not have" fails_with \
    "expected [1048576, 2936] from the header" \
    limited "$LATHE" generate -m "$out/width.gguf" -p hi -n 1
rm -rf "$out/hf"
cp -r "$LATHE_SRCDIR/tests/fixtures/hf-tiny" "$out/hf"
sed -i 's/"model_type"/"head_dim": 1073741824, "model_type"/' "$out/hf/config.json"
check "generate refuses a config.json head_dim of 2^30" fails_with "does not match config.json" \
    limited "$LATHE" generate -m "$out/hf" -p hi -n 1

# ---- a gzip of tiny records (a fifth of it under sanitizers, which are slow
# and run without the memory limit)
size=20000000
if [ "$limit" = unlimited ]; then size=4000000; else limit=400000; fi
yes '{"instruction":"a","output":"b"}' | head -c "$size" | gzip -1 >"$out/tiny.jsonl.gz"
render_three() {
    limited "$LATHE" data render "$out/tiny.jsonl.gz" --max 3 \
        --config "$LATHE_SRCDIR/samples/lora.yaml" >"$out/three" 2>"$out/stderr"
}
check "data render --max 3 on $((size / 33)) tiny records fits the memory limit" render_three
check "and prints 3 sequences" test "$(wc -l <"$out/three")" -eq 3
check "data stats past the memory budget says so" fails_with "over the memory budget of 8 MiB" \
    env LATHE_MEMORY_BUDGET=8M timeout "$T" "$LATHE" data stats "$out/tiny.jsonl.gz"
check "and names the records it found" grep -qF "tiny.jsonl.gz: " "$out/stderr"
check "data render of all of it past the budget says so" \
    fails_with "over the memory budget of 16 MiB" env LATHE_MEMORY_BUDGET=16M \
    timeout "$T" "$LATHE" data render "$out/tiny.jsonl.gz" --config "$LATHE_SRCDIR/samples/lora.yaml"

# ---- YAML nested past the cap
awk 'BEGIN { printf "base_model: m.gguf\nlearning_rate: 1\ndatasets: "
             for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"
             print "" }' >"$out/deep.yaml"
check "config --check refuses 100000 nested lists at their line and column" \
    fails_with "deep.yaml:3:74: error: lists and mappings nested deeper than 64 levels" \
    timeout 10 "$LATHE" config --check "$out/deep.yaml"
check "and train the same" fails_with "nested deeper than 64 levels" \
    timeout 10 "$LATHE" train "$out/deep.yaml" --output "$out/run-deep"

tap_done

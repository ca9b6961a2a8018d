#!/bin/sh
# test_train_cache.sh - the tokenized-dataset cache of `lathe train`
# (src/train_cache.h) on the tiny random llama of tests/unit/train_fixture:
# the first run tokenizes and writes RUNS/.cache/tokenized-KEY.bin, a second
# run and a --resume take the sequences from it (reported on stderr and in
# events.jsonl) with losses identical to the tokenizing run; a damaged,
# truncated or foreign file is reported as a warning and rebuilt; changing a
# pipeline key or the dataset's bytes gives another cache file, changing a
# training-only key does not.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
err_has() { grep -Eq -- "$1" "$out/stderr"; }
losses() { grep -v eval_loss "$1" | sed -E 's/.*"step":([0-9]+),.*"loss":([^,]*),.*/\1 \2/'; }
caches() { ls "$out/runs/.cache" | grep -c '^tokenized-[0-9a-f]*\.bin$'; }

"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$out/base.gguf" || { echo "Bail out! fixture"; exit 1; }
head -n 40 "$LATHE_SRCDIR/samples/data/train.jsonl" > "$out/data.jsonl"

{
    echo "base_model: base.gguf"
    echo "datasets:"
    echo "  - path: data.jsonl"
    echo "    type: alpaca"
    echo "val_set_size: 8"
    echo "eval_steps: 3"
    echo "sequence_len: 128"
    echo "sample_packing: true"
    echo "learning_rate: 0.01"
    echo "micro_batch_size: 2"
    echo "threads: 1"
    echo "adapter: lora"
    echo "lora_r: 4"
    echo "lora_alpha: 8"
    echo "lora_target_linear: true"
    echo "save_steps: 3"
    echo "max_steps: 6"
} > "$out/c.yaml"

check "first run: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/runs/a"
check "first run: tokenizes and says where it caches" \
    err_has "tokenized the data; cached in .*runs/\.cache/tokenized-[0-9a-f]{16}\.bin"
check "first run: one cache file beside the runs" test "$(caches)" -eq 1
cache=$(ls "$out"/runs/.cache/tokenized-*.bin)
check "first run: no temporary file left" test "$(ls -A "$out/runs/.cache" | wc -l)" -eq 1
check "first run: the event is logged" grep -q '"event":"tokenized the data; cached in' \
    "$out/runs/a/events.jsonl"
losses "$out/runs/a/metrics.jsonl" > "$out/want"
check "first run: 6 losses" test "$(wc -l < "$out/want")" -eq 6

check "second run: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/runs/b"
check "second run: a cache hit" err_has "tokenized data from the cache .*tokenized-"
check "second run: the hit is logged as an event" \
    grep -q '"event":"tokenized data from the cache' "$out/runs/b/events.jsonl"
check "second run: the same sequence counts" err_has "training sequences .*validation records"
grep 'training sequences' "$out/stderr" > "$out/counts.b"
losses "$out/runs/b/metrics.jsonl" > "$out/got"
check "second run: losses identical to the tokenizing run" cmp "$out/want" "$out/got"
check "second run: eval losses identical too" test \
    "$(grep eval_loss "$out/runs/a/metrics.jsonl" | sed 's/.*"eval_loss"//')" = \
    "$(grep eval_loss "$out/runs/b/metrics.jsonl" | sed 's/.*"eval_loss"//')"

check "--resume: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --resume "$out/runs/a" \
    --max-steps 9
check "--resume: takes the cache" err_has "tokenized data from the cache"
check "--resume: evaluations at steps 3, 6, 9, once each (the one of the resumed step kept)" \
    test "$(grep eval_loss "$out/runs/a/metrics.jsonl" | sed -E 's/.*"step":([0-9]+),.*/\1/' |
        tr '\n' ' ')" = "3 6 9 "

# damage: one byte flipped in the payload, then a truncated file, then
# another key's file under this name: each a warning, a rebuild, a good run
size=$(wc -c < "$cache")
printf '\377' | dd of="$cache" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
check "flipped byte: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/runs/c"
check "flipped byte: a checksum warning" err_has "warning: tokenized-data cache .*damaged \(checksum mismatch\); rebuilding it"
check "flipped byte: the warning is an event" grep -q '"event":"warning: tokenized-data cache' \
    "$out/runs/c/events.jsonl"
check "flipped byte: rebuilt" err_has "tokenized the data; cached in"
losses "$out/runs/c/metrics.jsonl" > "$out/got"
check "flipped byte: losses identical" cmp "$out/want" "$out/got"
check "after the rebuild: a hit again" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/runs/d"
check "after the rebuild: says so" err_has "tokenized data from the cache"

head -c $((size - 100)) "$cache" > "$out/cut" && cp "$out/cut" "$cache"
check "truncated: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/runs/e"
check "truncated: a length warning" err_has "truncated or extended \(length mismatch\); rebuilding"
printf 'not a cache' > "$cache"
check "foreign file: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/runs/f"
check "foreign file: a magic warning" err_has "bad magic\); rebuilding"
losses "$out/runs/f/metrics.jsonl" > "$out/got"
check "foreign file: losses identical" cmp "$out/want" "$out/got"

# what the key covers
check "learning_rate changed: still a hit" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/runs/g" --set learning_rate=0.02
check "learning_rate changed: says so" err_has "tokenized data from the cache"
for kv in sequence_len=64 sample_packing=false train_on_inputs=true seed=7 val_set_size=4 \
          dataset_exact_deduplication=true shuffle=false chat_template=alpaca; do
    n=$(caches)
    "$LATHE" train "$out/c.yaml" --output "$out/runs/k-${kv%%=*}" --set "$kv" \
        --max-steps 1 >"$out/stdout" 2>"$out/stderr"
    check "$kv: tokenizes again into a new cache file" \
        sh -c "grep -q 'tokenized the data; cached' '$out/stderr' && test $(caches) -eq $((n + 1))"
done
echo '{"instruction": "one more", "input": "", "output": "record"}' >> "$out/data.jsonl"
check "dataset bytes changed: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/runs/h" --max-steps 1
check "dataset bytes changed: tokenized again" err_has "tokenized the data; cached in"

# the cache directory is not a run for --resume auto
check "--resume auto skips .cache" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/runs/new" --resume auto --max-steps 1
check "--resume auto: resumed a run, not the cache" err_has "resuming .*runs/[a-z]"

tap_done

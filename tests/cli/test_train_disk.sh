#!/bin/sh
# test_train_disk.sh - `lathe train` and the file system it writes to, on the
# tiny random llama of tests/unit/train_fixture:
# - the tokenized-data cache folder is made 0700, and a cache folder or file
#   that is not this user's alone (planted by another user in a
#   world-writable runs directory, or writable by others) is ignored with a
#   warning, never read nor written (needs root, to plant as nobody);
# - on a full disk (a small tmpfs; needs root and mount) the small final
#   outputs are still written, summary.json says exactly what was and was
#   not, the failure's whole reason is in events.jsonl, and pruning before a
#   save makes the room that save_total_limit frees.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root (files of another user, tmpfs mounts)"
nobody=$(id -u nobody 2>/dev/null) || skip_all "no user nobody"

out=$(mktemp -d)
mnt="$out/mnt"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
err_has() { grep -Eq -- "$1" "$out/stderr"; }
mode() { stat -c %a "$1"; }

"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$out/base.gguf" || { echo "Bail out! fixture"; exit 1; }
head -n 40 "$LATHE_SRCDIR/samples/data/train.jsonl" > "$out/data.jsonl"

# config NAME EXTRA...: a LoRA config
config() {
    name=$1; shift
    {
        echo "base_model: $out/base.gguf"
        echo "datasets:"
        echo "  - path: $out/data.jsonl"
        echo "    type: alpaca"
        echo "sequence_len: 128"
        echo "sample_packing: true"
        echo "learning_rate: 0.01"
        echo "micro_batch_size: 2"
        echo "threads: 1"
        echo "adapter: lora"
        echo "lora_alpha: 8"
        echo "lora_target_linear: true"
        for l in "$@"; do echo "$l"; done
    } > "$out/$name.yaml"
}

# --- the tokenized-data cache (issue 13, item 7)
config c "lora_r: 4" "max_steps: 1"
mkdir -m 1777 "$out/shared"
check "cache: a run in a 1777 runs directory exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/shared/a"
check "cache: it tokenizes and caches" err_has "tokenized the data; cached in"
check "cache: the cache folder is 0700" test "$(mode "$out/shared/.cache")" = 700
cache=$(ls "$out"/shared/.cache/tokenized-*.bin)
check "cache: a second run takes it" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/shared/b"
check "cache: says so" err_has "tokenized data from the cache"

# another user's folder, with a valid cache for this very config in it
mkdir -m 1777 "$out/pub"
cp -r "$out/shared/.cache" "$out/pub/.cache"
chown -R nobody "$out/pub/.cache"
planted=$(ls "$out"/pub/.cache/tokenized-*.bin)
cp "$planted" "$out/planted.copy"
check "planted folder: the run exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/pub/a"
check "planted folder: a warning names it and its owner" \
    err_has "warning: ignoring the tokenized-data cache: .*pub/\.cache is owned by another user \(uid $nobody\)"
check "planted folder: the data is tokenized, not taken from it" \
    sh -c "grep -q 'tokenized the data\\|training sequences' '$out/stderr' && ! grep -q 'from the cache' '$out/stderr'"
check "planted folder: the warning is an event" \
    grep -q '"event":"warning: ignoring the tokenized-data cache' "$out/pub/a/events.jsonl"
check "planted folder: nothing written into it" cmp "$planted" "$out/planted.copy"

# our folder, another user's file in it
mkdir -m 1777 "$out/pub2"
cp -r "$out/shared/.cache" "$out/pub2/.cache"
chown nobody "$out"/pub2/.cache/tokenized-*.bin
check "planted file: the run exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/pub2/a"
check "planted file: ignored with a warning" \
    err_has "warning: ignoring the tokenized-data cache: .*tokenized-[0-9a-f]+\.bin is owned by another user"

# a folder others may write to
chmod 777 "$out/shared/.cache"
check "writable by others: the run exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/shared/c"
check "writable by others: ignored with a warning" \
    err_has "warning: ignoring the tokenized-data cache: .*is writable by other users"
check "writable by others: the cache file untouched" test -s "$cache"

# --- a full disk (issue 13, item 3)
mkdir "$mnt"
if ! mount -t tmpfs -o size=8m tmpfs "$mnt" 2>/dev/null; then
    skip "full disk" "cannot mount a tmpfs here"
    tap_done
    exit
fi

# the sizes of a checkpoint and of the adapter, from a run on a roomy disk
config big "lora_r: 64" "save_steps: 1"
check "full disk: a reference run" status_is 0 "$LATHE" train "$out/big.yaml" \
    --output "$out/ref" --max-steps 1
ckpt=$(du -sB1 "$out/ref/checkpoints/step-1" | cut -f1)
adapter=$(du -sB1 "$out/ref/adapter" | cut -f1)
diag "a checkpoint takes $ckpt bytes, the adapter $adapter"
# fill DIR BYTES: leaves BYTES free on the tmpfs (plus the logs' room)
fill() {
    rm -rf "$mnt"/* "$mnt"/.cache
    : > "$mnt/.cache"  # no tokenized-data cache on the small disk
    free=$(df -B1 --output=avail "$mnt" | tail -n 1)
    head -c $((free - $1 - 65536)) /dev/zero > "$mnt/filler"
}

# room for the adapter but for no checkpoint
fill $(((ckpt + adapter) / 2))
check "no room for checkpoints: the run ends with exit 1" status_is 1 "$LATHE" train \
    "$out/big.yaml" --output "$mnt/run" --max-steps 3
check "no room for checkpoints: the adapter is written" test -s "$mnt/run/adapter/adapter.gguf"
check "no room for checkpoints: summary.json says it" grep -q '"output": "adapter/"' \
    "$mnt/run/summary.json"
check "no room for checkpoints: summary.json says the final checkpoint was not written, and why" \
    sh -c "grep -A1 '\"file\": \"checkpoints/step-3\"' '$mnt/run/summary.json' |
        grep -q '\"reason\": \".*No space left on device\"'"
check "no room for checkpoints: and that there is none" grep -q '"checkpoint": null' \
    "$mnt/run/summary.json"
check "no room for checkpoints: the reason is whole in events.jsonl" \
    grep -q '"step":1,.*"event":"checkpoint failed: .*/checkpoints/[^"]*: No space left on device"' \
    "$mnt/run/events.jsonl"
check "no room for checkpoints: said on stderr" err_has "checkpoint failed: .*No space left on device"
check "no room for checkpoints: no partial checkpoint left" \
    test -z "$(ls -A "$mnt/run/checkpoints" 2>/dev/null)"

# room for two checkpoints and the adapter, not for three checkpoints (the
# adapter is smaller than a checkpoint): with save_total_limit 2 the oldest
# is pruned before each save, so every save fits
fill $((2 * ckpt + (ckpt + adapter) / 2))
check "room for two checkpoints: the run exits 0" status_is 0 "$LATHE" train \
    "$out/big.yaml" --output "$mnt/run2" --max-steps 4 --set save_total_limit=2
check "room for two checkpoints: no save failed" sh -c "! grep -q 'checkpoint failed' '$out/stderr'"
check "room for two checkpoints: steps 3 and 4 kept" \
    test "$(ls "$mnt/run2/checkpoints" | tr '\n' ' ')" = "step-3 step-4 "
check "room for two checkpoints: the adapter is written" test -s "$mnt/run2/adapter/adapter.gguf"
check "room for two checkpoints: nothing missing in summary.json" \
    grep -q '"not_written": \[\]' "$mnt/run2/summary.json"

tap_done

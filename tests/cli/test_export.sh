#!/bin/sh
# test_export.sh - `lathe export adapter` and `lathe export merge` on tiny
# models written by tests/unit/export_fixtures: GGUF <-> PEFT conversions
# (byte-identical round trip), run directories, merges to every output type
# that load again (`lathe inspect`), and the error exits (1 runtime, 2 usage).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
has() { grep -Eq -- "$1" "$out/stdout"; }
err_has() { grep -Eq -- "$1" "$out/stderr"; }

fx="$out/fx"
mkdir "$fx"
"$LATHE_BUILDDIR/tests/unit/export_fixtures" "$fx" || { echo "Bail out! fixtures"; exit 1; }

check "adapter: gguf to gguf + peft exits 0" status_is 0 "$LATHE" export adapter "$fx/lora.gguf" \
    --gguf "$out/a.gguf" --peft "$out/peft"
check "adapter: reports what it wrote" has 'wrote .*a.gguf \(llama.cpp LoRA, 6 tensors, rank 2\)'
check "adapter: PEFT files written" test -s "$out/peft/adapter_model.safetensors" -a \
    -s "$out/peft/adapter_config.json"
check "adapter: PEFT config names the LoRA" grep -q '"peft_type": "LORA"' "$out/peft/adapter_config.json"
check "adapter: gguf re-export is byte-identical" cmp -s "$fx/lora.gguf" "$out/a.gguf"
check "adapter: PEFT back to gguf with -m BASE exits 0" status_is 0 "$LATHE" export adapter \
    "$out/peft" --gguf "$out/b.gguf" -m "$fx/base.gguf"
check "adapter: GGUF -> PEFT -> GGUF is byte-identical" cmp -s "$fx/lora.gguf" "$out/b.gguf"
check "adapter: HF base works as -m too" status_is 0 "$LATHE" export adapter "$out/peft" \
    --gguf "$out/c.gguf" -m "$fx/base-hf"
check "adapter: PEFT of a llama without the base exits 1" status_is 1 "$LATHE" export adapter \
    "$out/peft" --gguf "$out/d.gguf"
check "adapter: and says to give -m BASE" err_has 'head geometry.*-m BASE'
cp -r "$out/peft" "$out/peft-local"
sed "s|\"base_model_name_or_path\": \"\"|\"base_model_name_or_path\": \"$fx/base-hf\"|" \
    "$out/peft/adapter_config.json" > "$out/peft-local/adapter_config.json"
check "adapter: a local base_model_name_or_path stands in for -m" status_is 0 "$LATHE" export \
    adapter "$out/peft-local" --gguf "$out/local.gguf"
mkdir -p "$out/run"
cp -r "$out/peft" "$out/run/adapter"
check "adapter: a run directory with adapter/ works" status_is 0 "$LATHE" export adapter \
    "$out/run" --gguf "$out/run.gguf" -m "$fx/base.gguf"
check "adapter: and gives the same file" cmp -s "$fx/lora.gguf" "$out/run.gguf"

# A run directory as `lathe train` writes it exports without -m: lathe's own
# adapters carry the base's geometry, and their PEFT config names the base.
(cd "$out" && "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 1 --output trained \
    >/dev/null 2>&1)
check "adapter: a trained run directory exports without -m" status_is 0 "$LATHE" export adapter \
    "$out/trained" --gguf "$out/trained.gguf" --peft "$out/trained-peft"
check "... to the run's own adapter.gguf" cmp -s "$out/trained/adapter/adapter.gguf" "$out/trained.gguf"
rm "$out/trained/adapter/adapter.gguf"
check "adapter: with only its PEFT adapter/ left, too" status_is 0 "$LATHE" export adapter \
    "$out/trained" --gguf "$out/trained2.gguf"
check "... the same file" cmp -s "$out/trained.gguf" "$out/trained2.gguf"

check "merge: gguf base + gguf adapter -> f32 gguf exits 0" status_is 0 "$LATHE" export merge \
    -m "$fx/base.gguf" --lora "$fx/lora.gguf" -o "$out/m32.gguf"
check "merge: the result loads and keeps the tokenizer and template" sh -c \
    "'$LATHE' inspect '$out/m32.gguf' > '$out/i' && grep -q '16 tokens' '$out/i' &&
     grep -q '^chat template: yes' '$out/i' && grep -q '^  F32 ' '$out/i'"
for t in f16 q8_0 q4_0; do
    check "merge: --type $t exits 0" status_is 0 "$LATHE" export merge -m "$fx/base.gguf" \
        --lora "$out/peft" -o "$out/m-$t.gguf" --type "$t"
    check "merge: --type $t output holds $t tensors" sh -c \
        "'$LATHE' inspect '$out/m-$t.gguf' | grep -qi '^  $t '"
done
mkdir "$out/st"
check "merge: HF base + PEFT -> safetensors exits 0" status_is 0 "$LATHE" export merge \
    -m "$fx/base-hf" --lora "$out/peft" -o "$out/st/model.safetensors" --type bf16
check "merge: config.json beside it, and it inspects" sh -c \
    "test -s '$out/st/config.json' && '$LATHE' inspect '$out/st' | grep -q 'BF16'"
check "merge: HF base to gguf warns that there is no tokenizer" status_is 0 "$LATHE" export merge \
    -m "$fx/base-hf" --lora "$fx/lora.gguf" -o "$out/hf.gguf"
check "merge: the warning" err_has 'no tokenizer metadata'
cp -r "$fx/base-hf" "$out/base-hf-tok"
cp "$LATHE_SRCDIR/tests/fixtures/hf-tiny/tokenizer.json" \
    "$LATHE_SRCDIR/tests/fixtures/hf-tiny/tokenizer_config.json" "$out/base-hf-tok/"
check "merge: HF base with tokenizer.json to gguf exits 0" status_is 0 "$LATHE" export merge \
    -m "$out/base-hf-tok" --lora "$fx/lora.gguf" -o "$out/hf-tok.gguf"
check "merge: and gives no note" sh -c "! grep -q note '$out/stderr'"
check "merge: the gguf holds the tokenizer, padded to the model, and the template" sh -c \
    "'$LATHE' inspect '$out/hf-tok.gguf' > '$out/i' && grep -q '^tokenizer: *llama.*16 tokens' '$out/i' &&
     grep -q '^chat template: yes' '$out/i'"

check "missing adapter exits 1" status_is 1 "$LATHE" export adapter "$out/nope.gguf" --gguf "$out/x.gguf"
check "missing adapter: message" err_has 'nope.gguf: no such file or directory'
check "a directory without an adapter exits 1" status_is 1 "$LATHE" export adapter "$fx" --gguf "$out/x.gguf"
check "a model file as --lora exits 1" status_is 1 "$LATHE" export merge -m "$fx/base.gguf" \
    --lora "$fx/base.gguf" -o "$out/x.gguf"
check "a model file as --lora: message" err_has "general.type is missing"
check "an adapter as -m exits 1" status_is 1 "$LATHE" export merge -m "$fx/lora.gguf" \
    --lora "$fx/lora.gguf" -o "$out/x.gguf"
check "adapter for another architecture exits 1" status_is 1 "$LATHE" export merge \
    -m "$fx/other.gguf" --lora "$fx/lora.gguf" -o "$out/x.gguf"
check "another architecture: message" err_has "adapter is for architecture 'llama', the model is 'qwen2'"
check "missing model exits 1" status_is 1 "$LATHE" export merge -m "$out/nope" --lora "$fx/lora.gguf" \
    -o "$out/x.gguf"
check "bad --type exits 2" status_is 2 "$LATHE" export merge -m "$fx/base.gguf" --lora "$fx/lora.gguf" \
    -o "$out/x.gguf" --type q3_k
check "bad --type: message" err_has '--type q3_k: a .gguf output takes f32, f16, q8_0, q4_0, q4_k, q5_k, q6_k or q4_k_m'
check "q8_0 safetensors exits 2" status_is 2 "$LATHE" export merge -m "$fx/base.gguf" \
    --lora "$fx/lora.gguf" -o "$out/x.safetensors" --type q8_0
check "unknown output extension exits 2" status_is 2 "$LATHE" export merge -m "$fx/base.gguf" \
    --lora "$fx/lora.gguf" -o "$out/x.bin"
check "merge without --lora exits 2" status_is 2 "$LATHE" export merge -m "$fx/base.gguf" -o "$out/x.gguf"
check "adapter without outputs exits 2" status_is 2 "$LATHE" export adapter "$fx/lora.gguf"
check "no subcommand exits 2" status_is 2 "$LATHE" export
check "unknown subcommand exits 2" status_is 2 "$LATHE" export frobnicate
check "unknown option exits 2" status_is 2 "$LATHE" export adapter "$fx/lora.gguf" --bogus x
check "nothing was written by the failures" test ! -e "$out/x.gguf" -a ! -e "$out/x.safetensors"

tap_done

#!/bin/sh
# test_config_estimate.sh - `lathe config --estimate`: the text report and the
# JSON keys the README documents on the sample config, --set applied, a config
# with an error exiting 1 as --check does, usage errors exiting 2, and
# --measure timing real steps.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fx="$LATHE_SRCDIR/tests/fixtures/config"
cfg="$LATHE_SRCDIR/samples/lora.yaml"

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
json_has() { grep -q "\"$1\":" "$out/stdout" || { diag "no key $1 in: $(cat "$out/stdout")"; false; }; }
json_is() { grep -q "\"$1\":$2[,}]" "$out/stdout" || { diag "$1 is not $2 in: $(cat "$out/stdout")"; false; }; }

check "--estimate exits 0" status_is 0 "$LATHE" config --estimate "$cfg"
check "it names the method" grep -q "^$cfg: lora on " "$out/stdout"
check "it gives the peak" grep -Eq '^memory +[0-9.]+ (MiB|GiB) at the peak' "$out/stdout"
check "it lists the activations" grep -Eq '^  activations +[0-9.]+ MiB' "$out/stdout"
check "it gives the steps" grep -Eq '^steps +44 per epoch, 352 in all \(8 epochs\)' "$out/stdout"
check "it warns about the learning rate" grep -q '^warning: learning_rate 0.004 is above' \
    "$out/stdout"

check "--estimate --json exits 0" status_is 0 "$LATHE" config --estimate "$cfg" --json
check "--json is one line" test "$(wc -l <"$out/stdout")" -eq 1
for k in config method threads model params trainable lora memory program tokenizer data \
    weights weights_quantized model_file gradients optimizer activations logits batches \
    peak peak_phase train_peak load_peak reclaimable available total fits records skipped \
    truncated truncated_share sequences tokens_per_epoch learned_tokens longest val_records \
    val_sequences val_tokens steps per_epoch epochs run_tokens evaluations warnings; do
    check "--json has $k" json_has "$k"
done
check "--json: method lora" json_is method '"lora"'
check "--json: 352 steps" json_is total 352
check "--json: 8 evaluations" json_is evaluations 8
check "--json: no time without --measure" sh -c "! grep -q '\"time\"' '$out/stdout'"

check "--set applies" status_is 0 "$LATHE" config --estimate "$cfg" --json --set max_steps=5 \
    --set adapter=~ --set lora_target_linear=false
check "--set: 5 steps" json_is total 5
check "--set: full fine-tuning" json_is method '"full"'

check "a config with an error exits 1" status_is 1 "$LATHE" config --estimate \
    "$fx/unknown_key.yaml"
check "and says where, as --check does" grep -q "unknown_key.yaml:[0-9]*:[0-9]*: error: unknown key" \
    "$out/stderr"
check "no CONFIG exits 2" status_is 2 "$LATHE" config --estimate
check "an unknown option exits 2" status_is 2 "$LATHE" config --estimate "$cfg" --fast

# --measure times real steps: small ones (what is checked is the report,
# not the sample's figures; a full-size step takes seconds under TSan).
small="--set micro_batch_size=2 --set sequence_len=128"
# shellcheck disable=SC2086
check "--measure exits 0" status_is 0 "$LATHE" config --estimate "$cfg" --measure --json \
    --set threads=1 $small
for k in time measured_steps load_s first_step_s step_s eval_s estimated_s first_loss \
    nonfinite_steps; do
    check "--measure has $k" json_has "$k"
done
check "--measure took 4 steps" json_is measured_steps 4
# shellcheck disable=SC2086
check "--measure: a text line for the time" status_is 0 "$LATHE" config --estimate "$cfg" \
    --measure --set threads=1 --set eval_steps=~ $small
check "it gives the estimated duration" grep -Eq '^time +[0-9].* estimated for the run' \
    "$out/stdout"
tap_done

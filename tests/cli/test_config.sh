#!/bin/sh
# test_config.sh - `lathe config`: --explain (all keys, one key, a typo),
# --check (exit status and the exact file:line:column messages), --set
# errors naming the argument, and --resolve output that checks clean again.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fx="$LATHE_SRCDIR/tests/fixtures/config"

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
stderr_is() { printf '%s\n' "$1" | cmp -s - "$out/stderr" || { diag "stderr:"; diag "$(cat "$out/stderr")"; false; }; }
stdout_is() { printf '%s\n' "$1" | cmp -s - "$out/stdout" || { diag "stdout:"; diag "$(cat "$out/stdout")"; false; }; }

check "--explain exits 0" status_is 0 "$LATHE" config --explain
for g in Model Data Method Optimization Schedule "Evaluation and saving" Alarms System; do
    check "--explain lists group $g" grep -qx "$g" "$out/stdout"
done
check "--explain lists learning_rate as required" \
    grep -Eq '^  learning_rate +number +required +peak learning rate$' "$out/stdout"
check "--explain lists the dataset keys" grep -q '^  datasets.field_messages ' "$out/stdout"
check "--explain lists 63 keys" test "$(grep -c '^  [a-z]' "$out/stdout")" -eq 63

check "--explain lora_dropout exits 0" status_is 0 "$LATHE" config --explain lora_dropout
check "--explain lora_dropout in full" stdout_is "lora_dropout (Method)
  dropout on the LoRA input
  type:     number in [0, 1)
  default:  0.0"
check "--explain threads says what unset means" sh -c \
    "'$LATHE' config --explain threads | grep -qx '  default:  unset: all cores'"
check "--explain lr_scheduler lists the choices" sh -c \
    "'$LATHE' config --explain lr_scheduler | grep -qx '  type:     one of cosine, linear, constant'"
check "--explain a typo exits 2" status_is 2 "$LATHE" config --explain lora_rank
check "--explain a typo suggests the key" \
    stderr_is "lathe config: unknown key 'lora_rank'; did you mean 'lora_r'?"
check "--explain nonsense exits 2" status_is 2 "$LATHE" config --explain zzzzzz

# The fixtures' model (hf-tiny) has a context of 64 tokens and a width of 8.
check "--check a good config exits 0" status_is 0 "$LATHE" config --check "$fx/minimal.yaml" \
    --set sequence_len=64
check "--check prints ok" stdout_is "$fx/minimal.yaml: ok"
# An Axolotl config checks clean but for one warning per key lathe has no use for.
check "--check an Axolotl config exits 0" status_is 0 "$LATHE" config --check "$fx/axolotl.yaml" \
    --set sequence_len=64
check "... says ok with the warnings counted" stdout_is "$fx/axolotl.yaml: ok (17 warnings)"
check "... each warning says why the key does not apply" sh -c \
    "[ \$(grep -c \"warning: '[a-z_0-9]*' is an Axolotl key that does not apply to lathe (ignored): \" '$out/stderr') -eq 17 ]"
check "--check an Axolotl setting lathe cannot honour exits 1" status_is 1 "$LATHE" config \
    --check "$fx/axolotl_unsupported.yaml"
check "... naming it and why" grep -qF "axolotl_unsupported.yaml:8:1: error: 'peft_use_dora: true' is an Axolotl setting lathe does not support" "$out/stderr"
check "--check a bad config exits 1" status_is 1 "$LATHE" config --check "$fx/unknown_key.yaml"
check "--check prints every error with file:line:column" stderr_is \
"$fx/unknown_key.yaml:5:1: error: unknown key 'lora_rank'; did you mean 'lora_r'?
$fx/unknown_key.yaml:6:1: error: unknown key 'my_own_key'
$fx/unknown_key.yaml:7:1: error: unknown key 'learning_rat'; did you mean 'learning_rate'?
$fx/unknown_key.yaml: 3 errors"
check "--check a warning alone exits 0" status_is 0 "$LATHE" config --check "$fx/full.yaml" \
    --set max_steps=9 --set sequence_len=64 --set lora_r=8
check "--check counts the warning" stdout_is "$fx/full.yaml: ok (1 warning)"
check "--check prints the warning" \
    stderr_is "--set max_steps=9: warning: max_steps (9) takes precedence over num_epochs (3)"
check "--set with a bad value exits 1" status_is 1 "$LATHE" config --check "$fx/minimal.yaml" \
    --set lora_r=abc --set=seeds=1
check "--set errors name the argument" stderr_is \
"--set lora_r=abc: error: lora_r: expected an integer, got 'abc'
--set seeds=1: error: unknown key 'seeds'; did you mean 'seed'?
$fx/minimal.yaml: 2 errors"
check "--set without a value exits 2" status_is 2 "$LATHE" config --check "$fx/minimal.yaml" --set
check "--check without a file exits 2" status_is 2 "$LATHE" config --check
check "--check of a missing file exits 1" status_is 1 "$LATHE" config --check "$out/none.yaml"
check "no mode exits 2" status_is 2 "$LATHE" config
check "an unknown mode exits 2" status_is 2 "$LATHE" config --frobnicate

check "--resolve exits 0" status_is 0 "$LATHE" config --resolve "$fx/full.yaml" --set lora_r=4
cp "$out/stdout" "$out/resolved.yaml"
check "--resolve fills in defaults" grep -qx 'adam_beta1: 0.9' "$out/resolved.yaml"
check "--resolve applies --set" grep -qx 'lora_r: 4' "$out/resolved.yaml"
check "--resolve writes unset keys as null" grep -qx 'max_steps: null' "$out/resolved.yaml"
check "the resolved config checks clean" status_is 0 "$LATHE" config --check "$out/resolved.yaml"
check "the resolved config resolves to itself" sh -c \
    "'$LATHE' config --resolve '$out/resolved.yaml' | cmp -s - '$out/resolved.yaml'"
check "--resolve of a bad config exits 1" status_is 1 "$LATHE" config --resolve "$fx/range.yaml"
check "--resolve of a bad config prints nothing on stdout" test ! -s "$out/stdout"

check "--check with settings the model makes pointless exits 0" status_is 0 "$LATHE" config \
    --check "$fx/minimal.yaml" --set adapter=lora --set lora_target_linear=true --set lora_r=16 \
    --set warmup_steps=1000
check "and warns of each" stderr_is \
"$fx/minimal.yaml: warning: sequence_len 512 is past the model's context of 64 tokens: positions past it were never trained
$fx/minimal.yaml: warning: lora_r 16 is above the model's width of 8: a rank past a matrix's smaller side adds parameters, not capacity
$fx/minimal.yaml: warning: warmup_steps 1000 is not shorter than the run (at most 3 steps): the learning rate never reaches its peak"
check "--check with max_steps compares warmup_steps with it" status_is 0 "$LATHE" config --check \
    "$fx/minimal.yaml" --set sequence_len=64 --set max_steps=10 --set warmup_steps=10
check "and warns" stderr_is "$fx/minimal.yaml: warning: warmup_steps 10 is not shorter than the run (10 steps): the learning rate never reaches its peak"
tap_done

#!/bin/sh
# test_chat.sh - `lathe chat` without a terminal, on the bundled sample model
# and an adapter trained here for a few steps (with checkpoints): greedy and
# seeded replies equal `lathe generate`'s, with and without the adapter; --ab
# answers A (no adapter) and B (the adapter) in one line each; /vote writes
# preferences.jsonl with the right chosen/rejected, which `lathe data stats`
# reads; --blind shuffles the columns per prompt and the vote reveals them;
# /save writes a dataset `lathe data stats` opens; /checkpoint lists a run's
# checkpoints and loads one as B (a LoRA run's as an adapter, a full
# fine-tune's as weights of its own), also while that run is still training;
# /lora gives B an adapter, at a scale, or none, /model reopens the model;
# --template and /template render the prompt with another template, --system
# puts a system turn first; bad options and commands say what was expected.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trainer=
cleanup() {
    [ -n "$trainer" ] && kill "$trainer" 2>/dev/null
    rm -rf "$out"
}
trap cleanup EXIT
cd "$out" || exit 1
model="$LATHE_SRCDIR/samples/model.gguf"

small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128"
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 6 --set save_steps=3 \
    --set warmup_steps=0 --set threads=2 $small --output run >/dev/null 2>train.err ||
    { cat train.err; echo "Bail out! lathe train"; exit 1; }

chat() { "$LATHE" chat -m "$model" "$@" 2>chat.err; }
# reply TAG: the text of the first "TAG: " line of stdin, escapes undone
reply() { sed -n "s/^$1: //p" | head -n 1 | { IFS= read -r l; printf '%b' "$l"; }; }

q="What is the capital of France?"
g=$("$LATHE" generate -m "$model" -p "$q" --temp 0 -n 24)
c=$(printf '%s\n' "$q" | chat --temp 0 -n 24 | reply A)
check "greedy chat says what lathe generate says" test "$c" = "$g"
check "... and the reply is not empty" test -n "$c"
gl=$("$LATHE" generate -m "$model" --lora run -p "$q" --temp 0 -n 24)
cl=$(printf '%s\n' "$q" | chat --lora run --temp 0 -n 24 | reply B)
check "with --lora too (the reply is B's)" test "$cl" = "$gl"
check "... and the adapter changes the reply" test "$gl" != "$g"
gs=$("$LATHE" generate -m "$model" -p "$q" --temp 0.9 --seed 7 -n 24)
cs=$(printf '%s\n' "$q" | chat --temp 0.9 --seed 7 -n 24 | reply A)
check "a seeded sampled reply equals lathe generate's with that seed" test "$cs" = "$gs"

printf '%s\n' "$q" | chat --lora run --ab --temp 0 -n 24 >ab.out
check "--ab prints one line per side" test "$(wc -l <ab.out)" -eq 2
check "... A first: the model without the adapter" test "$(reply A <ab.out)" = "$g"
check "... then B: the model with it" test "$(reply B <ab.out)" = "$gl"
check "... and the figures of both on stderr" test "$(grep -c 'tokens/s' chat.err)" -eq 2

# /lora and /model in the chat: B gets and loses its adapter, the model reopens
printf '/lora run\n/ab on\n%s\n/lora none\n/ab on\n/reset\n%s\n/lora run 2\n/ab on\n/model %s\n' \
    "$q" "$q" "$model" | chat --temp 0 -n 24 >lora.out
check "/lora PATH gives B the adapter" grep -q '^# B: model.gguf + run, scale 1.0$' lora.out
check "... and B answers as lathe generate --lora does" test "$(reply B <lora.out)" = "$gl"
check "/lora none removes B, which ends A/B" grep -q '^# B removed; A/B off$' lora.out
check "... so /ab on is refused" grep -q 'B runs nothing to compare with A' chat.err
check "... and the next prompt gets A's reply alone" \
    test "$(grep -c '^A: ' lora.out)" -eq 2 -a "$(grep -c '^B: ' lora.out)" -eq 1
check "/lora PATH SCALE sets the adapter's scale" grep -q '^# B: model.gguf + run, scale 2.0$' lora.out
ab="# A: model.gguf, no adapter|# B: model.gguf + run, scale 2.0|"
check "/model PATH reopens A, and B keeps its adapter" \
    test "$(tail -n 5 lora.out | tr '\n' '|')" = "# A/B on|$ab$ab"
printf '%s\n' "$q" | chat --temp 0 -n 1 >/dev/null
check "one token is said in the singular" grep -q '^lathe chat: A: 1 token, first after' chat.err

printf '%s\n/vote b\n' "$q" | chat --lora run --ab --temp 0 -n 24 >vote.out
check "/vote b appends one line to preferences.jsonl" test "$(wc -l <preferences.jsonl)" -eq 1
check "... B's reply chosen" grep -qF "\"chosen\":[{\"role\":\"assistant\",\"content\":\"$(json_string "$gl")\"}]" preferences.jsonl
check "... A's rejected" grep -qF "\"rejected\":[{\"role\":\"assistant\",\"content\":\"$(json_string "$g")\"}]" preferences.jsonl
check "... the prompt as messages" grep -qF "\"prompt\":[{\"role\":\"user\",\"content\":\"$q\"}]" preferences.jsonl
check "... and the label b" grep -qF '"label":"b"' preferences.jsonl
check "... and says so" grep -q '^# recorded in preferences.jsonl: B better' vote.out
"$LATHE" data stats preferences.jsonl >stats.out 2>&1
check "lathe data stats reads preferences.jsonl" grep -q '1 row (preference), 0 problem rows' stats.out

# blind: five prompts, each voted "a" (the first column)
printf 'Hello\n/vote a\nName a color.\n/vote a\nHi\n/vote a\nName a fruit.\n/vote a\nBye\n/vote a\n' |
    chat --lora run --blind --temp 0 -n 12 --seed 3 >blind.out
check "--blind names the columns 1 and 2" test "$(grep -c '^[12]: ' blind.out)" -eq 10
check "... never A or B" test "$(grep -c '^[AB]: ' blind.out)" -eq 0
check "... each vote reveals them" test "$(grep -c '(1 was [AB]: model.gguf.*; 2 was [AB]: model.gguf' blind.out)" -eq 5
check "... shuffled per prompt (A first at least once)" grep -q '(1 was A:' blind.out
check "... (and B first at least once)" grep -q '(1 was B:' blind.out
first_b=$(grep -m 1 -n '(1 was B:' blind.out | cut -d: -f1)
chosen=$(head -n $((first_b - 1)) blind.out | grep '^1: ' | tail -n 1 | sed 's/^1: //')
check "... a vote for column 1 when it was B chose B's reply" \
    grep -qF "\"label\":\"b\"" preferences.jsonl
check "... with column 1's text" grep -qF "\"chosen\":[{\"role\":\"assistant\",\"content\":\"$(json_string "$(printf '%b' "$chosen")")\"}]" preferences.jsonl

printf 'Hello\nHow are you?\n/save talk.jsonl\n' | chat --lora run --ab --temp 0 -n 12 >save.out
check "/save says what it saved" grep -q '^# saved 2 conversations (4 turns) to talk.jsonl' save.out
"$LATHE" data stats talk.jsonl >stats.out 2>&1
check "... a messages dataset lathe data stats opens" grep -q '2 rows (messages), 0 problem rows' stats.out

printf '/checkpoint run\n/checkpoint 3\nHello\n/checkpoint run latest\n' | chat --temp 0 -n 12 >ckpt.out
check "/checkpoint RUN lists its checkpoints" grep -q '^# run: 2 checkpoints' ckpt.out
check "... with their steps" test "$(grep -c '^#   step [36]  loss' ckpt.out)" -eq 2
check "/checkpoint STEP loads one as B" grep -q '^# B: model.gguf + run checkpoint step 3, scale 1.0$' ckpt.out
check "... which answers" grep -q '^B: ' ckpt.out
check "... latest is the newest" grep -q '^# B: model.gguf + run checkpoint step 6, scale 1.0$' ckpt.out
printf '/checkpoint run 6\n%s\n' "$q" | chat --temp 0 -n 24 >ckpt6.out
check "... the last one answers as the run's adapter does" test "$(reply B <ckpt6.out)" = "$gl"
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/full.yaml" --max-steps 2 --set save_steps=2 \
    --set warmup_steps=0 --set threads=2 $small --output full >/dev/null 2>train.err ||
    { cat train.err; echo "Bail out! lathe train full"; exit 1; }
printf '/checkpoint full 2\n%s\n/ab on\n/reset\n%s\n' "$q" "$q" | chat --temp 0 -n 24 >full.out
check "a full fine-tune's checkpoint loads as B's own weights" \
    grep -q '^# B: full checkpoint step 2 (full weights of model.gguf)$' full.out
check "... answering as the run's model.gguf does" \
    test "$(reply B <full.out)" = "$("$LATHE" generate -m full/model.gguf -p "$q" --temp 0 -n 24)"
check "... and A/B with it keeps A the model alone" test "$(reply A <full.out)" = "$g"
printf '/checkpoint run 4\n' | chat >/dev/null
check "a missing step names the newest" grep -q 'no checkpoints/step-4 (never written, or pruned by save_total_limit); the newest is step 6' chat.err

# a run still training in another process
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 100000 --set save_steps=1 \
    --set save_total_limit=3 --set threads=1 $small --output live >/dev/null 2>live.err &
trainer=$!
tries=0
while [ ! -d live/checkpoints/step-1 ] && [ $tries -lt 3000 ]; do sleep 0.1; tries=$((tries + 1)); done
printf '/checkpoint live latest\nHello\n' | chat --temp 0 -n 8 -t 1 >live.out
check "/checkpoint loads a checkpoint of a run that is still training" grep -q '^# B: model.gguf + live checkpoint step' live.out
check "... says the trainer and the chat share the cores" grep -q 'live has no summary.json yet: if it is still training' live.out
check "... and B answers" grep -q '^B: ' live.out
check "... while the run goes on" kill -0 "$trainer"
kill -INT "$trainer" 2>/dev/null
wait "$trainer" 2>/dev/null
trainer=

# prompt_tokens ARGS...: the prompt's length in tokens of a greedy reply to $q
prompt_tokens() {
    printf '%s\n' "$q" | chat --temp 0 -n 2 "$@" >/dev/null
    sed -n 's/.*(prompt \([0-9]*\) tokens.*/\1/p' chat.err | head -n 1
}
own=$(prompt_tokens)
check "--template chatml renders the prompt as the sample's own template" \
    test "$(prompt_tokens --template chatml)" = "$own"
check "--template llama3 renders another prompt" test "$(prompt_tokens --template llama3)" != "$own"
check "... as /template llama3 does" test "$(prompt_tokens --template llama3)" = \
    "$(printf '/template llama3\n%s\n' "$q" | chat --temp 0 -n 2 >/dev/null &&
        sed -n 's/.*(prompt \([0-9]*\) tokens.*/\1/p' chat.err)"
check "--system puts a system turn before the prompt" \
    test "$(prompt_tokens --system "Answer briefly.")" -gt "$own"

status() { want=$1; shift; "$@" </dev/null >/dev/null 2>chat.err; [ $? -eq "$want" ]; }
check "no -m is a usage error" status 2 "$LATHE" chat
check "--ab without --lora is a usage error" status 2 "$LATHE" chat -m "$model" --ab
check "... naming --lora" grep -q 'needs --lora' chat.err
check "--top-p 2 is a usage error" status 2 "$LATHE" chat -m "$model" --top-p 2
check "a missing model exits 1" status 1 "$LATHE" chat -m nope.gguf
check "... and names it" grep -q 'nope.gguf' chat.err
printf '/set temp hot\n/frobnicate\n' | chat >/dev/null
check "a bad /set value says what is expected" grep -q "/set temp takes a number >= 0 (0: greedy), not 'hot'" chat.err
check "an unknown command is named" grep -q 'unknown command /frobnicate' chat.err
check "a failed line makes the exit status 1" \
    status 1 sh -c 'printf "/set temp hot\n/set temp 1\n" | "$1" chat -m "$2"' _ "$LATHE" "$model"
check "... which is 0 when every line worked" \
    status 0 sh -c 'printf "/set temp 1\n" | "$1" chat -m "$2"' _ "$LATHE" "$model"
check "an unknown --template is a usage error" status 2 "$LATHE" chat -m "$model" --template jinja
check "... naming the templates there are" grep -q "unknown template 'jinja'; one of auto, chatml" chat.err
check "--help exits 0" status 0 "$LATHE" chat --help
tap_done

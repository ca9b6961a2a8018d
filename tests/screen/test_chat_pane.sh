#!/bin/sh
# test_chat_pane.sh - the Chat pane on a real terminal (tmux), on the bundled
# sample model and an adapter trained here for a few steps: a run directory
# as PATH gives the pane its model and adapter, loaded once the pane is
# shown; readline takes the typing (slash commands, Tab completion, UTF-8, a
# line continued with a backslash); a greedy reply streams and says what
# `lathe generate` says; /ab on shows both columns with their labels and
# figures, the words that differ underlined, and a vote writes
# preferences.jsonl with the right chosen and rejected replies (= and x: a
# tie, both bad); blind mode names the columns 1 and 2 until the vote
# reveals them; Ctrl-C and Esc stop the replies; the context filling up is
# noticed; /save writes a dataset `lathe data stats` reads and the Data pane
# opens; /lora and /model load as jobs; /checkpoint lists and loads a run's
# checkpoints, also of a sample run still training in another process (and
# says they share the cores); history persists across restarts and Ctrl-R
# searches it; `lathe MODEL` opens on the Chat pane; the bare sample
# workspace chats with the newest sample adapter under runs/ and loads
# nothing until the pane is shown; an 80x24 colourless A/B screen keeps both
# columns and their figures.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

# Under ThreadSanitizer the sample model makes a few tokens a second.
scr_timeout=${SCR_TIMEOUT:-60}
model="$LATHE_SRCDIR/samples/model.gguf"
state="$scr_dir/state"
cd "$scr_dir" || exit 1
small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128"
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 6 --set save_steps=3 \
    --set warmup_steps=0 --set threads=2 $small --output run >/dev/null 2>train.err ||
    { cat train.err; echo "Bail out! lathe train"; exit 1; }

# A line matching the regex RE; a line holding both fixed strings A and B.
has_re() { scr_screen | grep -q -- "$1"; }
row_with() { scr_screen | grep -F -- "$1" | grep -qF -- "$2"; }
# Both A/B columns show a reply's figures (each on whichever row its reply
# ends: the replies are sampled, and one may wrap to more rows).
columns_have_figures() {
    scr_screen | awk -F'│' '$1 ~ /tok\/s/ { a = 1 } NF > 1 && $2 ~ /tok\/s/ { b = 1 }
        END { exit !(a && b) }'
}
# Every line of TEXT is a line of the transcript (after its two-column indent).
shows_lines() {
    printf '%s\n' "$1" | while IFS= read -r l; do
        [ -z "$l" ] || scr_screen | grep -qxF "  $l" || { diag "not on screen: '$l'"; exit 1; }
    done
}
# The input line shows "> TEXT" (tmux drops the trailing space of an empty one).
line_is() { [ "$(scr_screen | grep '^>\( \|$\)' | tail -n 1 | sed 's/ *$//')" = "$(printf '> %s' "$1" | sed 's/ *$//')" ]; }
# The line is empty (a prompt typed was sent) and no reply is being generated.
idle() { line_is "" && scr_lacks "generating"; }
typed() { ! line_is ""; }
# ask TEXT: types TEXT, sends it once the line shows it (tmux hands keys over
# before lathe reads them, so an empty line alone says nothing), waits for
# the line to be taken and every reply done.
ask() {
    scr_keys "$1"
    scr_poll typed || diag "'$1' did not show"
    scr_keys Enter
    { scr_poll line_is "" && scr_poll idle; } || diag "'$1' was not answered"
}
# The pane has finished N replies (their figures are drawn).
replies_done() { [ "$(scr_screen | grep -o 'tokens\{0,1\} · first [0-9.]* s' | wc -l)" -ge "$1" ]; }
exited_ok() { scr_wait "lathe exited with 0"; }
# A row with underlined words (SGR 4, bold or not) on both sides of the rule.
underlined() {
    u="$(printf '\033')\[\(1;\)\{0,1\}4m"
    scr_screen -e | grep -q "$u[^│]*│.*$u"
}
# Below the prompt "> TEXT", a row with both columns' figures.
answered() {
    scr_screen | awk -v t="> $1" 'index($0, t) == 1 { on = 1; next }
        on && /tok\/s.*│ .*tok\/s/ { f = 1 } END { exit !f }'
}
# What the status line says (its left part).
status_has() { scr_screen | tail -n 2 | head -n 1 | grep -qF -- "$1"; }

q="What is the capital of France?"
g=$("$LATHE" generate -m "$model" -p "$q" --temp 0 -n 24 2>/dev/null)
gl=$("$LATHE" generate -m "$model" --lora run -p "$q" --temp 0 -n 24 2>/dev/null)

# ---------------------------------------------------------------- a run directory as PATH
scr_start "ESCDELAY=0" -- run
check "a run directory opens the run in the Train pane" scr_wait "opened run (finished)"
scr_keys 1
check "... and its dataset in the Data pane" scr_wait "alpaca"
sleep 0.3
check "... and loads no model until the Chat pane is shown" scr_lacks "loaded model.gguf"
scr_keys 4
check "the Chat pane loads the config's model with the run's adapter as B" \
    scr_wait "B: model.gguf + run, scale 1.0"
check "... and says it loaded" scr_wait "loaded model.gguf in"
scr_keys "/set temp 0" Enter
check "/set answers with the settings" scr_wait "temp 0  top_k 40"
scr_keys "/set max_tokens 24" Enter
check "... one after the other" scr_wait "max_tokens 24  seed"
scr_keys "/he" Tab
check "Tab completes a command" scr_poll line_is "/help"
scr_keys Enter
check "/help lists the commands" scr_wait "/checkpoint [RUN] [STEP|latest]"
scr_keys "/s" Tab Tab
check "Tab Tab lists the candidates" scr_poll has_re "^/save  */set  */system"
scr_keys C-u "Grüße, 東京" Left Left X
check "UTF-8 is typed and edited by character (wide ones too)" scr_poll line_is "Grüße, X東京"
scr_keys C-e C-u

scr_keys "$q" Enter
check "a prompt is shown after >" scr_wait "> $q"
check "its reply streams and ends with its figures" scr_poll replies_done 1
check "... tokens, time to the first token and tokens/s" \
    scr_poll has_re '^  [0-9]* tokens\{0,1\} · first [0-9.]* s · [0-9.]* tok/s'
check "greedy, it says what lathe generate --lora says" shows_lines "$gl"
check "... and the adapter changes the reply" test "$g" != "$gl"

scr_keys "/reset" Enter "/ab on" Enter
check "/ab on lists both sides" scr_wait "A/B on"
scr_keys "$q" Enter
check "A/B: both columns, each labelled with what it runs" \
    scr_poll row_with "A: model.gguf, no adapter " "│ B: model.gguf + run, scale 1.0"
check "... both stream and end with their figures" \
    scr_poll has_re 'tokens\{0,1\} · first .*│ .*tokens\{0,1\} · first'
check "... and the rule asks for a vote" scr_wait "vote on an empty line: 1/a first, 2/b second"
check "... the words that differ underlined in both columns" scr_poll underlined
scr_keys b
check "b votes for the second column and says so in the status line" \
    scr_poll status_has "recorded in preferences.jsonl: B better"
check "the vote is one line of preferences.jsonl" test "$(wc -l <preferences.jsonl)" -eq 1
check "... B's reply chosen" grep -qF "\"chosen\":[{\"role\":\"assistant\",\"content\":\"$(json_string "$gl")\"}]" preferences.jsonl
check "... A's rejected (greedy A is lathe generate without the adapter)" grep -qF "\"rejected\":[{\"role\":\"assistant\",\"content\":\"$(json_string "$g")\"}]" preferences.jsonl
check "... the prompt as messages" grep -qF "\"prompt\":[{\"role\":\"user\",\"content\":\"$q\"}]" preferences.jsonl
scr_keys b
check "after the vote b is typed, not a second vote" scr_poll line_is "b"
scr_keys C-u
# The last line of preferences.jsonl has the label L and both replies.
last_vote() { tail -n 1 preferences.jsonl | grep -F "\"label\":\"$1\"" | grep -qF '"responses":{"a":'; }
ask "Hello"
scr_keys =
check "= votes a tie" scr_poll status_has "recorded in preferences.jsonl: a tie"
check "... a line with both replies" last_vote tie
ask "Hello again"
scr_keys x
check "x votes both bad" scr_poll status_has "recorded in preferences.jsonl: both bad"
check "... a line with both replies" last_vote both_bad
check "... three votes in all" test "$(wc -l <preferences.jsonl)" -eq 3

scr_keys "/blind on" Enter "Hello" Enter
check "blind: the columns are 1 and 2" \
    scr_poll row_with "1: hidden until you vote" "│ 2: hidden until you vote"
scr_wait_gone "generating" >/dev/null
scr_keys 1
check "1 votes for the first column" scr_wait "(1 was "
check "... and the vote reveals the columns" \
    scr_poll has_re '^[AB]: model.gguf[^│]*│ [AB]: model.gguf'
check "... no row hides them any more" test "$(scr_screen | grep -c 'hidden until you vote *│')" -eq 0
first=$(scr_screen | grep -o '(1 was [AB]' | tail -n 1 | sed 's/.* //' | tr AB ab)
check "... and the vote went to what column 1 was" \
    sh -c 'tail -n 1 preferences.jsonl | grep -qF "\"label\":\"$1\""' _ "$first"

scr_keys "/blind off" Enter "/set max_tokens 100000" Enter "/reset" Enter
# Both replies stopped, as their figures say, in N rows at least.
stopped_rows() { [ "$(scr_screen | grep -c ', stopped *│.*, stopped$')" -ge "$1" ]; }
# Ctrl-C or Esc right after Enter: the replies are still starting (ESCDELAY=0
# sends a lone Esc at once), however fast the machine.
scr_keys "Tell me a long story" Enter C-c
check "Ctrl-C stops both replies, which say so in their figures" scr_poll stopped_rows 1
check "... and the pane stays (no quit)" scr_poll idle
scr_keys "/reset" Enter "Tell me a long story" Enter Escape
check "Esc stops both replies too" scr_poll stopped_rows 2
# Two prompts of 120 words do not fit the sample's 256 positions together.
long=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do printf 'one two three four five six seven eight nine ten '; done)
scr_keys "/set max_tokens 4" Enter "/reset" Enter
for p in "First: $long" "Second: $long"; do
    ask "$p"
done
check "a full context is said: the oldest turns dropped" \
    scr_wait "the context of 256 tokens is full: dropped the 2 oldest turns"

scr_keys "/save talk.jsonl" Enter
check "/save says what it saved" scr_wait "to talk.jsonl"
"$LATHE" data stats talk.jsonl >stats.out 2>&1
check "... a messages dataset lathe data stats opens" grep -q 'rows (messages), 0 problem rows' stats.out

scr_keys "/lora none" Enter
check "/lora none removes B (a job beside the pane)" scr_wait "B removed; A/B off"
scr_keys "/lora run 0.5" Enter
check "/lora PATH SCALE gives B an adapter at that scale" scr_wait "B: model.gguf + run, scale 0.5"
scr_keys "/model $model" Enter
check "/model reopens the model and says how long it took" scr_poll status_has "/model took"
scr_keys "/lora run" Enter
scr_poll status_has "/lora took" || diag "/lora run did not finish"
scr_keys "/ab on" Enter

scr_keys "/checkpoint run" Enter
check "/checkpoint RUN lists its checkpoints" scr_wait "run: 2 checkpoints"
scr_keys "/checkpoint 3" Enter
check "/checkpoint STEP loads one as B" scr_wait "B: model.gguf + run checkpoint step 3, scale 1.0"
# a sample run still training in another process
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 100000 --set save_steps=1 \
    --set save_total_limit=3 --set threads=1 $small --output live >/dev/null 2>live.err &
trainer=$!
trap 'kill "$trainer" 2>/dev/null; scr_cleanup' EXIT
scr_poll test -d live/checkpoints/step-1 || diag "the live run wrote no checkpoint"
scr_keys "/checkpoint live latest" Enter
check "/checkpoint loads a checkpoint of a sample run still training" \
    scr_wait "B: model.gguf + live checkpoint step"
check "... and says the trainer and the chat share the cores" scr_wait "live has no summary.json yet"
scr_keys "/set max_tokens 4" Enter "Which step answers?" Enter
check "... and both columns answer, with their figures" scr_poll answered "Which step answers?"
check "... while the run goes on" kill -0 "$trainer"
kill -INT "$trainer"
wait "$trainer"
trap scr_cleanup EXIT

scr_keys "half a line"
scr_poll line_is "half a line" || diag "the typing did not show"
scr_keys C-c
check "Ctrl-C drops the line being typed" scr_poll line_is ""
scr_keys C-c
check "Ctrl-C on an empty line quits (nothing to lose)" exited_ok
check "every line went into the shared history file" grep -qF "$q" "$state/lathe/chat_history"

# ---------------------------------------------------------------- history across restarts
scr_start -- "$model"
check "lathe MODEL opens on the Chat pane with that model" scr_wait "A: model.gguf, no adapter"
scr_keys Up
check "history persists across restarts (Up)" scr_poll line_is "Which step answers?"
scr_keys C-u C-r "capital"
check "Ctrl-R searches it" scr_wait "(reverse-i-search)\`capital': $q"
scr_keys C-g
scr_keys 'one line\' Enter
check "a line ending in a backslash continues" scr_poll has_re '^\.\.\. *$'
scr_keys "/set max_tokens 4" Enter
check "... and the prompt holds both lines" scr_poll has_re '^  /set max_tokens 4$'
scr_wait_gone "generating" >/dev/null
scr_keys C-d
check "Ctrl-D on an empty line quits" exited_ok

# ---------------------------------------------------------------- /save opens in the Data pane
scr_start -- talk.jsonl
check "the transcript /save wrote opens in the Data pane as messages" \
    scr_wait "records · messages · 0 problems"
scr_keys C-c
exited_ok >/dev/null

# ---------------------------------------------------------------- the sample workspace
mkdir runs && cp -r run runs/r1
scr_start --
check "a bare lathe opens the sample workspace" scr_wait "sample workspace"
sleep 0.3
check "... loading no model while the Chat pane is hidden" scr_lacks "loaded model.gguf"
scr_keys 4
check "its Chat pane runs the sample model with the newest sample adapter as B" \
    scr_wait "B: model.gguf + runs/r1, scale 1.0"
scr_keys C-c
check "... and quits" exited_ok

# ---------------------------------------------------------------- 80x24, no colour
scr_start -- --no-color run
scr_resize 80 24
scr_keys 4
scr_wait "B: model.gguf + run, scale 1.0" >/dev/null
scr_keys "/ab on" Enter "/set max_tokens 8" Enter "$q" Enter
check "80x24: the A/B columns side by side" \
    scr_poll row_with "A: model.gguf, no adapter" "│ B: model.gguf + run, scale"
check "... each with its figures" scr_poll columns_have_figures
scr_screen >"$scr_dir/chat-80x24.txt"
scr_keys C-c
check "... and quits" exited_ok
tap_done

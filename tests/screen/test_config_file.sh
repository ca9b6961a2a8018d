#!/bin/sh
# test_config_file.sh - the Config pane and its file, on a real terminal
# (tmux): `lathe CONFIG.yaml` opens a config that does not load, its unknown
# keys kept at the end of the form with the did-you-mean of `lathe config
# --check`, and x removes one; values set away from their default stand out; a
# choice is picked from a list; a file another program changes is reloaded
# (asking first under unsaved edits, and asking again before a save writes
# over it); and an ugly file (a UTF-8 BOM, CRLF line ends, an anchor and its
# alias, a flow list, odd spacing and comments) is saved with only the edited
# line changed; the step measurement stopped by Esc; the template check's
# warnings: a template that is not the model's own, its end-of-turn token
# missing from the vocabulary, and train_on_inputs training the prompts;
# dependent keys: no adapter leaves the LoRA keys without effect, and
# load_in_4bit brings the adapter back; the top-layers preset with its N.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

sample=$LATHE_SRCDIR/samples
cp "$sample/model.gguf" "$scr_dir/"
mkdir "$scr_dir/data"
cp "$sample/data/train.jsonl" "$sample/data/heldout.jsonl" "$scr_dir/data/"
# A diff on screen removes the line TEXT.
dropped() { scr_screen | grep -qE "^ - +[0-9]+ $1\$"; }
# The screen line holding TEXT, with its colours and attributes.
line_of() { scr_screen -e | grep -aF -- "$1" | head -n 1; }
# value_is KEY bold|plain VALUE: whether KEY's row draws VALUE bold (SGR 1).
value_is() {
    l=$(line_of "   $1 ")
    esc=$(printf '\033')
    case $l in
    *"$1"*"${esc}[1m"*"$3"*) got=bold ;;
    *) got=plain ;;
    esac
    [ "$got" = "$2" ] || { diag "$1 is $got, wanted $2: $(printf '%s' "$l" | cat -v)"; false; }
}

# ---- a config that does not load: its unknown keys, with the did-you-mean
{
    cat "$sample/lora.yaml"
    printf 'learning_rat: 0.1   # a typo\n'
} >"$scr_dir/typo.yaml"
sed '$d' "$scr_dir/typo.yaml" >"$scr_dir/fixed.yaml"
scr_start -- typo.yaml
check "a config with an error opens in the Config pane" scr_wait "Config typo.yaml · 1 error"
check "the estimate says it cannot be made" scr_wait "no estimate (E says why)"
scr_keys End
check "unknown keys are kept at the end of the form" scr_wait "Not lathe's keys (kept as they are)"
check "with the did-you-mean of lathe config --check" \
    scr_wait "! learning_rat                0.1                        unknown key 'learning_rat'; did you mean 'learning_rate'?"
scr_keys x
check "x removes the unknown key" scr_wait "learning_rat removed"
check "the error is gone" scr_wait_gone "1 error"
check "and the estimate follows" scr_wait "352 steps"
scr_keys w y
check "saved" scr_wait "saved typo.yaml"
check "only the unknown key's line is gone" scr_same_bytes "$scr_dir/fixed.yaml" "$scr_dir/typo.yaml"

# ---- what stands out, a choice from a list
check "a value set away from its default stands out" value_is sequence_len bold 256
check "a value equal to its default does not" value_is seed plain 42
scr_keys / lr_sche Enter Enter
check "a choice opens as a list" scr_wait "> cosine"
check "with every choice" scr_wait "  constant"
scr_keys Down Enter
check "Enter picks one" scr_wait "lr_scheduler: linear"
check "the keys it governs follow" scr_wait "no effect: applies to lr_scheduler: cosine"

# ---- another program changes the file
scr_keys w y
check "saved again" scr_wait "saved typo.yaml"
sed -i 's/^seed: 42$/seed: 43/' "$scr_dir/typo.yaml"
check "a change on disk is reloaded" scr_wait "typo.yaml changed on disk: reloaded"
scr_keys / seed Enter
check "the form shows the new value" scr_wait "   seed                        43 "
scr_keys / num_ep Enter Enter C-u 2 Enter
check "an unsaved edit" scr_wait "num_epochs: 2"
sed -i 's/^seed: 43$/seed: 44/' "$scr_dir/typo.yaml"
check "a change on disk under unsaved edits asks" \
    scr_wait "[r]eload the file (drops the edits) or [k]eep the edits"
scr_keys k
check "k keeps the edits" scr_wait "your edits are kept; saving will ask"
scr_keys / seed Enter
check "the form still has the file's old value" scr_wait "   seed                        43 "
scr_keys w y
check "saving asks before writing over the file's new text" scr_wait "save over it? [y/n]"
check "and the file is not written yet" grep -q '^seed: 44$' "$scr_dir/typo.yaml"
scr_keys y
check "y writes the edits" scr_wait "saved typo.yaml"
check "the edit is in the file" grep -q '^num_epochs: 2$' "$scr_dir/typo.yaml"
scr_keys q
check "quits" scr_exited_ok

# ---- an ugly file: only the edited line changes
printf '\357\273\277# ugly.yaml\r\nbase_model:    model.gguf   # spaced\r\n' >"$scr_dir/ugly.yaml"
printf 'datasets: [{path: data/train.jsonl, type: alpaca}]\r\n\r\n' >>"$scr_dir/ugly.yaml"
printf 'adapter: lora\r\nlora_r: &r 16\r\nlora_alpha: *r    # = r\r\n' >>"$scr_dir/ugly.yaml"
printf 'lora_target_modules: [q_proj, v_proj]\r\nlearning_rate: 1.0e-4\r\n' >>"$scr_dir/ugly.yaml"
printf 'num_epochs:   1\r\n' >>"$scr_dir/ugly.yaml"
sed 's/^learning_rate: 1.0e-4\r$/learning_rate: 3.0e-4\r/' "$scr_dir/ugly.yaml" >"$scr_dir/ugly.want"
scr_start -- ugly.yaml
check "an ugly file opens" scr_wait "Config ugly.yaml"
check "its alias reads as the anchor's value" scr_wait "   lora_alpha                  16 "
check "its flow list reads" scr_wait "   lora_target_modules         q_proj, v_proj"
scr_keys / learning_ Enter Enter C-u 3e-4 Enter
check "an edit" scr_wait "learning_rate: 3.0e-4"
scr_keys w y
check "saved" scr_wait "saved ugly.yaml"
check "BOM, CRLF, anchor, flow list, spacing and comments are kept byte for byte" \
    scr_same_bytes "$scr_dir/ugly.want" "$scr_dir/ugly.yaml"
scr_keys q
check "quits" scr_exited_ok

# ---- a measurement stopped; the template check warns
cp "$sample/lora.yaml" "$scr_dir/lora.yaml"
scr_start -- lora.yaml
check "the sample opens" scr_wait "352 steps"
scr_keys m Escape
check "Esc stops the step measurement" scr_wait "the measurement stopped after"
scr_keys E
check "and leaves the time unmeasured" scr_wait "time         not measured: m runs"
check "no time joins the header" scr_lacks "352 steps · ~"
scr_keys Escape
scr_keys / chat_t Enter Enter
check "chat_template is a list" scr_wait "> auto"
scr_keys Down Down Down Enter
check "another template picked" scr_wait "chat_template: llama3"
scr_keys / train_on Enter Space
check "train_on_inputs toggled" scr_wait "train_on_inputs: true"
scr_keys t
check "the check renders the records through it" scr_wait "Template check: llama3 on data/train.jsonl"
check "and warns that it is not the model's own" \
    scr_wait "! chat_template llama3 is not the model's own (chatml)"
check "that its end-of-turn token is not in the vocabulary" \
    scr_wait "! llama3's end-of-turn token <|eot_id|> is not in the model's vocabulary"
check "and that train_on_inputs trains the prompts" \
    scr_wait "! train_on_inputs: true trains the prompts too"
scr_keys Escape / adapter Enter x
check "x removes the adapter" scr_wait "adapter removed"
scr_keys / lora_r Enter
check "the LoRA keys have no effect without it, said on their row" \
    scr_wait "lora_r: LoRA rank: the inner size of each adapter (no effect now: applies with adapter: lora)"
scr_keys / load_in_4 Enter Space
check "load_in_4bit brings the adapter with it" scr_wait "load_in_4bit: true; with it: adapter lora"
scr_keys / lora_r Enter
check "and the LoRA keys apply again" scr_wait "   lora_r                      16                         default 8 "
scr_keys p End Enter
check "the top-layers preset asks how many blocks train" \
    scr_wait "top layers: how many of the last blocks train?"
scr_keys C-u 2 Enter
check "its diff has them" scr_wait "unfrozen_layers: 2"
check "and drops the adapter" scr_poll dropped "adapter: lora"
check "and the 4-bit base" scr_poll dropped "load_in_4bit: true"
scr_keys y
check "y applies it" scr_wait "applied Top layers"
scr_keys / unfrozen Enter
check "the form has it" scr_wait "   unfrozen_layers             2 "
scr_keys q y
check "quits after asking" scr_exited_ok
tap_done

#!/bin/sh
# test_config_pane.sh - the Config pane on a real terminal (tmux), over a
# copy of samples/lora.yaml with its model and data (the sample itself is
# never touched): `lathe CONFIG.yaml` opens it first; `/` jumps to a key
# (Tab completes); a value is checked as it is typed, a refused one never
# reaches the file, scientific notation is written so YAML reads a number;
# lora_target_modules as checkboxes; a boolean toggled; a dataset entry
# added (its path completed) and removed; the diff, then a save that keeps
# every comment and untouched line byte for byte; the estimate, the step
# measurement and its time; the template check; $EDITOR and the reload;
# launching into the Train pane (and stopping the run there); 80x24
# and the help; quitting with unsaved edits asks, losing the terminal keeps
# them and the next open offers them; presets shown as a diff first,
# dependent keys, and a launch with unsaved edits through a copy beside the
# config.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

sample=$LATHE_SRCDIR/samples
esc=$(printf '\033')
recovery=$scr_dir/state/lathe/recovery
kept_files() { find "$recovery" -name 'lora.yaml-*.config.yaml' 2>/dev/null | wc -l; }
no_kept_file() { [ "$(kept_files)" -eq 0 ] || { diag "kept:" "$(ls -l "$recovery")"; false; }; }
kept_after_exit() {
    scr_exited "$1" && [ "$(kept_files)" -eq 1 ] && return 0
    diag "lathe $1 still running or nothing kept:" "$(ls -l "$recovery" 2>&1)" "$(cat "$scr_dir/stderr")"
    false
}
no_colour() { ! scr_has_colour; }
# Two different colours on the template check's counts line (trained vs masked).
legend_coloured() {
    line=$(scr_screen -e | grep -F 'trained' | grep -F 'masked' | head -n 1)
    a=$(printf '%s' "$line" | sed -n "s/.*${esc}\\[\\([0-9;]*\\)mtrained.*/\\1/p")
    b=$(printf '%s' "$line" | sed -n "s/.*${esc}\\[\\([0-9;]*\\)m *masked.*/\\1/p")
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] || { diag "legend: $(printf '%s' "$line" | cat -v)"; false; }
}
launch_copies() { find "$scr_dir" -maxdepth 1 -name '.lora.yaml.launch-*.yaml' | wc -l; }
fresh_copy() { cp "$sample/lora.yaml" "$scr_dir/lora.yaml"; }
stopped_run() { grep -lqE '"state": *"stopped"' "$scr_dir"/runs/*/summary.json 2>/dev/null; }

cp "$sample/model.gguf" "$scr_dir/"
mkdir "$scr_dir/data"
cp "$sample/data/train.jsonl" "$sample/data/heldout.jsonl" "$scr_dir/data/"
fresh_copy
cat >"$scr_dir/append.sh" <<'ED'
#!/bin/sh
echo "# edited outside" >>"$1"
ED
chmod +x "$scr_dir/append.sh"
# What the form's edits below make of the sample, every other byte as it was.
sed -e 's/^sample_packing: true$/sample_packing: false/' \
    -e 's/^lora_target_linear: true$/&\nlora_target_modules: [q_proj, k_proj, v_proj]/' \
    -e 's/^learning_rate: 0.004$/learning_rate: 2.0e-4/' "$sample/lora.yaml" >"$scr_dir/expected.yaml"

# ---- the form, values checked as typed, the save
scr_start EDITOR=./append.sh VISUAL= -- --no-color lora.yaml
check "lathe CONFIG.yaml opens the Config pane first" scr_wait "Config lora.yaml"
check "the form starts with the Model group" scr_wait " Model"
check "a row shows value, default and range" scr_wait "default 512 · in [2, 1048576] · tokens per"
check "a key without effect says why" scr_wait "no effect: test_datasets are used instead"
check "the estimate appears in the header" scr_wait "352 steps"
scr_keys / learn Tab
check "/ completes a key's name with Tab" scr_wait "go to key: learning_rate"
scr_keys Enter
check "Enter jumps to it" scr_wait "learning_rate: required · in (0, 10] · peak learning rate"
scr_keys Enter C-u 0
check "a value is checked as it is typed" scr_wait "refused: 0 is out of range; expected a number in (0, 10]"
scr_keys Enter
check "Enter on a refused value keeps the prompt open" scr_wait "learning_rate = 0 "
check "the file is unchanged" scr_same_bytes "$sample/lora.yaml" "$scr_dir/lora.yaml"
check "and so is the form" scr_lacks "unsaved"
scr_keys BSpace 2e-4
check "scientific notation is taken, written so YAML reads a number" scr_wait "ok: writes 2.0e-4"
scr_keys Enter
check "Enter applies it" scr_wait "learning_rate: 2.0e-4"
check "the header counts the unsaved edits" scr_wait "unsaved +1 -1"
scr_keys / lora_target_m Enter Enter
check "lora_target_modules opens as checkboxes, its default checked" scr_wait "> [x] q_proj"
scr_keys Down Space
check "Space checks a box" scr_wait "> [x] k_proj"
scr_keys Enter
check "Enter writes the list and says it has no effect under lora_target_linear" \
    scr_wait "lora_target_modules: q_proj, k_proj, v_proj; no effect while lora_target_linear: true"
scr_keys / sample_p Enter Space
check "Space toggles a boolean" scr_wait "sample_packing: false"
scr_keys / datasets Enter a data/he Tab
check "a adds a dataset entry, its path completed by Tab" scr_wait "path = data/heldout.jsonl"
scr_keys Enter
check "the entry is added with the type its records have" scr_wait "datasets: added data/heldout.jsonl (type alpaca"
scr_keys x
check "x on the entry removes it" scr_wait "datasets entry 2 removed"
scr_keys d
check "d shows the file against the edits" scr_wait "Diff: lora.yaml on disk (-) against the edits (+), +3 -2 lines"
check "the diff has the new value" scr_wait "+   24 learning_rate: 2.0e-4"
scr_keys Escape w
check "w shows the diff and asks" scr_wait "write these edits to lora.yaml? [y/n]"
scr_keys y
check "y saves" scr_wait "saved lora.yaml (+3 -2 lines)"
check "the saved file keeps comments, order and untouched lines byte for byte" \
    scr_same_bytes "$scr_dir/expected.yaml" "$scr_dir/lora.yaml"

# ---- the estimate, the measurement, the template check
scr_keys E
check "E shows the estimate: parameters" scr_wait "parameters   5571840 total, 473088 trainable"
check "memory against what is available" scr_wait "at the peak, while training;"
check "tokens and sequences from the data, as edited (no packing)" \
    scr_wait "1786 sequences, 42069 tokens per epoch (4099 learned)"
check "and the steps" scr_wait "447 per epoch, 3576 in all (8 epochs)"
scr_keys m
saved_timeout=$scr_timeout
scr_timeout=300
check "m measures real steps and extrapolates the run's time" scr_wait "estimated for the run"
scr_timeout=$saved_timeout
check "the time joins the header" scr_wait "3576 steps · ~"
scr_keys t
check "t renders the first records through the chat template" scr_wait "Template check: chatml (the model's own)"
check "with their trained and masked tokens counted" scr_wait "trained 2   masked 20"
check "and the template's markers" scr_wait "<|im_start|>assistant"
check "a model's own template needs no warning" scr_wait "no warning: the template is the one"

# ---- $EDITOR, launch, 80x24
scr_keys Escape e
check "e runs \$EDITOR on the file, and the pane reloads it" scr_wait "lora.yaml changed on disk: reloaded"
check "the editor's line is in the file" grep -q "^# edited outside$" "$scr_dir/lora.yaml"
cp "$scr_dir/lora.yaml" "$scr_dir/before.yaml"
scr_keys L
check "L launches the run: the Train pane trains it" scr_wait " training  step "
scr_keys s
scr_wait "Stop the run after this step" >/dev/null
scr_keys y
# After its step (full size: seconds under TSan on a loaded machine), its
# checkpoint and summary.
wait_s=$scr_timeout
scr_timeout=600
check "stopped there, it writes its summary" scr_poll stopped_run
scr_timeout=$wait_s
scr_keys 2
check "back on the Config pane" scr_wait "Config lora.yaml"
scr_resize 80 24
check "80x24 keeps the form" scr_wait "Config lora.yaml"
scr_keys '?'
check "the help lists the pane's keys" scr_wait "t E m        template check, estimate, measure time"
check "and fits at 80x24" scr_wait "any key closes this help"
scr_keys x
scr_resize 120 40
check "--no-color draws no colour" no_colour

# ---- unsaved edits are never lost without a word
scr_keys / seed Enter Enter C-u 7 Enter
check "an unsaved edit" scr_wait "seed: 7"
scr_keys q
check "q asks first, listing it" scr_wait "Config: unsaved edits in lora.yaml (+1 -1 lines)"
scr_keys n
pid=$(scr_lathe_pid)
scr_tmux kill-server
check "when the terminal goes away the edits are kept" kept_after_exit "$pid"
check "it says where" scr_stderr_says "Config: unsaved edits in lora.yaml (+1 -1 lines) kept in $recovery/lora.yaml-"
check "the file is untouched" scr_same_bytes "$scr_dir/before.yaml" "$scr_dir/lora.yaml"
scr_start -- --no-color lora.yaml
check "reopening offers the kept edits" scr_wait "edits of lora.yaml were kept at "
check "with the choices" scr_wait "restore them? [y]es [n]ot now [d]iscard"
scr_keys y
check "y restores them as unsaved edits" scr_wait "restored the edits kept at"
check "the header has them" scr_wait "unsaved +1 -1"
scr_keys w y
check "saving them" scr_wait "saved lora.yaml"
check "writes them" grep -q '^seed: 7$' "$scr_dir/lora.yaml"
check "and the kept file goes" no_kept_file
scr_keys q
check "nothing to lose: q quits" scr_exited_ok

# ---- presets, dependent keys, a launch with unsaved edits (colours on)
fresh_copy
scr_start -- lora.yaml
check "the sample opens again" scr_wait "352 steps"
scr_keys E
check "the estimate warns, with the reason" \
    scr_wait "warning: learning_rate 0.004 is above the usual range for LoRA"
scr_keys Escape t
check "the template check" scr_wait "trained 2   masked 20"
check "colours trained and masked tokens apart" legend_coloured
scr_keys p Down Enter
check "p lists presets; Enter shows one's diff first" scr_wait "Preset LoRA all-linear: what it changes in lora.yaml"
check "the diff has the preset's settings" scr_wait "+   24 learning_rate: 2.0e-4"
check "and it asks" scr_wait "apply this preset? [y/n]"
check "nothing is applied yet" scr_lacks "unsaved"
scr_keys y
check "y applies it" scr_wait "applied LoRA all-linear (+4 -3 lines"
scr_keys / warmup_s Enter Enter 5 Enter
check "dependent keys follow, said in the message" scr_wait "warmup_steps: 5; with it: warmup_ratio removed"
scr_keys L
check "launching with unsaved edits asks" scr_wait "launch: [s]ave them first, or [u]nsaved"
scr_keys u
check "u launches a copy beside the config into the Train pane" scr_wait " training  step "
check "the copy holds the edits" sh -c "grep -q '^warmup_steps: 5\$' '$scr_dir'/.lora.yaml.launch-*.yaml"
check "the config itself is unchanged" scr_same_bytes "$sample/lora.yaml" "$scr_dir/lora.yaml"
scr_keys q
check "quitting asks about the live run" scr_wait "[y] quit, stopping it (a checkpoint is saved)"
scr_keys y
# The run stops after its step and writes its checkpoint and outputs first:
# minutes under TSan.
wait_s=$scr_timeout
scr_timeout=600
check "quits after asking" scr_exited_ok
scr_timeout=$wait_s
check "the copy goes with the session" test "$(launch_copies)" -eq 0
tap_done

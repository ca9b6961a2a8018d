#!/bin/sh
# test_train_mpi.sh - data-parallel `lathe train` under mpirun: 2 processes
# with gradient accumulation 1 train the sample exactly as one process with
# accumulation 2 (every step's loss within 1e-6 relative, full fine-tuning and
# LoRA), and only process 0 writes anything (process 1 runs in a directory of
# its own, which must stay empty). A process killed mid-run ends the job: both
# exit non-zero with the rank named, the last checkpoint is intact and one
# process resumes it onto the uninterrupted trajectory. A process whose config
# differs fails the job at the start, naming it. SIGUSR1 to mpirun stops and
# saves the run. SKIP when configure found no MPI (LATHE_MPIRUN empty).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

[ -n "$LATHE_MPIRUN" ] || skip_all "lathe was built without MPI (configure --with-mpi)"

out=$(mktemp -d)
job=
trap '[ -n "$job" ] && kill -9 "$job" 2>/dev/null; rm -rf "$out"' EXIT

if [ "$(id -u)" -eq 0 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
# Open MPI's own allocations live as long as the process: not lathe's leaks
# (tests/lsan-mpi.supp names its libraries, which need whole stacks).
LSAN_OPTIONS="suppressions=$LATHE_SRCDIR/tests/lsan-mpi.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
OMPI_MCA_mca_base_component_disable_dlclose=1
export LSAN_OPTIONS ASAN_OPTIONS OMPI_MCA_mca_base_component_disable_dlclose

steps=4
# the first checkpoint, where the killed run is resumed from
save=2
common="--max-steps $steps --set logging_steps=1 --set save_steps=$save"

# mpi2 DIR0 DIR1 ARGS...: `lathe ARGS` as ranks 0 and 1 of one job, each in
# its own directory (rank 1 with $rank1 added); stdout and stderr of both in
# $out/stdout, $out/stderr.
rank1=
mpi2() {
    d0=$1 d1=$2; shift 2
    mkdir -p "$d0" "$d1"
    # shellcheck disable=SC2086
    "$LATHE_MPIRUN" --oversubscribe --bind-to none \
        -np 1 -wdir "$d0" "$LATHE" "$@" : -np 1 -wdir "$d1" "$LATHE" "$@" $rank1 \
        >"$out/stdout" 2>"$out/stderr"
}
status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
# losses FILE: "step loss" of every step row (not evaluations)
losses() { grep -v eval_loss "$1" | sed -E 's/.*"step":([0-9]+),.*"loss":([^,]*),.*/\1 \2/'; }
# close A B: the same steps, each loss within 1e-6 relative
close() {
    paste "$1" "$2" | awk -v n="$steps" '
        { d = $2 - $4; if (d < 0) d = -d; a = $2 < 0 ? -$2 : $2
          if ($1 != $3 || d > 1e-6 * a) { print "# step " $1 ": " $2 " vs " $4; bad = 1 }
          rows++ }
        END { exit bad || rows != n }'
}
# the one run directory under DIR/runs
run_in() { set -- "$1"/runs/*/; [ $# -eq 1 ] && [ -d "$1" ] && echo "${1%/}"; }

for kind in lora full; do
    cfg="$LATHE_SRCDIR/samples/$kind.yaml"
    check "$kind: one process, accumulation 2" status_is 0 "$LATHE" train "$cfg" \
        --output "$out/$kind-1" $common --set gradient_accumulation_steps=2 --set threads=2
    losses "$out/$kind-1/metrics.jsonl" > "$out/$kind-1.loss"
    check "$kind: mpirun -np 2 exits 0" mpi2 "$out/$kind-r0" "$out/$kind-r1" train "$cfg" \
        $common --set threads=1
    [ $? -eq 0 ] || diag "$(tail -n 5 "$out/stderr")"
    run=$(run_in "$out/$kind-r0")
    check "$kind: rank 0 made one run directory in its working directory" test -n "$run"
    losses "$run/metrics.jsonl" > "$out/$kind-2.loss" 2>/dev/null
    check "$kind: 2 ranks x accumulation 1 = 1 process x 2, each step within 1e-6" \
        close "$out/$kind-1.loss" "$out/$kind-2.loss"
    check "$kind: rank 1 wrote nothing in its working directory" \
        test -z "$(ls -A "$out/$kind-r1")"
    check "$kind: one closing line, from rank 0" \
        test "$(grep -c 'finished after' "$out/stderr")" -eq 1
    check "$kind: summary.json counts 2 processes and the bytes reduced" \
        grep -q '"processes": 2' "$run/summary.json"
    check "$kind: the log says how the micro-batches are shared" \
        grep -q '2 processes, each training on 1 of every step' "$run/events.jsonl"
done
cp "$out/lora-2.loss" "$out/want"

# kill -9 rank 1 once rank 0 saved step $save: the job ends (mpirun names
# the rank), step-$save stays whole, and one process with accumulation 2
# continues it onto the 2-process trajectory
cfg="$LATHE_SRCDIR/samples/lora.yaml"
mkdir -p "$out/kill-r0" "$out/kill-r1"
"$LATHE_MPIRUN" --oversubscribe --bind-to none -np 1 -wdir "$out/kill-r0" "$LATHE" train \
    "$cfg" $common --set threads=1 : -np 1 -wdir "$out/kill-r1" "$LATHE" train "$cfg" \
    $common --set threads=1 >"$out/kill.out" 2>"$out/kill.err" &
job=$!
# rank PID: the job's process of that rank (mpirun starts them as children)
rank_pid() {
    for p in $(ps -o pid= --ppid "$job"); do
        tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1" &&
            echo "$p"
    done
}
i=0
until set -- "$out"/kill-r0/runs/*/checkpoints/step-$save && [ -d "$1" ] || [ $i -ge 3000 ]; do
    sleep 0.02; i=$((i + 1))
done
ckpt=$1
r0=$(rank_pid 0) r1=$(rank_pid 1)
check "kill: rank 0 saved step-$save while both ranks run" test -d "$ckpt" -a -n "$r0" -a -n "$r1"
kill -9 $r1
# a hang would never end: give up after a minute
i=0
while kill -0 "$job" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
check "kill: the job ended" test $i -lt 600
kill -9 "$job" 2>/dev/null
wait "$job"
st=$?
job=
check "kill: mpirun exits non-zero" test "$st" -ne 0
# (a zombie when nothing reaps the orphans mpirun left)
check "kill: rank 0 is gone too" sh -c "ps -o stat= -p $r0 | grep -qv Z && exit 1 || exit 0"
check "kill: the message names rank 1" grep -q 'rank 1' "$out/kill.err"
[ $? -eq 0 ] || diag "$(tail -n 5 "$out/kill.err")"
run=$(run_in "$out/kill-r0")
check "kill: rank 1 wrote nothing" test -z "$(ls -A "$out/kill-r1")"
for f in weights.bin optimizer.bin state.json; do
    check "kill: checkpoints/step-$save/$f intact" test -s "$run/checkpoints/step-$save/$f"
done
check "resume on 1 process, accumulation 2" status_is 0 "$LATHE" train "$cfg" --resume "$run" \
    $common --set gradient_accumulation_steps=2 --set threads=2
check "resume: from step $save" grep -q "resuming .* from checkpoints/step-$save" "$out/stderr"
losses "$run/metrics.jsonl" > "$out/got"
check "resume: steps 1-$steps on the uninterrupted 2-process trajectory" close "$out/want" \
    "$out/got"

# SIGUSR1 to mpirun (which passes it on) stops every process after the
# current step, as Ctrl-C stops one process: the run is saved, exit 0
mkdir -p "$out/usr1"
"$LATHE_MPIRUN" --oversubscribe --bind-to none -np 2 "$LATHE" train "$cfg" \
    --output "$out/usr1/run" --max-steps 100 --set logging_steps=1 --set threads=1 \
    >"$out/stdout" 2>"$out/stderr" &
job=$!
i=0
until grep -q '"step":1,' "$out/usr1/run/metrics.jsonl" 2>/dev/null || [ $i -ge 3000 ]; do
    sleep 0.02; i=$((i + 1))
done
kill -USR1 "$job"
wait "$job"
st=$?
job=
check "SIGUSR1: the job exits 0" test "$st" -eq 0
check "SIGUSR1: summary.json says stopped" grep -q '"state": "stopped"' \
    "$out/usr1/run/summary.json"
check "SIGUSR1: the stopped step is saved" sh -c 'test -s "$1"/checkpoints/step-*/state.json' \
    sh "$out/usr1/run"
check "SIGUSR1: one message says so" \
    test "$(grep -c 'interrupted; stopping after the current step' "$out/stderr")" -eq 1

# a process whose config differs: the job fails at the start, naming it,
# and leaves no run directory
rank1="--set learning_rate=0.002"
mpi2 "$out/cfg-r0" "$out/cfg-r1" train "$cfg" $common --set threads=1
st=$?
rank1=
check "differing config: the job exits non-zero" test "$st" -ne 0
check "differing config: says rank 1's config differs" grep -q 'rank 1: .*config' "$out/stderr"
[ $? -eq 0 ] || diag "$(tail -n 5 "$out/stderr")"
check "differing config: no run directory" test -z "$(run_in "$out/cfg-r0")"
check "differing config: rank 0 alone reports it" \
    test "$(grep -c 'config (after --set) differs' "$out/stderr")" -eq 1
tap_done

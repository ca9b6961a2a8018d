#!/bin/sh
# test_layers.sh - the include rule (layers.sh) holds on the tree, and catches
# what it is for: a wrong-way include planted in a copy of the tree, a pane
# including another pane's header, and two headers of one name.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

layers="$LATHE_SRCDIR/tests/layers/layers.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check "the tree follows the layers" sh "$layers" "$LATHE_SRCDIR"

# plant ROOT FILE LINE: a copy of the tree in ROOT with LINE appended to FILE.
plant() {
    rm -rf "$1" && mkdir -p "$1" && cp -R "$LATHE_SRCDIR/engine" "$LATHE_SRCDIR/src" \
        "$LATHE_SRCDIR/ui" "$1"/ && printf '%s\n' "$3" >>"$1/$2"
}
# fails_naming ROOT PATTERN: the check fails and says PATTERN.
fails_naming() {
    ! sh "$layers" "$1" >"$tmp/out" 2>&1 && grep -q -- "$2" "$tmp/out"
}

plant "$tmp/up" engine/ring.c '#include "workbench.h"'
n=$(wc -l <"$tmp/up/engine/ring.c")
check "engine including ui is refused, naming file and line" \
    fails_naming "$tmp/up" "^engine/ring.c:$n: includes ui/workbench.h, a higher layer"
plant "$tmp/core" src/data/dataset.c '#include "run_session.h"'
check "data including run is refused" fails_naming "$tmp/core" "^src/data/dataset.c:.*src/run/run_session.h"
plant "$tmp/ui" src/run/run_dir.c '#include "pane.h"'
check "core including ui is refused" fails_naming "$tmp/ui" "^src/run/run_dir.c:.*ui/pane.h"
plant "$tmp/pane" ui/train/train_pane.c '#include "data_view.h"'
check "a pane including another pane's header is refused" \
    fails_naming "$tmp/pane" "^ui/train/train_pane.c:.*another pane"
plant "$tmp/dup" engine/ring.c ''
cp "$tmp/dup/engine/ring.h" "$tmp/dup/src/run/ring.h"
check "two headers of one name are refused" fails_naming "$tmp/dup" "two headers named ring.h"
plant "$tmp/down" ui/workbench.c '#include "ring.h"'
check "an include that runs down the layers is accepted" sh "$layers" "$tmp/down"
tap_done

#!/bin/sh
# install-deps.sh - installs the Debian 12 packages lathe builds and tests with.
# Idempotent: only missing packages are fetched. Run as root (or via sudo).
set -e
pkgs="build-essential autoconf automake autoconf-archive pkg-config
      libncurses-dev libyaml-dev libreadline-dev libopenblas-dev libjansson-dev
      libpcre2-dev libxxhash-dev libcmocka-dev zlib1g-dev libutf8proc-dev tmux clang
      libopenmpi-dev openmpi-bin"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing

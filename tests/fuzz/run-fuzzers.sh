#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs each libFuzzer target (from a --enable-fuzzing build) on a scratch copy
# of its committed corpus. Crashes land in the current directory as crash-*;
# add the input to tests/fuzz/corpus/<target>/ once fixed.
# Usage: tests/fuzz/run-fuzzers.sh [SECONDS-PER-TARGET] (default 600)
set -eu
secs=${1:-600}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILDDIR:-.}
for t in reader jid txt sasl; do
  bin="$build/tests/fuzz/fuzz-$t"
  [ -x "$bin" ] || { echo "missing $bin: CC=clang ./configure --enable-fuzzing && make" >&2; exit 1; }
  work=$(mktemp -d)
  cp "$src/tests/fuzz/corpus/$t/"* "$work/"
  echo "== fuzz-$t for ${secs}s"
  "$bin" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 "$work"
  rm -rf "$work"
done

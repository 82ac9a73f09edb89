#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Counts every test point in the automake .trs files under a build tree and
# prints one plain closing line; exits 1 when anything failed.
dir=${1:-.}
find "$dir" -name '*.trs' -exec cat {} + 2>/dev/null | awk '
  /^:test-result: PASS/  { p++ }
  /^:test-result: XFAIL/ { p++ }
  /^:test-result: FAIL/  { f++ }
  /^:test-result: XPASS/ { f++ }
  /^:test-result: ERROR/ { f++ }
  /^:test-result: SKIP/  { s++ }
  END {
    line = sprintf("%d passed, %d failed", p, f)
    if (s > 0) line = line sprintf(", %d skipped", s)
    print line
    exit (f > 0 || p == 0) ? 1 : 0
  }'

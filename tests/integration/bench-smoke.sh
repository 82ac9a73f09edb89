#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# bench-smoke.sh - bench/bench-gateway.sh --smoke against chinwag's own
# gateway (chinwagd --gateway from the build tree), a private Prosody and a
# private ejabberd (when installed), side by side: the load generator logs
# in, holds idle connections, exchanges messages and prints figures that are
# sane for each. No timing is asserted.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

: "${top_builddir:=$top_srcdir}"
BENCH_C2S=$top_builddir/bench/bench-c2s
command -v prosody >/dev/null 2>&1 || skip_all "prosody not installed (tools/deps.sh --test)"
for c in bash openssl python3 sqlite3; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
done
[ -x "$BENCH_C2S" ] || skip_all "bench/bench-c2s not built"
test_timeout 200

out=$(mktemp "${TMPDIR:-/tmp}/bench-smoke.XXXXXX") || bail_out "mktemp failed"
at_exit "rm -f '$out'"
targets="chinwag prosody"
if command -v ejabberdctl >/dev/null 2>&1; then
	targets="$targets ejabberd"
else
	diag "ejabberd is not installed: no ejabberd row (tools/deps.sh --test installs it)"
fi
BENCH_C2S=$BENCH_C2S with_timeout 180 bash "$top_srcdir/bench/bench-gateway.sh" --smoke \
	--targets "$targets" >"$out" 2>&1
is "$?" 0 "bench-gateway.sh --smoke exits 0"
positive() { awk -v v="$1" 'BEGIN { exit !(v ~ /^[0-9]+(\.[0-9]+)?$/ && v + 0 > 0) }'; }
# figures TARGET: the checks on TARGET's row of the table
figures() {
	row=$(awk -v t="$1" '$1 == t && NF >= 8' "$out")
	[ -n "$row" ] || diag "$(cat "$out")"
	# shellcheck disable=SC2086
	set -- $row
	like "${1:-}" "$t" "the table has a row for $t"
	check "$t: a positive login rate (${2:-none} logins/s)" positive "${2:-}"
	is "${3:-}" "200/200" "$t: all 200 idle connections held"
	# ejabberd's RSS moves with the Erlang VM's garbage collection by more
	# than 200 idle connections take: its figure is only sane, not positive
	if [ "$t" = ejabberd ]; then
		check "$t: a memory figure per idle connection (${4:-none} kB)" \
			awk -v v="${4:-x}" 'BEGIN { exit !(v ~ /^-?[0-9]+(\.[0-9]+)?$/) }'
	else
		check "$t: a positive memory per idle connection (${4:-none} kB)" positive "${4:-}"
	fi
	check "$t: a positive message rate (${5:-none} msgs/s)" positive "${5:-}"
	check "$t: server CPU per login measured (${6:-none} ms)" positive "${6:-}"
	is "${8:-}" 0 "$t: no login failed"
	# plausible, not just non-zero: a broken counter shows here
	check "$t: memory per idle connection below 1 MB" awk -v v="${4:-0}" 'BEGIN { exit !(v < 1024) }'
	check "$t: fewer than a million messages/s (counting bug)" \
		awk -v v="${5:-0}" 'BEGIN { exit !(v < 1000000) }'
}
for t in $targets; do
	figures $t
done
done_testing

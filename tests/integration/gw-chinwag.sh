#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-chinwag.sh - runs the gateway's client scenario suite (xmpp_scenarios.py,
# the one gw-prosody.sh holds Prosody to) against chinwag's own gateway:
# gw-harness --store (accounts user1..user3 / "secret" in a fresh gateway
# store in a temp dir, the modules using it), on 127.0.0.1 free ports with
# the committed test certificate for "localhost". Stopped by its PID at exit.
#
# SCENARIOS lists what the gateway serves so far: add a scenario here when
# the module it needs lands (xmpp_scenarios.py --list has all of them).
SCENARIOS="scram-sha-256-starttls scram-sha-1-starttls direct-tls plain-over-tls wrong-password
roster-add-remove-pushes roster-versioning roster-set-errors roster-remove-cancels
subscribe-approve subscribe-deny subscribe-offline-pending
unsubscribe unsubscribed-cancel presence-broadcast-probe-unavailable directed-presence
message-full-jid message-bare-priority message-offline-full-jid offline-storage carbons mam-query
ping version
hostile-stanza-before-auth hostile-sasl hostile-spoofed-from hostile-oversized
stream-management-resume blocking vcard-temp disco-info"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PY=/usr/bin/python3 # Debian's, which has python3-slixmpp (not a pyenv one)
[ -x "$PY" ] || skip_all "$PY is missing"
"$PY" -c 'import slixmpp' 2>/dev/null || skip_all "python3-slixmpp is not installed"
HARNESS=${top_builddir:-.}/tests/server/gw-harness
[ -x "$HARNESS" ] || skip_all "gw-harness is not built"
test_timeout 300

CERT=$top_srcdir/tests/data/gateway/cert.pem
KEY=$top_srcdir/tests/data/gateway/key.pem
DIR=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-gw.XXXXXX") || bail_out "mktemp failed"
HARNESS_PID=''
stop_harness() {
	[ -n "$HARNESS_PID" ] || return 0
	kill -TERM "$HARNESS_PID" 2>/dev/null
	wait "$HARNESS_PID" 2>/dev/null
	HARNESS_PID=''
}
at_exit 'stop_harness; rm -rf "$DIR"'

"$HARNESS" --store "$DIR/gateway.db" --cert "$CERT" --key "$KEY" >"$DIR/harness.out" 2>"$DIR/harness.err" &
HARNESS_PID=$!
wait_until 20 grep -q ready "$DIR/harness.out" || {
	cat "$DIR/harness.err" >&2
	bail_out "gw-harness did not start"
}
C2S=$(sed -n 's/^c2s //p' "$DIR/harness.out")
DTLS=$(sed -n 's/^tls //p' "$DIR/harness.out")
diag "gw-harness pid $HARNESS_PID, c2s 127.0.0.1:$C2S, direct TLS $DTLS"

rc=0
# SCENARIO_ARGS: extra options for a developer, e.g. "--debug"
# shellcheck disable=SC2086
"$PY" "$top_srcdir/tests/integration/xmpp_scenarios.py" --server chinwag \
	--host 127.0.0.1 --port "$C2S" --direct-tls-port "$DTLS" --domain localhost \
	--password secret --accounts user1,user2,user3 --cafile "$CERT" \
	--only "$(echo $SCENARIOS | tr ' ' ',')" ${SCENARIO_ARGS:-} || rc=$?
if [ "$rc" != 0 ]; then
	diag "--- gw-harness stderr (last 40 lines)"
	tail -n 40 "$DIR/harness.err" | sed 's/^/# /'
fi
exit "$rc"

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
stream-management-resume blocking blocking-presence vcard-temp disco-info server-caps"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

gw_setup 300
start_harness main --store "$DIR/gateway.db"
# shellcheck disable=SC2154 # set by start_harness
C2S=$main_c2s DTLS=$main_tls
diag "gw-harness pid $main_pid, c2s 127.0.0.1:$C2S, direct TLS $DTLS"

rc=0
# SCENARIO_ARGS: extra options for a developer, e.g. "--debug"
# shellcheck disable=SC2086
"$PY" "$top_srcdir/tests/integration/xmpp_scenarios.py" --server chinwag \
	--host 127.0.0.1 --port "$C2S" --direct-tls-port "$DTLS" --domain localhost \
	--password secret --accounts user1,user2,user3 --cafile "$CERT" \
	--only "$(echo $SCENARIOS | tr ' ' ',')" ${SCENARIO_ARGS:-} || rc=$?
if [ "$rc" != 0 ]; then
	diag "--- gw-harness stderr (last 40 lines)"
	tail -n 40 "$DIR/main.err" | sed 's/^/# /'
fi
exit "$rc"

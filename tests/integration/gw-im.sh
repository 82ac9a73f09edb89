#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-im.sh - the gateway's IM modules (offline storage, carbons, MAM) against
# real slixmpp clients: the scenarios of xmpp_scenarios.py that cover them,
# run against gw-harness --store (accounts user1..user3 / "secret" in a
# gateway store in a temporary directory), on loopback:
#   - message-offline-full-jid: chat to a gone resource reaches an online one
#   - offline-storage: kept while the account is offline, delivered in order
#     with a XEP-0203 delay on the next presence, once
#   - carbons: received and sent copies to carbons-enabled resources only
#   - mam-query: both sides of a chat in both users' archives, paged (RSM)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PY=/usr/bin/python3 # Debian's, which has python3-slixmpp
[ -x "$PY" ] || skip_all "$PY is missing"
"$PY" -c 'import slixmpp' 2>/dev/null || skip_all "python3-slixmpp is not installed"
HARNESS=${top_builddir:-.}/tests/server/gw-harness
[ -x "$HARNESS" ] || skip_all "gw-harness is not built"
test_timeout 120

SCENARIOS=message-offline-full-jid,offline-storage,carbons,mam-query
CERT=$top_srcdir/tests/data/gateway/cert.pem
KEY=$top_srcdir/tests/data/gateway/key.pem
DIR=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-gw-im.XXXXXX") || bail_out "mktemp failed"
at_exit 'rm -rf "$DIR"'

"$HARNESS" --store "$DIR/gateway.db" --cert "$CERT" --key "$KEY" >"$DIR/harness.out" 2>"$DIR/harness.err" &
HARNESS_PID=$!
at_exit "kill $HARNESS_PID 2>/dev/null"
wait_until 20 grep -q ready "$DIR/harness.out" || {
	cat "$DIR/harness.err" >&2
	bail_out "gw-harness did not start"
}
C2S=$(sed -n 's/^c2s //p' "$DIR/harness.out")
DTLS=$(sed -n 's/^tls //p' "$DIR/harness.out")

rc=0
with_timeout 100 "$PY" "$top_srcdir/tests/integration/xmpp_scenarios.py" --server chinwag \
	--host 127.0.0.1 --port "$C2S" --direct-tls-port "$DTLS" --domain localhost \
	--password secret --accounts user1,user2,user3 --cafile "$CERT" --only "$SCENARIOS" || rc=$?
if [ "$rc" != 0 ]; then
	diag "--- gw-harness stderr (last 40 lines)"
	tail -n 40 "$DIR/harness.err" | sed 's/^/# /'
fi
exit "$rc"

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
# and, with a second harness whose offline queue holds two messages
# (gw-im-extra.py): the third bounces with service-unavailable; <private/>
# messages are not copied; XEP-0359 stanza-ids (forged ones dropped) that
# MAM results and RSM paging use; MAM errors and prefs; disco features.
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

start_harness main --store "$DIR/main.db"
start_harness cap --store "$DIR/cap.db" --offline-cap 2

# Two TAP streams, one plan: the scenarios', then the extra checks' after it.
rc=0
# shellcheck disable=SC2154
with_timeout 100 "$PY" "$top_srcdir/tests/integration/xmpp_scenarios.py" --server chinwag \
	--host 127.0.0.1 --port "$main_c2s" --direct-tls-port "$main_tls" --domain localhost \
	--password secret --accounts user1,user2,user3 --cafile "$CERT" --only "$SCENARIOS" \
	>"$DIR/scenarios.tap" || rc=$?
n1=$(sed -n 's/^1\.\.//p' "$DIR/scenarios.tap")
EXTRA_TESTS=8 # gw-im-extra.py's, numbered on from the scenarios'
# shellcheck disable=SC2154
with_timeout 60 "$PY" "$top_srcdir/tests/integration/gw-im-extra.py" "$cap_c2s" "$CERT" "$((${n1:-0} + 1))" \
	>"$DIR/extra.tap" || rc=$?
echo "1..$((${n1:-0} + EXTRA_TESTS))"
grep -v '^1\.\.' "$DIR/scenarios.tap"
cat "$DIR/extra.tap"
if [ "$rc" != 0 ]; then
	diag "--- gw-harness stderr (last 20 lines each)"
	tail -n 20 "$DIR/main.err" "$DIR/cap.err" | sed 's/^/# /'
fi
exit "$rc"

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-im.sh - the gateway's IM modules (offline storage, carbons, MAM) beyond
# the scenarios gw-chinwag.sh runs (offline-storage, message-offline-full-jid,
# carbons, mam-query): real slixmpp clients (gw-im-extra.py) against
# gw-harness --store (accounts user1..user3 / "secret" in a gateway store in a
# temporary directory) whose offline queue holds two messages, on loopback:
#   - a third offline message bounces with service-unavailable; the two come
#   - <private/> messages are not copied (carbons), and arrive without it;
#     one's chat to one's own resource is copied once, to the others
#   - XEP-0359 stanza-ids on delivery (a forged one dropped), the ids MAM
#     results and RSM paging (<before/>, after, <fin complete/>) use
#   - MAM errors (unknown id, unknown field), prefs, disco features
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

gw_setup 90

start_harness main --store "$DIR/gateway.db" --offline-cap 2

rc=0
# shellcheck disable=SC2154
with_timeout 80 "$PY" "$top_srcdir/tests/integration/gw-im-extra.py" "$main_c2s" "$CERT" || rc=$?
if [ "$rc" != 0 ]; then
	diag "--- gw-harness stderr (last 30 lines)"
	tail -n 30 "$DIR/main.err" | sed 's/^/# /'
fi
exit "$rc"

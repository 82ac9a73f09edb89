#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-register.sh - XEP-0077 on the gateway (gw-harness --store, accounts
# user1..user3 / "secret"), over STARTTLS on loopback:
#   - in-band registration is off unless enabled: no stream feature, and
#     the request ends the stream like any stanza before auth
#   - when on: a new account can log in at once with SCRAM; an existing
#     name is a <conflict/>; the per-address throttle answers
#     <policy-violation/>
#   - a password change on an authenticated stream re-derives the SCRAM
#     credentials: the new password logs in, the old one no longer does
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PY=/usr/bin/python3
$PY -c 'import slixmpp' 2>/dev/null || skip_all "python3-slixmpp is not installed"
HARNESS=${top_builddir:-.}/tests/server/gw-harness
[ -x "$HARNESS" ] || skip_all "gw-harness is not built"
test_timeout 120

CERT=$top_srcdir/tests/data/gateway/cert.pem
KEY=$top_srcdir/tests/data/gateway/key.pem
DIR=$(mktemp -d "${TMPDIR:-/tmp}/chinwag-reg.XXXXXX") || bail_out "mktemp failed"
at_exit 'rm -rf "$DIR"'

# start_harness NAME ARGS...: gw-harness with its own store; sets NAME_c2s
start_harness() {
	_h=$1
	shift
	"$HARNESS" --store "$DIR/$_h.db" --cert "$CERT" --key "$KEY" "$@" >"$DIR/$_h.out" 2>"$DIR/$_h.err" &
	at_exit "kill $! 2>/dev/null"
	wait_until 20 grep -q ready "$DIR/$_h.out" || {
		cat "$DIR/$_h.err" >&2
		bail_out "gw-harness $_h did not start"
	}
	eval "${_h}_c2s=$(sed -n 's/^c2s //p' "$DIR/$_h.out")"
}

start_harness off
start_harness on --registration 2
# shellcheck disable=SC2154
reg() { _p=$1; shift; with_timeout 30 $PY "$top_srcdir/tests/integration/gw-register.py" "$_p" "$CERT" "$@" 2>>"$DIR/client.err"; }

is "$(reg "$off_c2s" features)" "none" "registration off: no iq-register stream feature"
is "$(reg "$off_c2s" register newbie pw)" "stream-error:not-authorized" "registration off: the request ends the stream"
is "$(reg "$on_c2s" features)" "register" "registration on: the iq-register stream feature"
is "$(reg "$on_c2s" register newbie n3wbie)" "registered" "a new account is registered"
is "$(reg "$on_c2s" login newbie n3wbie)" "success" "the new account logs in with SCRAM-SHA-256"
is "$(reg "$on_c2s" register user1 other)" "conflict" "an existing name is a conflict"
is "$(reg "$on_c2s" login user1 secret)" "success" "the existing account keeps its password"
is "$(reg "$on_c2s" register second pw2)" "registered" "a second account from the same address"
is "$(reg "$on_c2s" register third pw3)" "policy-violation" "the third within the hour is throttled"
is "$(reg "$on_c2s" login third pw3)" "not-authorized" "the throttled account was not created"
is "$(reg "$on_c2s" passwd user2 secret n3w-secret)" "changed" "user2 changes its password"
is "$(reg "$on_c2s" login user2 n3w-secret)" "success" "the new password logs in"
is "$(reg "$on_c2s" login user2 secret)" "not-authorized" "the old password no longer does"
done_testing

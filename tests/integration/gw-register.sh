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

gw_setup 120

# Each with its own store.
start_harness off --store "$DIR/off.db"
start_harness on --store "$DIR/on.db" --registration 2
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

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-c2s.sh - the gateway's client server (gw-harness, accounts user1..user3 /
# "secret") against real slixmpp clients and a raw hostile client, on loopback:
#   - SCRAM-SHA-256 and SCRAM-SHA-1 over STARTTLS and over Direct TLS, PLAIN
#     inside TLS, SCRAM-SHA-256-PLUS (tls-server-end-point, TLS 1.2); features before TLS are STARTTLS (required) only
#   - messages between accounts, to a bare JID with two resources (chat to
#     all top-priority resources, normal to the highest), ping both ways,
#     disco and version of the server
#   - hostile: bad stream headers, stanzas before TLS and before auth, an
#     unoffered mechanism, wrong SCRAM proofs (throttled, then cut off),
#     oversized stanzas before and after auth, a spoofed 'from', a resource
#     conflict, a client that never finishes negotiating, a silent client
#     found dead by the server's pings, too many connections from one address,
#     a flood (read at the configured rate)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

gw_setup 240

CLIENT="$PY $top_srcdir/tests/integration/gw-client.py"
RAW="$PY $top_srcdir/tests/integration/gw-raw.py"

# $CERT: a self-signed certificate for "localhost", valid until 2126 (made
# with openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1
# -nodes -days 36500 -subj /CN=localhost -addext subjectAltName=DNS:localhost).
CA=$CERT

start_harness main --auth-delay-ms 300 --max-auth-failures 3 --negotiation-timeout-ms 10000
# shellcheck disable=SC2154
client() { with_timeout 60 $CLIENT "$main_c2s" "$main_tls" "$CA" "$@" 2>>"$DIR/client.err"; }
raw() { with_timeout 60 $RAW "$main_c2s" "$CA" "$@" 2>>"$DIR/raw.err"; }

# ---- logins ------------------------------------------------------------------
is "$(client login SCRAM-SHA-256 starttls)" "bound user1@localhost/starttls" "SCRAM-SHA-256 over STARTTLS"
is "$(client login SCRAM-SHA-1 starttls)" "bound user1@localhost/starttls" "SCRAM-SHA-1 over STARTTLS"
is "$(client login SCRAM-SHA-256 direct)" "bound user1@localhost/direct" "SCRAM-SHA-256 over Direct TLS"
is "$(client login SCRAM-SHA-1 direct)" "bound user1@localhost/direct" "SCRAM-SHA-1 over Direct TLS"
is "$(client login PLAIN starttls)" "bound user1@localhost/starttls" "PLAIN inside TLS"
is "$(client wrong-password)" "auth failed" "a wrong password is refused"
is "$(raw features-before-tls)" "starttls-required mechanisms=none" \
	"before TLS only <starttls><required/> is offered"
like "$(raw features-after-tls)" "mechanisms SCRAM-SHA-256* SCRAM-SHA-1 PLAIN" \
	"after TLS: SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN"
is "$(raw right-proof)" "success" "a raw SCRAM-SHA-256 exchange with the right proof succeeds"
is "$(raw plus-server-end-point)" "right binding success, wrong binding not-authorized" \
	"SCRAM-SHA-256-PLUS over TLS 1.2 with tls-server-end-point: the binding is checked"

# ---- stanzas -------------------------------------------------------------------
is "$(client message)" "from user1@localhost/a body hello b
to nobody: service-unavailable" "a message between two accounts; to an unknown account: service-unavailable"
is "$(client bare)" "one saw user2@localhost/one user2@localhost/two
one to both two to both
normal to user2@localhost one got 0" "own presence reaches all own resources; to a bare JID: chat to both top resources, normal to the highest only"
is "$(client ping)" "server pong True
client pong True
offline error service-unavailable" "ping the server, another client, and a resource that is gone"
out=$(client disco)
like "$out" "*identities server/im*" "disco#info: the server identity"
like "$out" "*features *http://jabber.org/protocol/disco#info*jabber:iq:version*urn:xmpp:ping*" \
	"disco#info: the features list"
like "$out" "*items 0" "disco#items answers"
like "$(client version)" "name chinwag version *" "XEP-0092 version of the server"

# ---- hostile -------------------------------------------------------------------
is "$(raw bad-host)" "stream-error host-unknown" "a header to another domain: host-unknown"
is "$(raw bad-version)" "stream-error unsupported-version" "version 2.0: unsupported-version"
is "$(raw bad-namespace)" "stream-error invalid-namespace" "jabber:server on c2s: invalid-namespace"
is "$(raw stanza-before-tls)" "stream-error not-authorized" "a stanza before TLS: not-authorized"
is "$(raw stanza-before-auth)" "stream-error not-authorized" "a stanza before SASL: not-authorized"
is "$(raw unoffered-mechanism)" "failure invalid-mechanism" "an unoffered mechanism: invalid-mechanism"
is "$(raw wrong-proof)" "not-authorized" "a wrong SCRAM proof: not-authorized"
is "$(raw auth-throttle)" "not-authorized not-authorized not-authorized then policy-violation slow=yes" \
	"three wrong proofs: each answered late, then the stream is cut"
is "$(raw oversized-preauth)" "stream-error policy-violation" "20 KB before auth: policy-violation"
is "$(raw big-preauth-ok)" "stream-error not-authorized" "8 KB before auth is parsed (and refused as a stanza)"
is "$(raw oversized-after-auth)" "200k delivered, 300k stream-error policy-violation" \
	"after auth: 200 KB delivered, 300 KB is a policy-violation"
is "$(raw spoofed-from)" "from user1@localhost/spoof (sender)" "a spoofed 'from' is overwritten with the sender's JID"
is "$(raw conflict)" "old session: stream-error conflict" "a second bind of the same resource replaces the first"

# ---- timers (a second gateway with short ones) -----------------------------------
start_harness fast --negotiation-timeout-ms 1000 --ping-interval-ms 1000 --ping-timeout-ms 1000 \
	--max-per-address 3 --rate 20000 --burst 20000
# shellcheck disable=SC2154
is "$(with_timeout 30 $RAW "$fast_c2s" "$CA" timeout)" "stream-error connection-timeout after 1s" \
	"a client that never finishes negotiating is cut after 1 s"
is "$(with_timeout 30 $RAW "$fast_c2s" "$CA" server-ping)" \
	"answered one ping, then connection-timeout after 1s" \
	"the server pings idle clients and drops one that stops answering"

is "$(with_timeout 60 $RAW "$fast_c2s" "$CA" flood)" "flood throttled=yes bystander served=yes" \
	"a flood is read at the configured rate, and others are served meanwhile"
is "$(with_timeout 30 $RAW "$fast_c2s" "$CA" per-address)" "fourth connection closed" \
	"connections per address are capped (3 here)"
like "$(client login SCRAM-SHA-256 direct)" "bound *" "meanwhile the other gateway still serves"

# ---- the gateway survived it all -------------------------------------------------
is "$(client login SCRAM-SHA-256 starttls)" "bound user1@localhost/starttls" "the gateway still serves logins"
kill "$main_pid" "$fast_pid"
wait "$main_pid"
is "$?" 0 "gw-harness exits cleanly on SIGTERM"
[ -s "$DIR/main.err" ] && diag "$(tail -20 "$DIR/main.err")"
done_testing

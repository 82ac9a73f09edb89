#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-daemon.sh - chinwagd --gateway --config FILE as an admin runs it, on loopback (no lab):
#   - accounts made with chinwagctl before the start; the storage folder is
#     created (0700)
#   - slixmpp: SCRAM over STARTTLS and Direct TLS, PLAIN inside TLS, a wrong
#     password, a disabled account, chinwagctl passwd and enable while it
#     runs, a message between two accounts
#   - go-sendxmpp (another codebase) sends a message to a slixmpp client,
#     over STARTTLS and Direct TLS
#   - listen = *: every address; plain = false: PLAIN is not offered;
#     SIGINT stops that instance
#   - SIGTERM: the clients get system-shutdown, exit status 0
#   - a port in use and an unusable storage file: a clear error, exit 1
#   - the log: start, logins and failures, never a password
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PY=/usr/bin/python3
$PY -c 'import slixmpp' 2>/dev/null || skip_all "python3-slixmpp is not installed"
CHINWAGD=${top_builddir:-.}/src/chinwagd
CTL=${top_builddir:-.}/src/chinwagctl
if [ ! -x "$CHINWAGD" ] || [ ! -x "$CTL" ]; then
	skip_all "chinwagd or chinwagctl is not built"
fi
test_timeout 240

DIR=$(mktemp -d)
at_exit 'rm -rf "$DIR"'
# The self-signed certificate for "localhost" of tests/integration/gw-c2s.sh.
CERT=$top_srcdir/tests/data/gateway/cert.pem
KEY=$top_srcdir/tests/data/gateway/key.pem

# write_config FILE [EXTRA C2S LINES]: loopback, any free ports, no auth delay.
write_config() {
	cat >"$1" <<EOF
[gateway]
domain = localhost
storage = $DIR/state/gateway.db
[c2s]
listen = 127.0.0.1:0
direct_tls = 127.0.0.1:0
certificate = $CERT
key = $KEY
$2
[limits]
auth_failure_delay = 0 s
EOF
}
write_config "$DIR/chinwag.conf"
CONF=$DIR/chinwag.conf

# ---- accounts ----------------------------------------------------------------
for u in user1 user2 user3; do
	printf 'secret\n' | "$CTL" --config "$CONF" adduser "$u" 2>>"$DIR/ctl.err"
done
is "$("$CTL" --config "$CONF" list 2>&1)" "user1@localhost
user2@localhost
user3@localhost" "chinwagctl adduser creates the accounts (and the storage folder)"
is "$(stat -c %a "$DIR/state")" 700 "the storage folder is private (0700)"
"$CTL" --config "$CONF" disable user3

# start_gateway NAME CONFIG: sets NAME_pid, NAME_c2s, NAME_tls from the start line
start_gateway() {
	"$CHINWAGD" --gateway --config "$2" >"$DIR/$1.out" 2>"$DIR/$1.err" &
	eval "${1}_pid=$!"
	at_exit "kill $! 2>/dev/null"
	wait_until 20 grep -q "listening on" "$DIR/$1.err" || {
		cat "$DIR/$1.err" >&2
		bail_out "chinwagd --gateway ($1) did not start"
	}
	_line=$(grep "listening on" "$DIR/$1.err")
	eval "${1}_c2s=$(echo "$_line" | sed -n 's/.*on [0-9.*]*:\([0-9]*\) (STARTTLS).*/\1/p')"
	eval "${1}_tls=$(echo "$_line" | sed -n 's/.* 127\.0\.0\.1:\([0-9]*\) (Direct TLS).*/\1/p')"
}

start_gateway main "$CONF"
# shellcheck disable=SC2154
like "$(cat "$DIR/main.err")" \
	"*gateway for localhost listening on 127.0.0.1:$main_c2s (STARTTLS), 127.0.0.1:$main_tls (Direct TLS)*" \
	"the start is logged with the domain and the listening addresses"
# shellcheck disable=SC2154
client() {
	with_timeout 60 $PY "$top_srcdir/tests/integration/gw-daemon-client.py" "$main_c2s" "$main_tls" \
		"$CERT" "$@" 2>>"$DIR/client.err"
}

# ---- logins --------------------------------------------------------------------
is "$(client login user1 secret starttls)" "bound user1@localhost/starttls" "SCRAM-SHA-256 over STARTTLS"
is "$(client login user1 secret direct SCRAM-SHA-1)" "bound user1@localhost/direct" \
	"SCRAM-SHA-1 over Direct TLS"
is "$(client login user1 secret starttls PLAIN)" "bound user1@localhost/starttls" "PLAIN inside TLS"
is "$(client login user1 wrong starttls)" "failed not-authorized" "a wrong password: not-authorized"
is "$(client login nobody secret direct)" "failed not-authorized" "an unknown account: not-authorized"
is "$(client login user3 secret starttls)" "failed account-disabled" \
	"a disabled account with the right password: account-disabled"
is "$(client login user3 wrong starttls)" "failed not-authorized" \
	"a disabled account with a wrong password: not-authorized (nothing given away)"
"$CTL" --config "$CONF" enable user3
is "$(client login user3 secret direct)" "bound user3@localhost/direct" \
	"chinwagctl enable lets it in while the gateway runs"

printf 'n3w pass\n' | "$CTL" --config "$CONF" passwd user2
is "$(client login user2 'n3w pass' starttls)" "bound user2@localhost/starttls" \
	"chinwagctl passwd: the new password works at the next login"
is "$(client login user2 secret starttls)" "failed not-authorized" "and the old one no longer"
printf 'secret\n' | "$CTL" --config "$CONF" passwd user2

# ---- messages ------------------------------------------------------------------
is "$(client message)" "got hello user2 from user1@localhost/a" "a message between two accounts"

# go-sendxmpp reads the message from stdin; Go takes the CA from SSL_CERT_FILE.
sendxmpp() { # PORT OPTION... : user1 sends "$MSG" to user2
	_port=$1
	shift
	echo "$MSG" | HOME=$DIR SSL_CERT_FILE=$CERT with_timeout 30 go-sendxmpp -u user1@localhost \
		-p secret -j "127.0.0.1:$_port" "$@" user2@localhost 2>>"$DIR/sendxmpp.err"
}
# go_to_slixmpp PORT HOW OPTION...: what user2's slixmpp client got
go_to_slixmpp() {
	_port=$1
	_how=$2
	shift 2
	client listen user2 >"$DIR/listen.out" &
	_listener=$!
	wait_until 20 grep -q ready "$DIR/listen.out"
	MSG="hello from go-sendxmpp over $_how"
	sendxmpp "$_port" "$@"
	wait "$_listener"
	sed -n 's/^got //p' "$DIR/listen.out"
}
if command -v go-sendxmpp >/dev/null; then
	is "$(go_to_slixmpp "$main_c2s" STARTTLS)" \
		"hello from go-sendxmpp over STARTTLS from user1@localhost" \
		"go-sendxmpp logs in over STARTTLS and its message reaches a slixmpp client"
	is "$(go_to_slixmpp "$main_tls" "Direct TLS" -t)" \
		"hello from go-sendxmpp over Direct TLS from user1@localhost" \
		"go-sendxmpp over Direct TLS too"
	[ -s "$DIR/sendxmpp.err" ] && diag "$(tail -5 "$DIR/sendxmpp.err")"
else
	skip "go-sendxmpp logs in and sends a message" "go-sendxmpp is not installed"
	skip "go-sendxmpp over Direct TLS" "go-sendxmpp is not installed"
fi

# ---- a second instance: every address, plain = false, SIGINT ---------------------
write_config "$DIR/noplain.conf" "plain = false"
sed -i 's/^listen = .*/listen = *:0/' "$DIR/noplain.conf"
start_gateway noplain "$DIR/noplain.conf"
# shellcheck disable=SC2154
like "$(cat "$DIR/noplain.err")" "*listening on \*:$noplain_c2s (STARTTLS)*" \
	"listen = *:0 listens on every address (and loopback reaches it)"
# shellcheck disable=SC2154
is "$(with_timeout 60 $PY "$top_srcdir/tests/integration/gw-daemon-client.py" "$noplain_c2s" \
	"$noplain_tls" "$CERT" login user1 secret starttls PLAIN 2>>"$DIR/client.err")" \
	"failed unknown" "plain = false: PLAIN is not offered, even inside TLS"
is "$(with_timeout 60 $PY "$top_srcdir/tests/integration/gw-daemon-client.py" "$noplain_c2s" \
	"$noplain_tls" "$CERT" login user1 secret starttls 2>>"$DIR/client.err")" \
	"bound user1@localhost/starttls" "plain = false: SCRAM still works"
# shellcheck disable=SC2154
kill -INT "$noplain_pid"
wait "$noplain_pid"
is "$?" 0 "SIGINT: exit status 0"

# ---- errors at start -------------------------------------------------------------
write_config "$DIR/busy.conf"
sed -i "s/^listen = .*/listen = 127.0.0.1:$main_c2s/" "$DIR/busy.conf"
with_timeout 20 "$CHINWAGD" --gateway --config "$DIR/busy.conf" >/dev/null 2>"$DIR/busy.err"
is "$?" 1 "a port in use: exit status 1"
like "$(cat "$DIR/busy.err")" "chinwagd: *127.0.0.1:$main_c2s*already in use*" \
	"a port in use: the address and the reason on stderr"

echo "not a database, not at all, but long enough to look like a header of one" >"$DIR/junk.db"
write_config "$DIR/junk.conf"
sed -i "s|^storage = .*|storage = $DIR/junk.db|" "$DIR/junk.conf"
with_timeout 20 "$CHINWAGD" --gateway --config "$DIR/junk.conf" >/dev/null 2>"$DIR/junk.err"
is "$?" 1 "an unusable storage file: exit status 1"
like "$(cat "$DIR/junk.err")" "chinwagd: cannot open the storage $DIR/junk.db: *" \
	"an unusable storage file: named on stderr with the reason"

# ---- SIGTERM -------------------------------------------------------------------
client shutdown user1 >"$DIR/shutdown1.out" &
s1=$!
client shutdown user2 >"$DIR/shutdown2.out" &
s2=$!
wait_until 20 grep -q ready "$DIR/shutdown1.out" && wait_until 20 grep -q ready "$DIR/shutdown2.out"
t0=$(now_ms)
# shellcheck disable=SC2154
kill -TERM "$main_pid"
wait "$main_pid"
is "$?" 0 "SIGTERM: exit status 0"
check "it stops within the 2 s grace time" [ $(($(now_ms) - t0)) -lt 3000 ]
wait "$s1" "$s2"
is "$(sed -n 's/^stream error //p' "$DIR/shutdown1.out" "$DIR/shutdown2.out")" "system-shutdown
system-shutdown" "SIGTERM: both connected clients get system-shutdown"

# ---- the log -------------------------------------------------------------------
log=$(cat "$DIR/main.err")
like "$log" "*c2s 127.0.0.1: user1 logged in*" "logins are logged"
like "$log" "*authentication failed (not-authorized)*" "failed logins are logged"
like "$log" "*authentication failed (account-disabled)*" "refused disabled accounts are logged"
like "$log" "*gateway for localhost stopped*" "the stop is logged"
check "no password in the log" sh -c '! grep -Eq "secret|n3w pass|wrong" "$1"' - "$DIR/main.err"
done_testing

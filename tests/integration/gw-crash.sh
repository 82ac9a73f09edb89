#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-crash.sh - kill -9 of chinwagd --gateway under load loses no message it
# had acknowledged (XEP-0198 <a h/>) to its sender:
#   (a) the recipient is offline: every acknowledged message is in its
#       offline queue after the restart on the same storage, and in its
#       archive (the queue is emptied as it is sent)
#   (b) the recipient is online but never acknowledges: every acknowledged
#       message is in its archive (XEP-0313) after the restart
# and the restarted gateway is healthy: logins work, the log shows no
# damaged storage. Counts (sent, acked, recovered) go to TAP diag lines.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "/usr/bin/python3 is not installed"
CHINWAGD=${top_builddir:-.}/src/chinwagd
CTL=${top_builddir:-.}/src/chinwagctl
if [ ! -x "$CHINWAGD" ] || [ ! -x "$CTL" ]; then
	skip_all "chinwagd or chinwagctl is not built"
fi
test_timeout 120

COUNT=${GW_CRASH_COUNT:-2000}
KILL_AT=$((COUNT / 2))
DIR=$(mktemp -d)
at_exit 'rm -rf "$DIR"'
SRC=$(cd "$top_srcdir" && pwd)
CERT=$SRC/tests/data/gateway/cert.pem
KEY=$SRC/tests/data/gateway/key.pem
CLIENT="$PY $top_srcdir/tests/integration/gw-crash.py"

# Loopback, any free ports, no rate limit, room for every message offline.
cat >"$DIR/chinwag.conf" <<EOF
[gateway]
domain = localhost
storage = $DIR/state/gateway.db
[c2s]
listen = 127.0.0.1:0
direct_tls = 127.0.0.1:0
certificate = $CERT
key = $KEY
[limits]
auth_failure_delay = 0 s
rate = 0
offline_cap = 100000
EOF
CONF=$DIR/chinwag.conf
for u in user1 user2; do
	printf 'secret\n' | "$CTL" --config "$CONF" adduser "$u" 2>>"$DIR/ctl.err"
done

# start_gateway NAME: sets gw_pid and gw_c2s; the log goes to $DIR/NAME.err.
start_gateway() {
	"$CHINWAGD" --gateway --config "$CONF" >"$DIR/$1.out" 2>"$DIR/$1.err" &
	gw_pid=$!
	at_exit "kill $gw_pid 2>/dev/null"
	wait_until 20 grep -q "listening on" "$DIR/$1.err" || {
		cat "$DIR/$1.err" >&2
		bail_out "chinwagd --gateway ($1) did not start"
	}
	gw_c2s=$(sed -n 's/.*on [0-9.]*:\([0-9]*\) (STARTTLS).*/\1/p' "$DIR/$1.err")
}

# gone PID: the process has exited (it is our child: reap it).
gone() { ! kill -0 "$1" 2>/dev/null; }

# round NAME MODE [online]: one crash under load; sets sent, acked, recovered.
round() {
	start_gateway "$1-before"
	_pid=$gw_pid
	_t0=$(now_ms)
	_out=$(with_timeout 40 $CLIENT "$gw_c2s" "$CERT" send "$1" "$COUNT" "$KILL_AT" "$_pid" $3 \
		2>"$DIR/$1-send.err")
	wait "$_pid" 2>/dev/null
	_status=$?
	_t1=$(now_ms)
	sent=$(echo "$_out" | sed -n 's/^sent \([0-9]*\) .*/\1/p')
	acked=$(echo "$_out" | sed -n 's/.* acked \([0-9]*\) .*/\1/p')
	is "$_status" 137 "($1) the gateway died of SIGKILL in the middle of the stream"
	check "($1) the sender got $KILL_AT acknowledgements before the kill, and its stream ended" \
		test "${acked:-0}" -ge "$KILL_AT" -a "${sent:-0}" -ge "${acked:-0}" \
		-a "${_out##* }" = closed
	start_gateway "$1-after"
	_got=$(with_timeout 40 $CLIENT "$gw_c2s" "$CERT" "$2" "$1" "${acked:-0}" 2>"$DIR/$1-get.err")
	recovered=$(echo "$_got" | sed -n 's/^recovered \([0-9]*\) .*/\1/p')
	diag "($1) sent $sent, acked $acked, recovered ${recovered:-?} from $2 ($_out; $_got;" \
		"kill after $((_t1 - _t0)) ms, restart and fetch $(($(now_ms) - _t1)) ms)"
	[ -s "$DIR/$1-send.err" ] && diag "sender: $(tail -3 "$DIR/$1-send.err")"
	[ -s "$DIR/$1-get.err" ] && diag "recipient: $(tail -3 "$DIR/$1-get.err")"
	is "$recovered" "$acked" "($1) every acknowledged message is there after the restart ($2)"
	if [ "$2" = offline ]; then
		# The queue is emptied as it is sent: the archive keeps them too.
		_got=$(with_timeout 40 $CLIENT "$gw_c2s" "$CERT" mam "$1" "${acked:-0}" 2>>"$DIR/$1-get.err")
		diag "($1) in the archive too: $_got"
		is "$(echo "$_got" | sed -n 's/^recovered \([0-9]*\) .*/\1/p')" "$acked" \
			"($1) every acknowledged offline message is in the recipient's archive as well"
	fi
	not_like_log "$1-after"
	kill "$gw_pid"
	wait "$gw_pid" 2>/dev/null
}

# not_like_log NAME: the restarted gateway says nothing about damaged storage.
not_like_log() {
	if grep -Eiq "corrupt|malformed|damaged|recover|disk image|CRITICAL|WARNING" "$DIR/$1.err"; then
		diag "$(cat "$DIR/$1.err")"
		not_ok "($1) the restarted gateway's log is clean"
	else
		ok "($1) the restarted gateway's log is clean"
	fi
}

round offline offline
round online mam online

# Health after two crashes: a fresh gateway on the same storage, logins and
# a message between the accounts work, and chinwagctl reads the storage.
start_gateway healthy
is "$(with_timeout 30 $CLIENT "$gw_c2s" "$CERT" health 2>&1)" "ok" \
	"after the crashes, user1 logs in, gets its message acknowledged, user2 receives it"
is "$("$CTL" --config "$CONF" list 2>&1)" "user1@localhost
user2@localhost" "chinwagctl still reads the accounts"
done_testing

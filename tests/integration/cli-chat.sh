#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# cli-chat.sh - two lab hosts chatting through nothing but the chinwag
# command: no session bus on either, so chinwag starts a private bus that
# D-Bus-activates chinwagd; send, watch --json, status, history, delivery
# states, exit codes, bad input, and a daemon that dies and comes back.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require python3 dbus-send dbus-daemon
cw_require
[ -x "$CHINWAG" ] || skip_all "chinwag is not built ($CHINWAG)"
test_timeout 120

lab_up 2

A=root@h1 B=root@h2
IFACE=im.chinwag.Chinwag1
cwp_up h1 h2
rt() { cwp_rt "$@"; }
c() { cwp "$@"; }
cw_watch_json() { # HOST: chinwag watch --json, lines in $(lab_log HOST json)
	# shellcheck disable=SC2046
	lab spawn "$1" json env $(cwp_env "$1") "$CHINWAG" watch --json >/dev/null
}
json_has() { grep -Fq "$2" "$(lab_log "$1" json)"; } # HOST FIXED-STRING
bus() { cwp_bus "$@"; }
daemon_pid() { cwp_daemon_pid "$@"; }
OUT=$LAB_STATE/out

# --- no session bus: a private one, and chinwagd activated on it ---------------------
like "$(c h1 info)" "*name	$A*" "chinwag info on h1 (no session bus) starts a bus and chinwagd"
like "$(c h2 info)" "*name	$B*" "chinwag info on h2 does the same"
bus1=$(cat "$(rt h1)/chinwag/bus.pid" 2>/dev/null)
like "$(cat "/proc/$bus1/comm" 2>/dev/null)" "dbus-daemon*" "h1's private bus is a dbus-daemon ($bus1)"
pid1=$(daemon_pid h1)
like "$(cat "/proc/$pid1/comm" 2>/dev/null)" "chinwagd*" "chinwagd owns $IFACE on that bus"
c h1 info >/dev/null
is "$(cat "$(rt h1)/chinwag/bus.pid")/$(daemon_pid h1)" "$bus1/$pid1" \
	"a second chinwag finds the same bus and daemon"
cw_watch_json h1
cw_watch_json h2
sleep 0.5 # let the watchers subscribe

# --- roster ---------------------------------------------------------------------------
b_on_a() { c h1 roster | grep -q "^$B	avail	yes	"; }
wait_until 10 b_on_a
check "chinwag roster on h1 lists $B, available and reachable" b_on_a
like "$(c h1 roster --json)" "*\"peer\":\"$B\",\"status\":\"avail\",\"reachable\":true*" \
	"chinwag roster --json gives the same as JSON"
like "$(c h1 roster --json)" "*\"peer\":\"$B\",*\"verified\":false}*" \
	"chinwag roster --json says $B is not verified (no identity key is pinned)"

# --- a message each way ----------------------------------------------------------------
id=$(c h1 send "$B" hello from h1)
like "$id" "[1-9]*" "chinwag send prints the new message's id ($id)"
state_ok() { json_has h1 "{\"event\":\"state\",\"id\":$id,\"peer\":\"$B\",\"state\":\"$1\"}"; }
wait_until 10 state_ok delivered
check "watch --json on h1 reports message $id delivered" state_ok delivered
check "... after reporting it queued" state_ok queued
wait_until 5 json_has h2 "\"body\":\"hello from h1\""
check "watch --json on h2 reports the message from $A" \
	json_has h2 "{\"event\":\"message\",\"peer\":\"$A\",\"id\":"
text='line one
ünïcödé 😀 漢字	tab'
printf '%s\n' "$text" | c h2 send --wait "$B" - >/dev/null 2>"$OUT.err"
is "$?" 3 "send to ourselves is an unknown peer (exit 3)"
printf '%s\n' "$text" | c h2 send --wait "$A" - >"$OUT.id" 2>"$OUT.err"
is "$?" 0 "send --wait from standard input exits 0 once delivered"
last_body() { # HOST PEER: the body of the newest message, decoded from history --json
	c "$1" history --json -n 1 "$2" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["body"])'
}
is "$(last_body h1 "$B")" "$text" "h1's history holds the multi-line UTF-8 text exactly"
like "$(c h1 history "$B" | tail -n 1)" "*	in	received	line one\\\\nünïcödé*" \
	"plain history escapes the newline and keeps the tab field-safe"
is "$(c h1 history "$B" | wc -l)" 2 "h1's history holds both messages, oldest first"

# --- presence --------------------------------------------------------------------------
c h2 status dnd "in a meeting"
is "$?" 0 "chinwag status dnd 'in a meeting' on h2"
like "$(c h2 status)" "dnd	in a meeting" "chinwag status reads it back"
b_dnd() { json_has h1 "{\"event\":\"presence\",\"peer\":\"$B\",\"status\":\"dnd\",\"reachable\":true,\"message\":\"in a meeting\"}"; }
wait_until 10 b_dnd
check "watch --json on h1 reports $B dnd, 'in a meeting'" b_dnd
like "$(c h1 roster)" "*$B	dnd	yes	*in a meeting*" "chinwag roster on h1 shows it"

# --- bad input: clear errors, meaningful exits, the daemon unharmed ---------------------
c h1 send nobody@nowhere hi >/dev/null 2>"$OUT.err"
is "$?" 3 "an unknown peer exits 3"
like "$(cat "$OUT.err")" "*nobody@nowhere*" "... naming the peer on stderr"
c h1 send "$B" "" >/dev/null 2>"$OUT.err"
is "$?" 2 "an empty message exits 2"
like "$(cat "$OUT.err")" "chinwag: *empty*" "... saying it is empty"
head -c 1048576 /dev/zero | tr '\0' x | c h1 send "$B" >/dev/null 2>"$OUT.err"
is "$?" 2 "a 1 MiB message exits 2"
like "$(cat "$OUT.err")" "chinwag: *too long*" "... saying it is too long"
printf 'caf\351\n' | c h1 send "$B" >/dev/null 2>"$OUT.err"
is "$?" 2 "invalid UTF-8 on standard input exits 2"
like "$(cat "$OUT.err")" "chinwag: *UTF-8*" "... saying it is not UTF-8"
c h1 frobnicate >/dev/null 2>&1
is "$?" 2 "an unknown command exits 2"
c h1 status sleepy >/dev/null 2>&1
is "$?" 2 "an unknown status exits 2"
c h1 </dev/null >/dev/null 2>&1
is "$?" 2 "no command and no terminal exits 2"
raw() { # HEX-BODY: SendMessage to $B, hand-marshalled
	lab exec h1 python3 "$top_srcdir/tests/integration/dbus-raw.py" "$(rt h1)/chinwag/bus" \
		$IFACE /im/chinwag/Chinwag1 $IFACE SendMessage \
		"$(printf '%s' "$B" | od -An -tx1 | tr -d ' \n')" "$1"
}
is "$(raw 72617720686921)" reply "a raw D-Bus SendMessage with valid UTF-8 ('raw hi!') is answered"
raw=$(raw 6361669f)
case $raw in
reply) not_ok "a raw D-Bus call with invalid UTF-8 is refused" ;;
*) ok "a raw D-Bus call with invalid UTF-8 is refused ($raw)" ;;
esac
bad_types=$(dbus-send --bus="$(bus h1)" --print-reply --dest=$IFACE /im/chinwag/Chinwag1 \
	$IFACE.SendMessage int32:5 boolean:true 2>&1)
like "$bad_types" "*org.freedesktop.DBus.Error.InvalidArgs*" "wrong argument types are InvalidArgs"
is "$(daemon_pid h1)" "$pid1" "chinwagd on h1 is the same process after all that"
wait_until 5 json_has h2 '"body":"raw hi!"'
is "$(grep -c '"event":"message"' "$(lab_log h2 json)")" 2 "h2 received the raw message and none of the bad ones"

# --- the daemon goes away and comes back -------------------------------------------------
kill "$pid1"
wait_until 5 json_has h1 '{"event":"daemon","state":"gone"}'
check "watch on h1 reports the daemon gone" json_has h1 '{"event":"daemon","state":"gone"}'
like "$(c h1 info)" "*name	$A*" "the next chinwag command activates chinwagd again"
check "watch on h1 reports it running again" json_has h1 '{"event":"daemon","state":"running"}'
pid2=$(daemon_pid h2)
kill "$pid2"
wait_until 5 sh -c "! kill -0 $pid2 2>/dev/null"
c h1 send --wait --timeout 2 "$B" "are you there" >"$OUT.id" 2>"$OUT.err"
is "$?" 5 "send --wait to a peer that is gone times out with exit 5"
like "$(cat "$OUT.err")" "*stays queued*" "... saying the message stays queued"
qid=$(cat "$OUT.id")
c h2 info >/dev/null
queued_delivered() { c h1 history -n 1 "$B" | grep -q "^$qid	.*	out	delivered	are you there$"; }
wait_until 20 queued_delivered
check "once $B is back, the queued message is delivered" queued_delivered

done_testing

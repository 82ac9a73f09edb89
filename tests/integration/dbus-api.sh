#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# dbus-api.sh - the im.chinwag.Chinwag1 D-Bus API across two lab hosts, each
# chinwagd on a private session bus of its own: the roster, a message from
# SendMessage to "delivered" and its arrival as MessageReceived, presence,
# history, info, and bad input answered with named errors while the daemon
# keeps running.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require gdbus dbus-send
cw_require
test_timeout 60

lab_up 2

DEST=im.chinwag.Chinwag1
OBJ=/im/chinwag/Chinwag1
IFACE=im.chinwag.Chinwag1

# bus_start HOST: a private session bus (a unix socket in the host's dir) for HOST
bus_addr() { echo "unix:path=$LAB_STATE/hosts/$1/session.sock"; } # HOST
bus_start() {
	_bs_pid=$(dbus-daemon --session --fork --print-pid --address="$(bus_addr "$1")" </dev/null) ||
		return 1
	at_exit "kill $_bs_pid 2>/dev/null"
}
# cw_start_bus HOST NAME [OPTION...]: cw_start, with HOST's session bus in the environment
cw_start_bus() {
	_cb_h=$1 _cb_n=$2
	shift 2
	lab spawn "$_cb_h" cw env DBUS_SESSION_BUS_ADDRESS="$(bus_addr "$_cb_h")" "$CHINWAGD" \
		--name "$_cb_n" --state-dir "$(cw_state "$_cb_h")" --control "$(cw_sock "$_cb_h")" \
		"$@" >/dev/null || return 1
	wait_until 5 cw "$_cb_h" info
}
# call HOST METHOD [ARG...]: one method call; the reply (or error) on stdout
call() {
	_c_h=$1 _c_m=$2
	shift 2
	with_timeout 5 gdbus call --address "$(bus_addr "$_c_h")" --dest $DEST --object-path $OBJ \
		--method "$IFACE.$_c_m" "$@" 2>&1
}
# monitor HOST: signals go to $(lab_log HOST mon)
monitor() {
	lab spawn "$1" mon gdbus monitor --address "$(bus_addr "$1")" --dest $DEST >/dev/null
}
mon_has() { grep -Fq "$2" "$(lab_log "$1" mon)"; } # HOST FIXED-STRING
daemon_alive() { lab pid "$1" cw >/dev/null; }   # HOST

# Not inside check: its subshell would lose the at_exit that stops the bus.
for _h in h1 h2; do
	bus_start $_h
	is "$?" 0 "a private session bus on $_h"
done
check "alice@h1 starts on h1 with its session bus" cw_start_bus h1 alice@h1
check "bob@h2 starts on h2 with its session bus" cw_start_bus h2 bob@h2
check "alice@h1 owns $DEST" wait_until 5 call h1 GetInfo
check "bob@h2 owns $DEST" wait_until 5 call h2 GetInfo
monitor h1
monitor h2
sleep 0.3 # let the monitors subscribe

# --- roster and info ----------------------------------------------------------------
like "$(call h1 GetInfo)" "*'name': <'alice@h1'>*" "GetInfo on h1 names alice@h1"
roster_has_bob() { call h1 GetRoster | grep -Fq "('bob@h2', 'avail', '', true, ['$(lab addr h2):5298']"; }
wait_until 10 roster_has_bob
check "GetRoster on h1 lists bob@h2, available and reachable at its address" roster_has_bob
like "$(call h1 GetRoster)" "*('bob@h2', *, false)*" "GetRoster reports bob@h2 unverified"
case $(call h1 GetRoster) in *"'alice@h1'"*) not_ok "h1's roster leaves itself out" ;;
*) ok "h1's roster leaves itself out" ;; esac

# --- a message ------------------------------------------------------------------------
reply=$(call h1 SendMessage bob@h2 'hello bob')
id=$(printf '%s\n' "$reply" | sed -n 's/^(int64 \([0-9][0-9]*\),)$/\1/p')
if [ -n "$id" ] && [ "$id" -gt 0 ]; then
	ok "SendMessage returns the id of the message ($id)"
else
	not_ok "SendMessage returns the id of the message"
	diag "reply: '$reply'"
	id=0
fi
delivered="$IFACE.MessageStateChanged (int64 $id, 'bob@h2', 'delivered')"
wait_until 10 mon_has h1 "$delivered"
check "h1 signals MessageStateChanged: message $id delivered" mon_has h1 "$delivered"
check "h1 signalled it queued first" mon_has h1 "$IFACE.MessageStateChanged (int64 $id, 'bob@h2', 'queued')"
wait_until 5 grep -Fq "$IFACE.MessageReceived ('alice@h1', int64 " "$(lab_log h2 mon)"
like "$(grep -F "$IFACE.MessageReceived" "$(lab_log h2 mon)")" \
	"*MessageReceived ('alice@h1', int64 [0-9]*, 'hello bob')" "h2 signals MessageReceived from alice@h1"

# --- presence ---------------------------------------------------------------------------
is "$(call h2 SetPresence away 'at lunch')" "()" "SetPresence away 'at lunch' on h2"
is "$(call h2 GetPresence)" "('away', 'at lunch')" "GetPresence on h2 reads it back"
bob_away() { call h1 GetRoster | grep -Fq "('bob@h2', 'away', 'at lunch', true,"; }
wait_until 10 bob_away
check "GetRoster on h1 shows bob@h2 away, 'at lunch'" bob_away
check "h1 signals PresenceChanged for bob@h2" \
	mon_has h1 "$IFACE.PresenceChanged ('bob@h2', 'away', 'at lunch', true)"
check "h1 signals RosterChanged (changed) for bob@h2" \
	mon_has h1 "$IFACE.RosterChanged ('bob@h2', 'changed')"

# --- history ----------------------------------------------------------------------------
like "$(call h1 GetHistory bob@h2 0 10)" "*(int64 $id, 'out', 'delivered', 'hello bob', int64 [0-9]*)*" \
	"GetHistory on h1 holds the delivered message"
like "$(call h2 GetHistory alice@h1 0 10)" "*'in', 'received', 'hello bob'*" \
	"GetHistory on h2 holds the received message"
is "$(call h1 GetHistory bob@h2 "$id" 10)" "(@a(xsssx) [],)" "GetHistory before the first id is empty"

# --- bad input --------------------------------------------------------------------------
like "$(call h1 SendMessage nobody@nowhere hi)" \
	"*GDBus.Error:$IFACE.Error.UnknownPeer: *nobody@nowhere*" "an unknown peer is $IFACE.Error.UnknownPeer"
like "$(call h1 SendMessage bob@h2 '')" "*GDBus.Error:$IFACE.Error.InvalidArgument: ?*" \
	"an empty message is $IFACE.Error.InvalidArgument"
like "$(call h1 SendMessage '' hi)" "*GDBus.Error:$IFACE.Error.InvalidArgument: ?*" \
	"an empty peer is $IFACE.Error.InvalidArgument"
like "$(call h1 SetPresence busy '')" "*GDBus.Error:$IFACE.Error.InvalidArgument: ?*" \
	"an unknown status is $IFACE.Error.InvalidArgument"
bad_types=$(with_timeout 5 dbus-send --bus="$(bus_addr h1)" --print-reply --dest=$DEST $OBJ \
	"$IFACE.SendMessage" int32:5 string:hi 2>&1)
like "$bad_types" "*org.freedesktop.DBus.Error.InvalidArgs*" \
	"wrong argument types are org.freedesktop.DBus.Error.InvalidArgs"
check "alice@h1 still runs" daemon_alive h1
like "$(call h1 GetInfo)" "*'name': <'alice@h1'>*" "alice@h1 still answers on D-Bus"
is "$(info_field h1 name)" alice@h1 "alice@h1 still answers on its control socket"

# --- a second chinwagd on the same bus, and --no-dbus ----------------------------------
# extra HOST TAG NAME PORT [OPTION...]: another chinwagd with HOST's session bus
extra() {
	_e_h=$1 _e_t=$2 _e_n=$3 _e_p=$4
	shift 4
	lab spawn "$_e_h" "$_e_t" env DBUS_SESSION_BUS_ADDRESS="$(bus_addr "$_e_h")" "$CHINWAGD" \
		--name "$_e_n" --port "$_e_p" --state-dir "$LAB_STATE/hosts/$_e_h/$_e_t-state" \
		--control "$LAB_STATE/hosts/$_e_h/$_e_t.sock" "$@" >/dev/null &&
		wait_until 5 with_timeout 5 "$CHINWAGD" --control "$LAB_STATE/hosts/$_e_h/$_e_t.sock" --command info
}
check "carol@h1 starts on h1's bus, whose name alice@h1 owns" extra h1 cw2 carol@h1 5300
wait_until 3 grep -q 'going on without D-Bus' "$(lab_log h1 cw2)"
check "carol@h1 logs that the name is taken and goes on" grep -q 'going on without D-Bus' "$(lab_log h1 cw2)"
like "$(call h1 GetInfo)" "*'name': <'alice@h1'>*" "alice@h1 keeps the name"
check "dave@h1 starts with --no-dbus" extra h1 cw3 dave@h1 5301 --no-dbus
is "$(grep -c 'D-Bus' "$(lab_log h1 cw3)")" 0 "dave@h1 does not touch the session bus"
check "carol@h1 exits on SIGTERM" lab stop h1 cw2
check "dave@h1 exits on SIGTERM" lab stop h1 cw3

# --- health -----------------------------------------------------------------------------
is "$(grep -h -E 'CRITICAL|WARNING' "$(lab_log h1 cw)" "$(lab_log h2 cw)" "$(lab_log h1 cw2)" \
	"$(lab_log h1 cw3)")" "" \
	"no warnings or criticals in the chinwagd logs"

done_testing

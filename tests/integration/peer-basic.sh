#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# peer-basic.sh - three chinwagd peers (alice@h1, bob@h2, carol@h3), each with
# its host's real avahi-daemon: every peer sees the other two at their lab
# addresses and not itself, messages flow both ways and reach "delivered", a
# status change reaches the others, and a peer that exits disappears from the
# others' rosters within 3 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require
cw_require
test_timeout 60

lab_up 3
H1=$(lab addr h1) H2=$(lab addr h2) H3=$(lab addr h3)

# --- start: alice and bob first (with watchers), then carol ---------------------------
check "alice@h1 starts on h1" cw_start h1 alice@h1
cw_watch h1
check "bob@h2 starts on h2" cw_start h2 bob@h2
cw_watch h2
t0=$(now_ms)
check "carol@h3 starts on h3" cw_start h3 carol@h3
is "$(info_field h1 name) $(info_field h2 name) $(info_field h3 name)" \
	"alice@h1 bob@h2 carol@h3" "info on each host names its own peer"

# --- discovery ------------------------------------------------------------------------
want1="bob@h2${TAB}avail${TAB}reachable${TAB}$H2:5298
carol@h3${TAB}avail${TAB}reachable${TAB}$H3:5298"
want2="alice@h1${TAB}avail${TAB}reachable${TAB}$H1:5298
carol@h3${TAB}avail${TAB}reachable${TAB}$H3:5298"
want3="alice@h1${TAB}avail${TAB}reachable${TAB}$H1:5298
bob@h2${TAB}avail${TAB}reachable${TAB}$H2:5298"
wait_until 10 roster_is h1 "$want1"
is "$(roster4 h1)" "$want1" "h1 lists bob@h2 and carol@h3 at their addresses, not itself ($(($(now_ms) - t0)) ms)"
wait_until 10 roster_is h2 "$want2"
is "$(roster4 h2)" "$want2" "h2 lists alice@h1 and carol@h3 at their addresses, not itself"
wait_until 10 roster_is h3 "$want3"
is "$(roster4 h3)" "$want3" "h3 lists alice@h1 and bob@h2 at their addresses, not itself"
# carol came up after the watchers: this also shows they are subscribed
check "h1's watch reports carol@h3 arriving" \
	watch_has h1 watch "^peer${TAB}carol@h3${TAB}avail${TAB}reachable${TAB}\$"
check "h2's watch reports carol@h3 arriving" \
	watch_has h2 watch "^peer${TAB}carol@h3${TAB}avail${TAB}reachable${TAB}\$"

# --- messages ---------------------------------------------------------------------------
# send_and_check FROM_HOST FROM TO_HOST TO BODY: one message, its states and its arrival
send_and_check() {
	_sc_t0=$(now_ms)
	if _sc_id=$(cw "$1" "send $4 $5" 2>&1) && [ -n "$_sc_id" ] && [ "$_sc_id" -gt 0 ] 2>/dev/null; then
		ok "$2 sends '$5' to $4: accepted as message $_sc_id"
	else
		not_ok "$2 sends '$5' to $4: accepted"
		diag "answer: '$_sc_id'"
		return
	fi
	wait_until 10 watch_has "$1" watch "^state${TAB}$_sc_id${TAB}(delivered|failed)${TAB}"
	_sc_ms=$(($(now_ms) - _sc_t0))
	# "sent" may be skipped: when the receipt is read before the write is
	# reported done, the message goes from queued straight to delivered
	_sc_states=$(grep "^state${TAB}$_sc_id${TAB}" "$(lab_log "$1" watch)" | cut -f3,4 | tr "\n" " ")
	case $_sc_states in
	"queued${TAB}$4 sent${TAB}$4 delivered${TAB}$4 " | "queued${TAB}$4 delivered${TAB}$4 ")
		ok "$1's watch shows message $_sc_id queued, then delivered ($_sc_ms ms)"
		;;
	*)
		not_ok "$1's watch shows message $_sc_id queued, then delivered"
		diag "states: '$_sc_states'"
		;;
	esac
	wait_until 5 watch_has "$3" watch "^message${TAB}$2${TAB}[0-9]+${TAB}$5\$"
	check "$3's watch shows '$5' from $2" \
		watch_has "$3" watch "^message${TAB}$2${TAB}[0-9]+${TAB}$5\$"
}
send_and_check h1 alice@h1 h2 bob@h2 "hello bob"
send_and_check h2 bob@h2 h1 alice@h1 "hi alice, bob here"
is "$(cw h1 'history bob@h2' | cut -f2-4)" \
	"out${TAB}delivered${TAB}hello bob
in${TAB}received${TAB}hi alice, bob here" "h1's history with bob@h2 holds both messages, in order"
is "$(cw h2 'history alice@h1' | cut -f2-4)" \
	"in${TAB}received${TAB}hello bob
out${TAB}delivered${TAB}hi alice, bob here" "h2's history with alice@h1 holds both messages, in order"
is "$(cw h3 'history alice@h1'; cw h3 'history bob@h2')" "" "h3 took no part in it: no history"

# --- presence ---------------------------------------------------------------------------
t0=$(now_ms)
check "bob@h2 sets 'away at lunch'" cw h2 'status away at lunch'
is "$(info_field h2 status)" away "info on h2 shows status away"
bob_away="away${TAB}reachable${TAB}at lunch"
bob_line() { roster_line "$1" bob@h2 | cut -f2,3,6; }
wait_until 10 eval '[ "$(bob_line h1)" = "$bob_away" ]'
is "$(bob_line h1)" "$bob_away" "h1's roster shows bob@h2 away, 'at lunch' ($(($(now_ms) - t0)) ms)"
wait_until 10 eval '[ "$(bob_line h3)" = "$bob_away" ]'
is "$(bob_line h3)" "$bob_away" "h3's roster shows bob@h2 away, 'at lunch'"
check "h1's watch reports bob@h2's new presence" \
	watch_has h1 watch "^peer${TAB}bob@h2${TAB}away${TAB}reachable${TAB}at lunch\$"

# --- a peer exits -----------------------------------------------------------------------
t0=$(now_ms)
cw_stop h3 &
stopper=$!
gone1='' gone2=''
while [ -z "$gone1" ] || [ -z "$gone2" ]; do
	[ -n "$gone1" ] || ! roster_lacks h1 carol@h3 || gone1=$(($(now_ms) - t0))
	[ -n "$gone2" ] || ! roster_lacks h2 carol@h3 || gone2=$(($(now_ms) - t0))
	[ $(($(now_ms) - t0)) -lt 8000 ] || break
	sleep 0.05
done
wait $stopper
stopped=$?
is "$stopped" 0 "carol@h3's chinwagd exits on SIGTERM"
if [ -n "$gone1" ] && [ "$gone1" -le 3000 ]; then
	ok "carol@h3 is gone from h1's roster ${gone1} ms after SIGTERM"
else
	not_ok "carol@h3 is gone from h1's roster within 3 s of SIGTERM"
	diag "after $(($(now_ms) - t0)) ms: ${gone1:-still listed}"
fi
if [ -n "$gone2" ] && [ "$gone2" -le 3000 ]; then
	ok "carol@h3 is gone from h2's roster ${gone2} ms after SIGTERM"
else
	not_ok "carol@h3 is gone from h2's roster within 3 s of SIGTERM"
	diag "after $(($(now_ms) - t0)) ms: ${gone2:-still listed}"
fi
check "h1's watch reports carol@h3 removed" watch_has h1 watch "^peer-removed${TAB}carol@h3\$"
is "$(roster4 h1 | cut -f1)" "bob@h2" "h1's roster now holds only bob@h2"
is "$(roster4 h2 | cut -f1)" "alice@h1" "h2's roster now holds only alice@h1"

# --- health -----------------------------------------------------------------------------
is "$(grep -h -E 'CRITICAL|WARNING' "$(lab_log h1 cw)" "$(lab_log h2 cw)" "$(lab_log h3 cw)")" "" \
	"no warnings or criticals in the chinwagd logs"

done_testing

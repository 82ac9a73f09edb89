#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# peer-failures.sh - chinwagd peers when things go wrong, with real avahi-daemons:
#  - a peer dies with its avahi-daemon (kill -9 both: no goodbye): a send to it
#    marks it unreachable and the message stays queued;
#  - a host's avahi-daemon crashes and restarts: its chinwagd is published again;
#  - two hosts run the same name: one of them is renamed (alice-1@h1).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require
cw_require
test_timeout 90

lab_up 3
H1=$(lab addr h1) H2=$(lab addr h2) H3=$(lab addr h3)

cw_start h1 alice@h1 || bail_out "alice@h1 does not start"
cw_watch h1
cw_start h2 bob@h2 || bail_out "bob@h2 does not start"
cw_start h3 carol@h3 || bail_out "carol@h3 does not start"
want1="bob@h2${TAB}avail${TAB}reachable${TAB}$H2:5298
carol@h3${TAB}avail${TAB}reachable${TAB}$H3:5298"
wait_until 10 roster_is h1 "$want1"
is "$(roster4 h1)" "$want1" "h1 sees bob@h2 and carol@h3"

# --- carol@h3 dies without a goodbye ----------------------------------------------------
# avahi first: killed after it, chinwagd could not leave; killed before it,
# avahi would withdraw the service when chinwagd's D-Bus connection drops
lab kill-avahi h3 KILL
cw_stop h3 KILL
sleep 1.5 # a goodbye would be through by now
is "$(roster_line h1 carol@h3 | cut -f1-4)" "carol@h3${TAB}avail${TAB}reachable${TAB}$H3:5298" \
	"h1 still lists carol@h3 after kill -9 of her chinwagd and avahi-daemon (no goodbye)"
reach_log=$(lab_log h1 cw)
tries0=$(grep -c "cannot reach 'carol@h3'" "$reach_log")
t0=$(now_ms)
if id=$(cw h1 'send carol@h3 are you there' 2>&1) && [ -n "$id" ]; then
	ok "h1 accepts a message for carol@h3 (id $id)"
else
	not_ok "h1 accepts a message for carol@h3"
	diag "$id"
	id=none
fi
wait_until 5 roster_field_is h1 carol@h3 3 unreachable
is "$(roster_line h1 carol@h3 | cut -f3)" unreachable \
	"h1's roster shows carol@h3 unreachable after the send ($(($(now_ms) - t0)) ms)"
flips=''
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.2
	r=$(roster_line h1 carol@h3 | cut -f3)
	[ "$r" = unreachable ] || flips="$flips ${r:-missing}"
done
is "$flips" "" "carol@h3 stays unreachable on h1 (10 looks over 2 s)"
tries=$(($(grep -c "cannot reach 'carol@h3'" "$reach_log") - tries0))
if [ "$tries" -le 3 ]; then
	ok "h1 tried to reach carol@h3 $tries time(s) in $(($(now_ms) - t0)) ms (no busy loop)"
else
	not_ok "h1 tries to reach carol@h3 at most 3 times in $(($(now_ms) - t0)) ms (no busy loop)"
	diag "$tries connection attempts"
fi
is "$(cw h1 'history carol@h3')" "$id${TAB}out${TAB}queued${TAB}are you there" \
	"the message stays queued in h1's history"
is "$(grep "^state${TAB}$id${TAB}" "$(lab_log h1 watch)" | cut -f3 | tr '\n' ' ')" "queued " \
	"h1's watch shows the message queued, and nothing else"

# --- h2's avahi-daemon crashes and comes back -----------------------------------------
lab kill-avahi h2 KILL
wait_until 5 eval '[ "$(info_field h2 discovery)" = "avahi-daemon reconnecting" ]'
is "$(info_field h2 discovery)" "avahi-daemon reconnecting" \
	"info on h2 shows discovery waiting for avahi-daemon"
wait_until 5 roster_is h2 ""
is "$(roster4 h2)" "" "h2's roster is empty while its avahi-daemon is down"
lab flush h1 # h1's avahi forgets bob@h2: only a new announcement brings him back
wait_until 5 roster_lacks h1 bob@h2
check "h1 no longer lists bob@h2 after its avahi cache was flushed" roster_lacks h1 bob@h2
t0=$(now_ms)
lab start-avahi h2 || bail_out "avahi-daemon on h2 does not restart"
wait_until 10 eval '[ "$(info_field h2 discovery)" = "avahi-daemon running" ]'
is "$(info_field h2 discovery)" "avahi-daemon running" \
	"info on h2 shows discovery running again ($(($(now_ms) - t0)) ms after the restart)"
wait_until 10 roster_field_is h1 bob@h2 4 "$H2:5298"
is "$(roster_line h1 bob@h2 | cut -f1-4)" "bob@h2${TAB}avail${TAB}reachable${TAB}$H2:5298" \
	"h1 sees bob@h2 again ($(($(now_ms) - t0)) ms after the restart)"
wait_until 10 roster_field_is h2 alice@h1 4 "$H1:5298"
is "$(roster_line h2 alice@h1 | cut -f1-4)" "alice@h1${TAB}avail${TAB}reachable${TAB}$H1:5298" \
	"h2 sees alice@h1 again"
t0=$(now_ms)
if id=$(cw h1 'send bob@h2 welcome back' 2>&1) && [ -n "$id" ]; then
	wait_until 10 watch_has h1 watch "^state${TAB}$id${TAB}delivered${TAB}"
	check "alice@h1's message to bob@h2 is delivered after the restart ($(($(now_ms) - t0)) ms)" \
		watch_has h1 watch "^state${TAB}$id${TAB}delivered${TAB}"
else
	not_ok "alice@h1's message to bob@h2 is delivered after the restart"
	diag "send refused: '$id'"
fi

# --- the same name on two hosts ------------------------------------------------------
# a fresh bob@h2 (whatever the restart above left) is the third host looking on
cw_stop h2
check "bob@h2 restarts" cw_start h2 bob@h2
lab start-avahi h3 || bail_out "avahi-daemon on h3 does not restart"
rm -rf "$(cw_state h3)"
wait_until 10 roster_has h2 alice@h1
sleep 2 # alice@h1 has been on the link for a while when the second one comes
t0=$(now_ms)
check "a second alice@h1 starts on h3" cw_start h3 alice@h1
renamed() { [ "$(info_field h3 name)" = alice-1@h1 ] || [ "$(info_field h1 name)" = alice-1@h1 ]; }
wait_until 10 renamed
sleep 1 # a second rename would show now
n1=$(info_field h1 name) n3=$(info_field h3 name)
# K keeps the name, R is renamed; which one it is is checked just below, the
# rest holds whichever it is
case "$n1 $n3" in
"alice-1@h1 alice@h1") K=h3 R=h1 ;;
*) K=h1 R=h3 ;;
esac
HK=$(lab addr $K) HR=$(lab addr $R)
case "$n1 $n3" in
"alice@h1 alice-1@h1" | "alice-1@h1 alice@h1")
	ok "the two get distinct names, one of them alice-1@h1 ($(($(now_ms) - t0)) ms)"
	;;
*)
	not_ok "the two get distinct names, one of them alice-1@h1"
	diag "h1: '$n1', h3: '$n3'"
	;;
esac
is "$n1 $n3" "alice@h1 alice-1@h1" "the newcomer on h3 is renamed alice-1@h1, h1 keeps alice@h1"
want2="alice-1@h1${TAB}avail${TAB}reachable${TAB}$HR:5298
alice@h1${TAB}avail${TAB}reachable${TAB}$HK:5298"
wait_until 5 roster_is h2 "$want2"
is "$(roster4 h2)" "$want2" "h2 lists alice@h1 on $K and alice-1@h1 on $R"
wait_until 5 roster_field_is $K alice-1@h1 4 "$HR:5298"
is "$(roster4 $K | grep '^alice')" "alice-1@h1${TAB}avail${TAB}reachable${TAB}$HR:5298" \
	"$K lists alice-1@h1 on $R, and not itself"
wait_until 5 roster_field_is $R alice@h1 4 "$HK:5298"
is "$(roster4 $R | grep '^alice')" "alice@h1${TAB}avail${TAB}reachable${TAB}$HK:5298" \
	"$R lists alice@h1 on $K, and not itself"
# each name reaches its own host
for to in alice@h1 alice-1@h1; do
	if id=$(cw h2 "send $to for $to" 2>&1); then
		wait_until 10 eval '[ "$(out_state h2 $to "for $to")" = delivered ]'
		is "$(out_state h2 $to "for $to")" delivered \
			"bob@h2's message to $to is delivered"
	else
		not_ok "bob@h2's message to $to is delivered"
		diag "send refused: $id"
	fi
done
is "$(cw $K 'history bob@h2' | grep "${TAB}in${TAB}" | cut -f2-4)" "in${TAB}received${TAB}for alice@h1" \
	"$K got the message for alice@h1, and only that one"
is "$(cw $R 'history bob@h2' | grep "${TAB}in${TAB}" | cut -f2-4)" "in${TAB}received${TAB}for alice-1@h1" \
	"$R got the message for alice-1@h1, and only that one"

done_testing

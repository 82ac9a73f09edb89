#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# peer-queue.sh - chinwagd's outgoing queue with real avahi-daemons: a message
# to a peer that has left stays queued and is delivered when it comes back,
# also when the sender restarts in between; a cable pulled during a burst of
# 50 messages loses none and duplicates none.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require
cw_require
test_timeout 100

lab_up 3

cw_start h1 alice@h1 || bail_out "alice@h1 does not start"
cw_watch h1
cw_start h2 bob@h2 || bail_out "bob@h2 does not start"
cw_start h3 carol@h3 || bail_out "carol@h3 does not start"
wait_until 10 eval 'roster_has h1 bob@h2 && roster_has h1 carol@h3'
is "$(roster4 h1 | cut -f1,3 | tr '\n' ' ')" "bob@h2${TAB}reachable carol@h3${TAB}reachable " \
	"h1 sees bob@h2 and carol@h3"

# leave HOST PEER: PEER (on HOST) exits and is gone from h1's roster
leave() {
	cw_stop "$1" && wait_until 5 roster_lacks h1 "$2"
}

# --- a peer seen before, never talked to --------------------------------------------
check "carol@h3 exits and leaves h1's roster" leave h3 carol@h3
if out=$(cw h1 'send carol@h3 saw you earlier' 2>&1); then
	ok "h1 accepts a message for carol@h3, who has left (it saw her before)"
	check "carol@h3 comes back" cw_start h3 carol@h3
	wait_until 10 eval '[ "$(out_state h1 carol@h3 "saw you earlier")" = delivered ]'
	is "$(out_state h1 carol@h3 'saw you earlier')" delivered "it is delivered when she comes back"
else
	not_ok "h1 accepts a message for carol@h3, who has left (it saw her before)"
	diag "$out"
	skip "carol@h3 comes back" "nothing to deliver"
	skip "it is delivered when she comes back" "nothing to deliver"
fi

# --- bob@h2 leaves and comes back ---------------------------------------------------------
t0=$(now_ms)
id=$(cw h1 'send bob@h2 hi bob')
wait_until 10 eval '[ "$(out_state h1 bob@h2 "hi bob")" = delivered ]'
is "$(out_state h1 bob@h2 'hi bob')" delivered "alice@h1 and bob@h2 talk ($(($(now_ms) - t0)) ms)"
check "bob@h2 exits and leaves h1's roster" leave h2 bob@h2
if id=$(cw h1 'send bob@h2 while you were out' 2>&1); then
	ok "h1 accepts a message for bob@h2, who has left"
else
	not_ok "h1 accepts a message for bob@h2, who has left"
	diag "$id"
fi
sleep 1
is "$(out_state h1 bob@h2 'while you were out')" queued "it stays queued while bob@h2 is away"
t0=$(now_ms)
check "bob@h2 comes back" cw_start h2 bob@h2
wait_until 10 eval '[ "$(out_state h1 bob@h2 "while you were out")" = delivered ]'
is "$(out_state h1 bob@h2 'while you were out')" delivered \
	"it is delivered when bob@h2 is back ($(($(now_ms) - t0)) ms)"
is "$(in_count h2 alice@h1 'while you were out')" 1 "bob@h2 has it once"
states=$(grep "^state${TAB}$id${TAB}" "$(lab_log h1 watch)" | cut -f3 | tr "\n" " ")
case $states in
"queued sent delivered " | "queued delivered ") ok "h1's watch shows it queued, then delivered" ;;
*)
	not_ok "h1's watch shows it queued, then delivered"
	diag "states: '$states'"
	;;
esac

# --- the sender restarts while a message waits ------------------------------------------
check "bob@h2 exits again" leave h2 bob@h2
check "h1 accepts a message for bob@h2" cw h1 'send bob@h2 across a restart'
check "alice@h1 stops" cw_stop h1
check "alice@h1 starts again with the same state" cw_start h1 alice@h1
cw_watch h1 watch2
is "$(out_state h1 bob@h2 'across a restart')" queued "the message is still queued after the restart"
t0=$(now_ms)
check "bob@h2 comes back" cw_start h2 bob@h2
wait_until 10 eval '[ "$(out_state h1 bob@h2 "across a restart")" = delivered ]'
is "$(out_state h1 bob@h2 'across a restart')" delivered \
	"the restarted alice@h1 delivers it ($(($(now_ms) - t0)) ms)"
is "$(in_count h2 alice@h1 'across a restart')" 1 "bob@h2 has it once"

# --- a cable pulled during a burst --------------------------------------------------------
ids=$LAB_STATE/burst.ids
: >"$ids"
(
	i=1
	while [ $i -le 50 ]; do
		cw h1 "send bob@h2 burst $i" >>"$ids" 2>&1
		i=$((i + 1))
		sleep 0.02
	done
) &
sender=$!
wait_until 10 eval '[ "$(wc -l <"$ids")" -ge 10 ]'
lab link h2 down
down_at=$(wc -l <"$ids")
wait $sender
is "$(grep -c '^[0-9][0-9]*$' "$ids")" 50 "h1 accepts all 50 messages of the burst (cable pulled after $down_at)"
grep -v '^[0-9][0-9]*$' "$ids" | head -n 5 | while IFS= read -r l; do diag "$l"; done
# down for 6-7 s in all: longer than the 5 s a connect may take, so streams
# and connection attempts fail and the queue has to retry
sleep 5
lab link h2 up
t0=$(now_ms)
# burst_state: how many burst messages h1 has in each state ("50 delivered" when done)
burst_state() {
	cw h1 'history bob@h2' | awk -F'\t' '$2 == "out" && $4 ~ /^burst / { print $3 }' |
		sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }'
}
wait_until 40 eval '[ "$(burst_state)" = "50 delivered" ]'
is "$(burst_state)" "50 delivered" "all 50 are delivered after the cable is back ($(($(now_ms) - t0)) ms)"
got=$(cw h2 'history alice@h1' | awk -F'\t' '$2 == "in" && $4 ~ /^burst / { print $4 }' | sort)
want=$(i=1 && while [ $i -le 50 ]; do echo "burst $i" && i=$((i + 1)); done | sort)
is "$(echo "$got" | wc -l) $(echo "$got" | uniq -d | tr '\n' ',')" "50 " \
	"bob@h2 received 50 burst messages, no duplicates"
is "$got" "$want" "bob@h2 received each of burst 1..50"

# --- nothing came twice -------------------------------------------------------------------
is "$(cw h2 'history alice@h1' | awk -F'\t' '$2 == "in" { print $4 }' | sort | uniq -d)" "" \
	"bob@h2's history holds every message from alice@h1 once"
is "$(cw h3 'history alice@h1' | awk -F'\t' '$2 == "in" { print $4 }' | sort | uniq -d)" "" \
	"carol@h3's history holds every message from alice@h1 once"

done_testing

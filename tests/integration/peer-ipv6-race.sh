#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# peer-ipv6-race.sh - with IPv6 on in the lab: peers are resolved on IPv4 and
# IPv6 and merged into one roster entry, the fe80:: address keeping its scope;
# names with spaces, UTF-8 and Avahi's "#2" are listed as they are;
# and when both peers send to each other at the same moment (each opening a
# stream), both messages arrive once and the pair ends up with one stream.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require
cw_require
test_timeout 60

LAB_IPV6=1
export LAB_IPV6
lab_up 2
H1=$(lab addr h1) H2=$(lab addr h2)

check "alice@h1 starts on h1" cw_start h1 alice@h1 --idle-timeout 2
cw_watch h1
check "bob@h2 starts on h2" cw_start h2 bob@h2 --idle-timeout 2
cw_watch h2

# --- IPv4 and IPv6 resolved, merged in one entry --------------------------------------
has_both() { # HOST PEER IPV4: one line for PEER with IPV4 and a scoped fe80:: address
	_hb=$(roster_line "$1" "$2" | cut -f4)
	case $_hb in *"$3:5298"*"[fe80::"*%*"]:5298"*) return 0 ;; esac
	return 1
}
wait_until 10 has_both h1 bob@h2 "$H2"
check "h1 lists bob@h2 once, at $H2 and at a scoped fe80:: address" has_both h1 bob@h2 "$H2"
diag "h1's roster: $(cw h1 roster | cut -f1,4)"
wait_until 10 has_both h2 alice@h1 "$H1"
check "h2 lists alice@h1 once, at $H1 and at a scoped fe80:: address" has_both h2 alice@h1 "$H1"
is "$(cw h1 roster | grep -c "^bob@h2$TAB")" 1 "bob@h2 is one roster entry on h1, not one per address"

# --- names other software picks: spaces, UTF-8, "(2)", "#2" -----------------------------
odd='Zoë Smith (2)@h2 #2'
lab spawn h2 odd avahi-publish -s "$odd" _presence._tcp 5999 txtvers=1 "nick=Zoë" >/dev/null
wait_until 10 roster_has h1 "$odd"
check "h1 lists a peer named '$odd'" roster_has h1 "$odd"
is "$(roster_line h1 "$odd" | cut -f5)" "Zoë" "its nick comes through as UTF-8"
lab stop h2 odd >/dev/null
wait_until 5 roster_lacks h1 "$odd"
check "and drops it when it leaves" roster_lacks h1 "$odd"

# --- both sides connect at the same moment ----------------------------------------------
# established TCP connections on the XEP-0174 port, seen from h1
streams() { lab exec h1 ss -Htn state established "( sport = :5298 or dport = :5298 )" | wc -l; }
streams_are() { [ "$(streams)" -eq "$1" ]; }
wait_until 10 streams_are 0
for round in 1 2 3; do
	is "$(streams)" 0 "round $round: no stream between h1 and h2 before the race"
	cw h1 "send bob@h2 race $round from alice" >/dev/null &
	p1=$!
	cw h2 "send alice@h1 race $round from bob" >/dev/null &
	p2=$!
	wait $p1 $p2 # not a bare wait: the watchdog is a child too
	mine="^message${TAB}alice@h1${TAB}[0-9]+${TAB}race $round from alice\$"
	theirs="^message${TAB}bob@h2${TAB}[0-9]+${TAB}race $round from bob\$"
	wait_until 10 watch_has h2 watch "$mine"
	wait_until 10 watch_has h1 watch "$theirs"
	is "$(watch_count h2 watch "$mine")" 1 "round $round: bob got alice's message exactly once"
	is "$(watch_count h1 watch "$theirs")" 1 "round $round: alice got bob's message exactly once"
	# the losing stream is closed with </stream:stream>: one is left
	wait_until 3 streams_are 1
	is "$(streams)" 1 "round $round: one stream left between h1 and h2"
	# both ends close it after 2 s idle, so the next round races again
	wait_until 10 streams_are 0
done

done_testing

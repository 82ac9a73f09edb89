#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# lab-smoke.sh - proves the test lab works: three simulated hosts discover
# each other's _presence._tcp services, a duplicate name is renamed, a
# withdrawn service disappears, a SIGKILLed avahi-daemon comes back healthy,
# and `lab down` leaves nothing behind.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require
test_timeout 90

field() { echo "$1" | cut -d';' -f"$2"; } # of an avahi-browse -p line
# "=" line -> "ADDRESS PORT" + the TXT items we look for, in a fixed order
summary() {
	_s="$(field "$1" 8) $(field "$1" 9)"
	for _i in txtvers=1 port.p2pj=5298 status=avail; do
		case $(field "$1" 10) in *"\"$_i\""*) _s="$_s $_i" ;; esac
	done
	echo "$_s"
}
publish() { # HOST TAG NAME: an XEP-0174 presence service like chinwagd's
	lab spawn "$1" "$2" avahi-publish -s "$3" _presence._tcp 5298 \
		txtvers=1 port.p2pj=5298 status=avail >/dev/null
}

t0=$(now_ms)
lab_up 3
check "a lab of 3 hosts is up ($(($(now_ms) - t0)) ms)" lab status
H1=$(lab addr h1) H2=$(lab addr h2)

names=$(for h in h1 h2 h3; do lab exec $h hostname; done | tr '\n' ' ')
is "$names" "h1 h2 h3 " "each host runs commands under its own hostname"

links=$(lab exec h2 ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')
addr=$(lab exec h2 ip -o -4 addr show dev eth0 | awk '{ print $4 }')
routes=$(lab exec h2 ip route show default)
is "$links| $addr | $routes" "eth0 lo | $H2/24 | " "h2 has only lo and eth0 ($H2/24), no default route"

# --- discovery -------------------------------------------------------------------
t0=$(now_ms)
publish h1 alice 'alice@h1'
line=$(lab wait-service h2 'alice@h1' 10)
is "$(field "$line" 8) $(field "$line" 9)" "$H1 5298" \
	"h2 resolves alice@h1 to h1's address and port ($(($(now_ms) - t0)) ms)"
is "$(summary "$line")" "$H1 5298 txtvers=1 port.p2pj=5298 status=avail" \
	"h2 gets alice@h1's TXT record"
line=$(lab wait-service h3 'alice@h1' 10)
is "$(summary "$line")" "$H1 5298 txtvers=1 port.p2pj=5298 status=avail" \
	"h3 resolves alice@h1 with its TXT record"

# --- the same name from a second host: Avahi renames it ------------------------------
publish h2 dup 'alice@h1'
if wait_until 10 grep -q "Established under name 'alice@h1 #2'" "$(lab_log h2 dup)"; then
	ok "a second alice@h1 (on h2) is renamed to 'alice@h1 #2'"
else
	not_ok "a second alice@h1 (on h2) is renamed to 'alice@h1 #2'"
	diag "publisher log:" "$(cat "$(lab_log h2 dup)")"
fi
first=$(lab wait-service h3 'alice@h1' 5)
second=$(lab wait-service h3 'alice@h1 #2' 10)
is "$(field "$first" 8) / $(field "$second" 8)" "$H1 / $H2" \
	"h3 sees both: alice@h1 on h1 and 'alice@h1 #2' on h2"

# --- withdrawal: the publisher's goodbye reaches h2 -----------------------------------
# (~1.0-1.4 s: avahi keeps a goodbye'd record for 1 s; on a 2-core machine
# busy with other labs and CPU hogs it took up to 2.7 s)
t0=$(now_ms)
lab stop h1 alice &
stopper=$!
lab wait-gone h2 'alice@h1' 5
rc=$? elapsed=$(($(now_ms) - t0))
wait $stopper
if [ $rc = 0 ] && [ $elapsed -le 4000 ]; then
	ok "alice@h1 is gone on h2 ${elapsed} ms after its publisher was stopped"
else
	not_ok "alice@h1 is gone on h2 within 4 s after its publisher was stopped"
	diag "wait-gone rc $rc after $elapsed ms"
fi

# --- a crashed avahi-daemon, restarted --------------------------------------------------
lab kill-avahi h1 KILL
if ! lab pid h1 avahi >/dev/null && ! lab status >/dev/null; then
	ok "h1's avahi-daemon is gone after SIGKILL (status reports it)"
else
	not_ok "h1's avahi-daemon is gone after SIGKILL (status reports it)"
fi
t0=$(now_ms)
if lab start-avahi h1; then
	check "h1's avahi-daemon restarts ($(($(now_ms) - t0)) ms)" lab status
else
	not_ok "h1's avahi-daemon restarts"
fi
publish h1 bob 'bob@h1'
line=$(lab wait-service h3 'bob@h1' 10)
is "$(summary "$line")" "$H1 5298 txtvers=1 port.p2pj=5298 status=avail" \
	"the restarted h1 publishes again: h3 resolves bob@h1"
line=$(lab wait-service h1 'alice@h1 #2' 10)
is "$(field "$line" 8)" "$H2" "the restarted h1 resolves h2's 'alice@h1 #2'"

# --- teardown ---------------------------------------------------------------------------
prefix=$(sed -n 's/^PREFIX=//p' "$LAB_STATE/lab.conf")
procs=$(lab pids)
state=$LAB_STATE
t0=$(now_ms)
lab_down
elapsed=$(($(now_ms) - t0))
left=''
ip netns list | grep -q "^$prefix-" && left="$left namespaces"
ls -d /etc/netns/"$prefix"-* >/dev/null 2>&1 && left="$left /etc/netns"
[ -e "$state" ] && left="$left $state"
n=0
while read -r pid start; do
	[ -n "$pid" ] || continue
	n=$((n + 1))
	proc_alive "$pid" "$start" && left="$left pid:$pid"
done <<EOF
$procs
EOF
is "$left" "" "lab down removes all $n processes, the namespaces and the state ($elapsed ms)"

done_testing

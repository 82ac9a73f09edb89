#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# peer-hostile.sh - chinwagd (alice@h1) against broken and hostile peers on h2,
# with a normal chinwagd (bob@h3) beside it. After each hostile step alice
# must still serve: a message each way with bob reaches 'delivered' and
# `info` answers.
#   - a connection that never speaks is dropped after the handshake timeout
#   - streams from an address no peer owns are refused (invalid-from)
#   - TXT records: missing, duplicate keys (first wins), a 250-byte msg,
#     bytes that are not UTF-8 or are control characters
#   - an SRV record pointing at a closed port: the message stays queued and
#     the peer is marked unreachable
#   - a spoofed 'from' on the stream header or on a stanza: invalid-from,
#     and the stream is closed
#   - a flood of 10,000 messages from a correctly identified peer, also
#     while a local `watch` client is stopped (must not stall the daemon)
#   - a peer that never reads its IQ answers: the daemon stops reading it
#     (back-pressure) instead of buffering without bound
#   - many silent connections on a daemon short of file descriptors: no
#     busy loop in accept(), and a peer at another address still gets in
# The hostile peers are rawpeer.py (raw sockets) and avahi-publish.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require python3 unshare mount
cw_require
test_timeout 90

RAWPEER=$top_srcdir/tests/integration/rawpeer.py
FLOOD=10000

lab_up 3
H1=$(lab addr h1) H2=$(lab addr h2) H3=$(lab addr h3)
OUT=$LAB_STATE/out # the raw peers' results
mkdir -p "$OUT"

# alice keeps her state on a tmpfs of her own (a private mount namespace, so
# nothing is left mounted whatever happens): the store syncs every incoming
# message to disk, and on a virtual disk 10,000 of them took 20-35 s
# (~3 ms each), which is more than this test's time budget; on tmpfs ~1 s.
mkdir -p "$(cw_state h1)"
lab spawn h1 cw unshare --mount --propagation private \
	sh -c 'mount -t tmpfs -o size=64m,mode=0700 chinwag-state "$0" && exec "$@"' "$(cw_state h1)" \
	"$CHINWAGD" --no-dbus --name alice@h1 --state-dir "$(cw_state h1)" --control "$(cw_sock h1)" >/dev/null
check "alice@h1 starts on h1 (state on a private tmpfs)" wait_until 5 cw h1 info
cw_watch h1
check "bob@h3 starts on h3" cw_start h3 bob@h3
cw_watch h3
wait_until 10 roster_has h1 bob@h3
wait_until 10 roster_has h3 alice@h1

# ---- helpers -----------------------------------------------------------------------------
# RESULT-FILE OPTION... ACTION...: a raw peer on h2 that connects to alice
raw() {
	_r_out=$1
	shift
	lab exec h2 python3 "$RAWPEER" connect "$H1" 5298 --to alice@h1 "$@" \
		>"$OUT/$_r_out" 2>"$OUT/$_r_out.err"
}
res() { cat "$OUT/$1"; }                                      # RESULT-FILE
field() { grep "^$2$TAB" "$OUT/$1" | head -n 1 | cut -f"$3"; } # RESULT-FILE KIND FIELDS
raw_diag() { diag "raw peer $1:" "$(cat "$OUT/$1" "$OUT/$1.err")"; }
states() { grep "^state${TAB}$2${TAB}" "$(lab_log "$1" watch)" | cut -f3 | tr '\n' ' '; } # HOST ID
delivered() { watch_has "$1" watch "^state${TAB}$2${TAB}delivered${TAB}"; }                # HOST ID
isnum() { [ "$1" -gt 0 ] 2>/dev/null; }

# serves AFTER: alice@h1 and bob@h3 exchange a message each way, both reach
# 'delivered', and alice answers `info`
n_serve=0
serves() {
	n_serve=$((n_serve + 1))
	_s_why=''
	_s_a=$(cw h1 "send bob@h3 check $n_serve from alice" 2>&1) || _s_why="alice@h1 refused to send: $_s_a"
	_s_b=$(cw h3 "send alice@h1 check $n_serve from bob" 2>&1) || _s_why="$_s_why; bob@h3 refused to send: $_s_b"
	if isnum "$_s_a" && ! wait_until 10 delivered h1 "$_s_a"; then
		_s_why="$_s_why; alice->bob message $_s_a: states '$(states h1 "$_s_a")'"
	fi
	if isnum "$_s_b" && ! wait_until 10 delivered h3 "$_s_b"; then
		_s_why="$_s_why; bob->alice message $_s_b: states '$(states h3 "$_s_b")'"
	fi
	_s_i=$(cw h1 info 2>&1)
	case $_s_i in "name${TAB}alice@h1"*) ;; *) _s_why="$_s_why; info: '$_s_i'" ;; esac
	if [ -z "$_s_why" ]; then
		ok "alice@h1 still serves $1 (a message each way delivered, info answers)"
	else
		not_ok "alice@h1 still serves $1"
		diag "${_s_why#; }"
	fi
}

serves "at the start"

# ---- a connection that never speaks --------------------------------------------------------
# (runs in the background while the next steps go on; chinwagd gives a
# stream 10 s to send its header)
t_silent=$(now_ms)
raw silent --timeout 15 expect-eof:15 &
silent_pid=$!

# ---- strangers: h2 publishes nothing yet, so no peer owns its address ---------------------
# (chinwagd waits up to 3 s for discovery before calling a stream a stranger's)
raw stranger-from --timeout 8 --from nobody@h2 --version 1.0 open expect-error expect-eof:3 &
p1=$!
raw stranger-nofrom --timeout 8 open expect-error expect-eof:3 &
p2=$!
wait $p1
wait $p2
for f in stranger-from stranger-nofrom; do
	case $f in
	stranger-from) what="from='nobody@h2'" ;;
	*) what="no 'from'" ;;
	esac
	is "$(field $f stream-error 1-2) / $(field $f eof 1)" "stream-error${TAB}invalid-from / eof" \
		"a stream from $H2 (owned by no peer) with $what is refused: invalid-from, then closed"
	[ "$(field $f stream-error 1)" = stream-error ] || raw_diag $f
done
serves "after the strangers"

wait $silent_pid
t=$(field silent eof 2)
if [ -n "$t" ] && awk "BEGIN { exit !($t >= 8 && $t <= 15) }"; then
	ok "a connection that never sends a header is closed by alice@h1 after $t s (limit 10 s)"
else
	not_ok "a connection that never sends a header is closed by alice@h1 within 8-15 s"
	raw_diag silent
fi
serves "after the silent connection ($(($(now_ms) - t_silent)) ms)"

# ---- odd TXT records, a ghost and the hostile peers get published on h2 -------------------
publish() { # TAG NAME PORT TXT...
	_p_tag=$1 _p_name=$2 _p_port=$3
	shift 3
	lab spawn h2 "$_p_tag" avahi-publish -s "$_p_name" _presence._tcp "$_p_port" "$@" >/dev/null
}
long=$(printf '%0250d' 0 | tr 0 x)
R=$(printf '\357\277\275') # U+FFFD, what chinwag shows for a byte it cannot show
t0=$(now_ms)
publish pub-notxt notxt@h2 5320
publish pub-dup dup@h2 5321 txtvers=1 status=away status=dnd nick=first nick=second
publish pub-long long@h2 5322 txtvers=1 status=dnd "msg=$long"
# bytes that are not UTF-8, C0 controls, ESC, DEL, tab and newline (a NUL
# cannot be passed on avahi-publish's command line)
publish pub-bin bin@h2 5323 txtvers=1 "$(printf 'status=\377')" "$(printf 'nick=\377\376bin\001')" \
	"$(printf 'msg=a\tb\nc\033[31mred\177')"
publish pub-ghost ghost@h2 5399 txtvers=1 port.p2pj=5399 status=avail
publish pub-mallory mallory@h2 5300 txtvers=1 port.p2pj=5300 status=avail
publish pub-flood flood@h2 5301 txtvers=1 port.p2pj=5301 status=avail
all_seen() {
	for _a_p in notxt dup long bin ghost mallory flood; do roster_has h1 "$_a_p@h2" || return 1; done
}
wait_until 10 all_seen
check "alice@h1's roster lists the 7 peers published on h2 ($(($(now_ms) - t0)) ms)" all_seen

is "$(roster_line h1 notxt@h2)" "notxt@h2${TAB}avail${TAB}reachable${TAB}$H2:5320${TAB}${TAB}" \
	"no TXT record at all: avail, no nick, no message"
is "$(roster_line h1 dup@h2 | cut -f2,5)" "away${TAB}first" \
	"duplicate keys (status=away status=dnd, nick=first nick=second): the first ones win"
is "$(roster_line h1 long@h2 | cut -f2,6)" "dnd${TAB}$long" "a 250-byte msg is shown whole"
is "$(roster_line h1 bin@h2 | cut -f2-)" \
	"avail${TAB}reachable${TAB}$H2:5323${TAB}${R}${R}bin${R}${TAB}a b c${R}[31mred${R}" \
	"binary TXT values: bad status -> avail; bad bytes and controls -> U+FFFD, tab/newline -> space"
n=$(cw h1 roster | wc -l)
is "$n" 8 "the roster has one line per peer (8: bob and the 7 on h2)"
is "$(grep -Evc "^(peer|peer-removed|message|state|chat-state|name)$TAB" "$(lab_log h1 watch)")" 0 \
	"every line of alice@h1's watch is a well-formed event (no injected lines)"
serves "after the odd TXT records"

# ---- an SRV record that points at a closed port -------------------------------------------
gid=$(cw h1 'send ghost@h2 hi')
if isnum "$gid"; then ok "alice@h1 accepts 'send ghost@h2 hi' (id $gid)"; else
	not_ok "alice@h1 accepts 'send ghost@h2 hi'"
	diag "answer: '$gid'"
fi
wait_until 10 roster_field_is h1 ghost@h2 3 unreachable
is "$(roster_line h1 ghost@h2 | cut -f2-4)" "avail${TAB}unreachable${TAB}$H2:5399" \
	"ghost@h2 (nobody listens on port 5399) is marked unreachable"
is "$(cw h1 'history ghost@h2')" "$gid${TAB}out${TAB}queued${TAB}hi" "the message to ghost@h2 stays queued"
serves "after the ghost"

# ---- spoofed 'from' ---------------------------------------------------------------------------
# on the header: bob@h3 does not live at h2's address
raw spoof-header --timeout 8 --from bob@h3 --version 1.0 open expect-error expect-eof:3 &
p1=$!
# on a stanza of mallory@h2's (correctly identified) stream
raw spoof-stanza --timeout 8 --from mallory@h2 --version 1.0 --stanza-from bob@h3 \
	open header 'msg:spoofed as bob' expect-error expect-eof:3 &
p2=$!
wait $p1
wait $p2
is "$(field spoof-header stream-error 1-2) / $(field spoof-header eof 1)" \
	"stream-error${TAB}invalid-from / eof" \
	"a stream from $H2 with from='bob@h3' (bob lives at $H3) is refused: invalid-from, then closed"
[ "$(field spoof-header stream-error 1)" = stream-error ] || raw_diag spoof-header
is "$(field spoof-stanza header 2-3,5)" "from=alice@h1${TAB}to=mallory@h2${TAB}features=yes" \
	"mallory@h2's stream (from='mallory@h2', from $H2) is accepted (header, features)"
is "$(field spoof-stanza stream-error 1-2) / $(field spoof-stanza eof 1)" \
	"stream-error${TAB}invalid-from / eof" \
	"a message with from='bob@h3' on mallory@h2's stream: invalid-from, and the stream is closed"
[ "$(field spoof-stanza stream-error 1)" = stream-error ] || raw_diag spoof-stanza
check "the spoofed message was not delivered to alice (watch, history of bob@h3 and mallory@h2)" \
	eval '! grep -q "spoofed as bob" "$(lab_log h1 watch)" &&
		! cw h1 "history bob@h3" | grep -q "spoofed as bob" &&
		! cw h1 "history mallory@h2" | grep -q "spoofed as bob"'
serves "after the spoofs"

# ---- a flood: 10,000 messages from a correctly identified peer --------------------------------
pid=$(lab pid h1 cw)
vm() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$pid/status"; } # FIELD (kB)
rss0=$(vm VmRSS)
t0=$(now_ms)
raw flood --timeout 60 --from flood@h2 --version 1.0 --id flood open header "flood:$FLOOD" close:60 &
flood_pid=$!
serves "while flood@h2 sends $FLOOD messages"
wait $flood_pid
t_flood=$(($(now_ms) - t0))
is "$(field flood flood 1-2) / $(field flood close 1-2)" "flood${TAB}sent=$FLOOD / close${TAB}clean" \
	"flood@h2 wrote $FLOOD messages and alice@h1 answered its </stream:stream> ($t_flood ms)"
[ "$(field flood close 2)" = clean ] || raw_diag flood
wait_until 10 eval '[ "$(watch_count h1 watch "^message${TAB}flood@h2${TAB}")" -ge $FLOOD ]'
is "$(watch_count h1 watch "^message${TAB}flood@h2${TAB}")" $FLOOD \
	"alice@h1 recorded all $FLOOD messages (watch events)"
is "$(cw h1 'history flood@h2' | tail -n 1 | cut -f2-)" "in${TAB}received${TAB}flood $FLOOD" \
	"the newest of them is last in alice@h1's history"
hwm=$(vm VmHWM)
if [ -n "$hwm" ] && [ "$hwm" -lt $((rss0 + 65536)) ]; then
	ok "alice@h1's memory stays bounded: peak RSS $hwm kB (RSS $rss0 kB before the flood)"
else
	not_ok "alice@h1's memory stays bounded (peak RSS < RSS before + 64 MB)"
	diag "RSS before $rss0 kB, peak '$hwm' kB"
fi
serves "after the flood"

# ---- a local `watch` client that stopped reading while a peer floods ------------------------
# (a terminal on hold, a pager): the daemon must not wait for it
cw_watch h1 stalled
sleep 0.5
stalled=$(lab pid h1 stalled)
at_exit "kill -CONT $stalled 2>/dev/null"
kill -STOP "$stalled"
before=$(watch_count h1 watch "^message${TAB}flood@h2${TAB}")
raw flood2 --timeout 20 --from flood@h2 --version 1.0 --id flood2 open header "flood:$FLOOD" close:20 &
flood_pid=$!
wait_until 6 eval '! kill -0 $flood_pid 2>/dev/null'
check "alice@h1 answers info while a watch client is stopped and flood@h2 floods" cw h1 info
wait $flood_pid
is "$(field flood2 close 1-2)" "close${TAB}clean" "alice@h1 reads all of the second flood and closes the stream"
wait_until 10 eval '[ "$(watch_count h1 watch "^message${TAB}flood@h2${TAB}")" -ge $((before + FLOOD)) ]'
is "$(($(watch_count h1 watch "^message${TAB}flood@h2${TAB}") - before))" $FLOOD \
	"alice@h1 recorded all $FLOOD messages of the second flood"
kill -CONT "$stalled"
wait_until 10 eval '[ "$(watch_count h1 stalled "^message${TAB}flood@h2${TAB}")" -ge $FLOOD ]'
is "$(watch_count h1 stalled "^message${TAB}flood@h2${TAB}")" $FLOOD \
	"the stopped watch client gets every event once it reads again"
serves "after the stopped watch client"

# ---- a peer that never reads its answers ------------------------------------------------------
# It asks and asks (~1.1 kB per disco#info result) but reads nothing: once
# 1 MiB of answers wait in the stream's send queue, alice@h1 stops reading
# that stream until it drains (back-pressure), so the peer's writes block
# (it gives up after --timeout) instead of alice's memory growing.
N_IQ=100000
raw iqflood --timeout 8 --from mallory@h2 --version 1.0 --id iqf \
	open header stop-reading "iq-flood:$N_IQ" sleep:2
diag "the iq flood: $(res iqflood | tr '\t\n' '  ')"
hwm=$(vm VmHWM) rss=$(vm VmRSS)
if [ -n "$hwm" ] && [ "$hwm" -lt $((rss0 + 65536)) ]; then
	ok "a peer that never reads cannot make alice@h1 buffer without bound: $N_IQ disco#info gets, peak RSS $hwm kB, RSS $rss kB (was $rss0 kB)"
else
	not_ok "a peer that never reads cannot make alice@h1 buffer without bound (peak RSS < RSS before the floods + 64 MB)"
	diag "RSS before $rss0 kB, peak '$hwm' kB, now '$rss' kB"
	raw_diag iqflood
fi
serves "after a peer that never reads its answers"

# ---- many silent connections against a daemon short of file descriptors ---------------------
# A peer opens connections faster than the handshake timeout (10 s) closes
# them, against carol@h1 with 64 descriptors (hard limit too: chinwagd
# raises only its soft limit). Without a cap, accept() failed with EMFILE
# and GSocketService retried at once, forever, logging every failure. Now
# at most 4 streams per address (32 in all) may wait for their header; any
# more are closed at once. Meanwhile bob@h3, at another address, gets in.
mkdir -p "$LAB_STATE/carol"
lab spawn h1 carol sh -c 'ulimit -n 64 && exec "$0" "$@"' "$CHINWAGD" --no-dbus --name carol@h1 --port 5310 \
	--state-dir "$LAB_STATE/carol" --control "$LAB_STATE/carol.sock" >/dev/null
carol() { with_timeout 5 "$CHINWAGD" --control "$LAB_STATE/carol.sock" --command "$1"; }
check "carol@h1 starts on h1 with 64 file descriptors" wait_until 5 carol info
wait_until 10 roster_has h3 carol@h1
lines0=$(wc -l <"$(lab_log h1 carol)")
lab exec h2 python3 "$RAWPEER" hold "$H1" 5310 100 6 --timeout 5 >"$OUT/hold" 2>"$OUT/hold.err" &
hold_pid=$!
sleep 1
cid=$(cw h3 'send carol@h1 through the flood' 2>&1)
if isnum "$cid" && wait_until 5 delivered h3 "$cid"; then
	ok "bob@h3 reaches carol@h1 while $H2 holds 100 silent connections to her (message delivered)"
else
	not_ok "bob@h3 reaches carol@h1 while $H2 holds 100 silent connections to her"
	diag "send: '$cid', states '$(states h3 "$cid")'"
fi
wait $hold_pid
lines=$(($(wc -l <"$(lab_log h1 carol)") - lines0))
if [ "$lines" -lt 1000 ]; then
	ok "100 silent connections to carol@h1 (64 fds) cause no accept() busy loop: $lines log lines, $(res hold | cut -f2- | tr "\t" " ")"
else
	not_ok "100 silent connections to carol@h1 (64 fds) cause no accept() busy loop"
	diag "$lines log lines; $(res hold | cut -f2- | tr "\t" " ")" "$(tail -n 3 "$(lab_log h1 carol)")"
fi
held=$(sed -n "s/^hold${TAB}connected=\([0-9]*\)${TAB}closed-by-them=\([0-9]*\)$/\1 \2/p" "$OUT/hold")
if [ -n "$held" ] && [ "${held#* }" -ge $((${held% *} - 4)) ]; then
	ok "carol@h1 closes at once all but 4 of the connections from $H2 ($(res hold | cut -f2- | tr "\t" " "))"
else
	not_ok "carol@h1 closes at once all but 4 of the connections from $H2"
	raw_diag hold
fi
check "carol@h1 answers info once the connections are gone" wait_until 10 carol info
check "alice@h1 is still running" lab pid h1 cw

done_testing

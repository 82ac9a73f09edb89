#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# interop-purple.sh - chinwagd (alice@h1) against Pidgin's Bonjour protocol
# plugin (libpurple from Debian, driven by tests/integration/purple-harness as
# bob@h2): each sees the other, presence both ways, messages both ways on a
# stream opened by either side, and bob's sign-off reaches chinwagd.
#
# libpurple's Bonjour (iChat-compatible) maps presence differently from
# XEP-0174's words: it publishes its "away" as TXT status=dnd, and shows a
# peer as away only for status=dnd (status=away - iChat's "idle" - shows as
# available with the message). The checks below expect exactly that.
# libpurple does no XEP-0184 receipts and never answers disco#info, so a
# message from chinwagd stays "sent" until a stream close chinwagd starts is
# answered ("delivered").
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require
cw_require
PURPLE_HARNESS=${PURPLE_HARNESS:-${top_builddir:-$top_srcdir}/tests/integration/purple-harness}
if [ ! -x "$PURPLE_HARNESS" ]; then
	diag "$PURPLE_HARNESS is not built: configure found no libpurple" \
		"(install libpurple-dev - tools/deps.sh --test does - and re-run configure)"
	skip_all "purple-harness not built (no libpurple)"
fi
test_timeout 90

lab_up 2
H2=$(lab addr h2)
PLOG=$LAB_STATE/hosts/h2/purple.log # the harness's events (its debug log: purple-debug.log)

# purple COMMAND...: one line to the harness's stdin
purple() { printf '%s\n' "$*" >&7; }
purple_has() { grep -Eq "$1" "$PLOG"; } # PATTERN (grep -E; a tab is $TAB)
# NAME: bob's latest view of buddy NAME: "STATUS-ID<tab>MESSAGE"
purple_buddy() { grep "^buddy$TAB$1$TAB" "$PLOG" | tail -n 1 | cut -f3-; }
purple_buddy_is() { [ "$(purple_buddy "$1")" = "$2" ]; } # NAME WANT
# the last line of chinwagd's watch log about bob@h2's presence
watch_bob() { grep "^peer${TAB}bob@h2$TAB" "$(lab_log h1 watch)" | tail -n 1 | cut -f3-; }

# --- start: chinwagd on h1, the libpurple client on h2 ----------------------------------
# a short idle timeout: chinwagd closes its own stream to bob during the test
check "alice@h1 (chinwagd) starts on h1" cw_start h1 alice@h1 --idle-timeout 6
cw_watch h1
# The harness reads its commands from a FIFO. fd 7 is open read-write, so opening the
# FIFO never blocks; the harness itself does not hold fd 7 and sees EOF (and signs
# off) when this test exits.
mkfifo "$LAB_STATE/purple.in" || bail_out "mkfifo failed"
exec 7<>"$LAB_STATE/purple.in"
mkdir "$LAB_STATE/purple-home"
t0=$(now_ms)
lab spawn h2 purple env CW_PURPLE_DEBUG=1 sh -c 'f=$1 d=$2 && shift 2 && exec "$@" <"$f" 2>"$d"' sh \
	"$LAB_STATE/purple.in" "$LAB_STATE/hosts/h2/purple-debug.log" \
	"$PURPLE_HARNESS" bob@h2 "$LAB_STATE/purple-home" >/dev/null 7>&-
if wait_until 10 purple_has "^online${TAB}bob@h2\$"; then
	ok "bob@h2 (libpurple $(pkg-config --modversion purple 2>/dev/null || echo '?') Bonjour) signs on on h2 ($(($(now_ms) - t0)) ms)"
else
	not_ok "bob@h2 (libpurple Bonjour) signs on on h2"
	diag "harness output:" "$(cat "$PLOG")"
fi

# --- each sees the other --------------------------------------------------------------------
t0=$(now_ms)
want="avail${TAB}reachable${TAB}$H2:5298"
wait_until 10 roster_field_is h1 bob@h2 2-4 "$want"
is "$(roster_line h1 bob@h2 | cut -f2-4)" "$want" \
	"chinwagd lists bob@h2 available at $H2:5298 ($(($(now_ms) - t0)) ms)"
wait_until 10 purple_buddy_is alice@h1 "available$TAB"
is "$(purple_buddy alice@h1)" "available$TAB" "libpurple lists buddy alice@h1 as available"

# --- presence: chinwagd -> libpurple ----------------------------------------------------------
t0=$(now_ms)
cw h1 'status dnd In a meeting' >/dev/null
wait_until 10 purple_buddy_is alice@h1 "away${TAB}In a meeting"
is "$(purple_buddy alice@h1)" "away${TAB}In a meeting" \
	"chinwagd 'dnd In a meeting' -> libpurple shows alice@h1 away, 'In a meeting' ($(($(now_ms) - t0)) ms)"
t0=$(now_ms)
cw h1 'status away Out to lunch' >/dev/null
wait_until 10 purple_buddy_is alice@h1 "available${TAB}Out to lunch"
is "$(purple_buddy alice@h1)" "available${TAB}Out to lunch" \
	"chinwagd 'away Out to lunch' -> libpurple shows its message (and, iChat-style, available) ($(($(now_ms) - t0)) ms)"

# --- presence: libpurple -> chinwagd -----------------------------------------------------------
t0=$(now_ms)
purple "status away Gone fishing"
want="dnd${TAB}reachable${TAB}$H2:5298${TAB}Gone fishing"
wait_until 10 roster_field_is h1 bob@h2 2-4,6 "$want"
is "$(roster_line h1 bob@h2 | cut -f2-4,6)" "$want" \
	"libpurple 'away Gone fishing' (TXT status=dnd) -> chinwagd's roster shows bob@h2 dnd, 'Gone fishing' ($(($(now_ms) - t0)) ms)"
t0=$(now_ms)
purple "status available Back"
want="avail${TAB}reachable${TAB}Back"
wait_until 10 eval '[ "$(watch_bob)" = "$want" ]'
is "$(watch_bob)" "$want" "libpurple 'available Back' -> chinwagd's watch shows bob@h2 available, 'Back' ($(($(now_ms) - t0)) ms)"

# --- messages both ways, on streams opened by either side ----------------------------------
# state_of ID: message ID's states so far, as "queued sent ..."
state_of() { grep "^state${TAB}$1${TAB}" "$(lab_log h1 watch)" | cut -f3 | tr '\n' ' '; }
# alice_sends TEXT: prints the message id (empty when chinwagd refused it)
alice_sends() {
	_as_id=$(cw h1 "send bob@h2 $1") && [ "$_as_id" -gt 0 ] 2>/dev/null && echo "$_as_id"
}
purple_got() { grep -Fqx "message${TAB}$1${TAB}$2" "$PLOG"; } # FROM TEXT

# chinwagd opens the stream: its disco#info query goes unanswered (5 s), then the message
text1="hello bob, ünïcödé ✓ from chinwag"
t0=$(now_ms)
id1=$(alice_sends "$text1")
wait_until 15 watch_has h1 watch "^state${TAB}${id1:-x}${TAB}(sent|delivered|failed)${TAB}"
like "$(state_of "${id1:-x}")" "queued sent *" \
	"chinwagd's message ${id1:-?} to bob@h2 (on chinwagd's stream) goes queued, sent ($(($(now_ms) - t0)) ms)"
wait_until 15 purple_got alice@h1 "$text1"
check "libpurple receives '$text1' from alice@h1 ($(($(now_ms) - t0)) ms)" purple_got alice@h1 "$text1"
# chinwagd closes its idle stream (--idle-timeout) and libpurple answers the close:
# no receipt, but a clean close confirms that libpurple read the message
t0=$(now_ms)
wait_until 15 watch_has h1 watch "^state${TAB}${id1:-x}${TAB}(delivered|failed)${TAB}"
is "$(state_of "${id1:-x}")" "queued sent delivered " \
	"the idle stream closes cleanly: message ${id1:-?} is delivered ($(($(now_ms) - t0)) ms)"

# libpurple opens a new stream (no version='1.0', no features)
text2="hi alice & co, ünïcödé <3 from purple"
t0=$(now_ms)
purple "send alice@h1 $text2"
wait_until 10 watch_has h1 watch "^message${TAB}bob@h2${TAB}[0-9]+${TAB}"
is "$(grep "^message${TAB}bob@h2${TAB}" "$(lab_log h1 watch)" | cut -f4)" "$text2" \
	"chinwagd receives '$text2' from bob@h2 (on libpurple's stream) ($(($(now_ms) - t0)) ms)"

# chinwagd answers on libpurple's stream: no new connection, no disco wait this time
text3="got it, thanks"
t0=$(now_ms)
id3=$(alice_sends "$text3")
wait_until 10 purple_got alice@h1 "$text3"
check "libpurple receives '$text3' from alice@h1 (on libpurple's stream) ($(($(now_ms) - t0)) ms)" \
	purple_got alice@h1 "$text3"
like "$(state_of "${id3:-x}")" "queued sent*" "chinwagd's message ${id3:-?} goes queued, sent"

# --- sign-off: within chinwagd's idle timeout, so libpurple closes its stream first ---------
sleep 2 # message 3 has been on bob's screen for a while (the TODO below)
t0=$(now_ms)
purple quit
wait_until 10 roster_lacks h1 bob@h2
check "bob@h2 signs off: gone from chinwagd's roster ($(($(now_ms) - t0)) ms)" roster_lacks h1 bob@h2
check "the libpurple harness exits" wait_until 5 eval '! lab pid h2 purple'
exec 7>&-

# libpurple closed its stream first (sending </stream:stream>, then closing the socket
# at once), 2 s after it had shown message 3. A proper close ends the stream cleanly,
# so the message, written before it, counts as delivered.
wait_until 5 watch_has h1 watch "^state${TAB}${id3:-x}${TAB}(delivered|failed)${TAB}"
like "$(state_of "${id3:-x}")" "*delivered*" \
	"message ${id3:-?}, which libpurple showed, is delivered when libpurple closes the stream"

done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tui-chat.sh - the full-screen chat window, driven through tmux (send-keys,
# capture-pane) on one lab host against a peer on another: the peer shows
# up, a chat both ways with delivery marks, typing, unread markers, status,
# bad input, resizing, a daemon that dies and comes back, and /quit.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require python3 dbus-send dbus-daemon tmux
cw_require
[ -x "$CHINWAG" ] || skip_all "chinwag is not built ($CHINWAG)"
test_timeout 150

lab_up 2

A=root@h1 B=root@h2
IFACE=im.chinwag.Chinwag1
cwp_up h1 h2
c() { cwp "$@"; }
bus() { cwp_bus "$@"; }

# --- tmux: a server of our own on its own socket, killed (only it) at exit ------------------
TSOCK=$LAB_STATE/tmux.sock
RC=$LAB_STATE/tui.rc
t() { tmux -u -f /dev/null -S "$TSOCK" "$@"; }
at_exit 't kill-server 2>/dev/null'
screen() { t capture-pane -p -t tui 2>/dev/null; }
shows() { screen | grep -Fq -- "$1"; }   # FIXED-STRING anywhere on screen
row_shows() { screen | sed -n "$1p" | grep -Fq -- "$2"; } # ROW(1-based) FIXED-STRING
type_line() { t send-keys -t tui -l -- "$1" && t send-keys -t tui Enter; }
see() { # FIXED-STRING DESCRIPTION: wait for it on screen, then check
	wait_until 10 shows "$1"
	if shows "$1"; then ok "$2"; else
		not_ok "$2"
		screen | sed 's/^/#   | /'
	fi
}

like "$(c h1 info)" "*name	$A*" "chinwagd runs on h1 (private bus, activated)"
like "$(c h2 info)" "*name	$B*" "chinwagd runs on h2"
# shellcheck disable=SC2046
lab spawn h2 json env $(cwp_env h2) "$CHINWAG" watch --json >/dev/null
json_has() { grep -Fq "$1" "$(lab_log h2 json)"; }

# shellcheck disable=SC2046
lab exec h1 env TMUX= tmux -u -f /dev/null -S "$TSOCK" new-session -d -s tui -x 80 -y 24 \
	"env $(cwp_env h1) LC_ALL=C.UTF-8 $CHINWAG; echo \$? >$RC"

# --- start: the status window, the roster, the peer appears -------------------------------
see "Welcome to chinwag" "the chat window starts in a terminal, in the status window"
see "[avail]" "the status bar shows our presence"
see "+ $B" "$B appears in the roster pane, available (+)"
is "$(screen | wc -l)" 24 "it fills an 80x24 terminal"
like "$(screen | sed -n 1p)" "*chinwag — $A*" "the title names us"

# --- open a chat, send, delivery marks ---------------------------------------------------------
type_line "/msg $B"
see "$B (avail)" "/msg $B opens a chat window titled with the peer and its presence"
see "[2:$B]" "... as window 2 in the status bar"
type_line "hello from the tui"
see "<me> hello from the tui ✓✓" "a typed line is sent and marked delivered (✓✓)"
in_h2() { c h2 history "$A" | grep -q "	in	received	$1\$"; }
check "$B received it (its history)" in_h2 "hello from the tui"
type_line "//etc is a path"
wait_until 10 in_h2 "/etc is a path"
check "//text sends a line starting with /" in_h2 "/etc is a path"

# --- typing notifications, both ways -------------------------------------------------------------
t send-keys -t tui -l "typing somethin"
wait_until 10 json_has "{\"event\":\"chatstate\",\"peer\":\"$A\",\"state\":\"composing\"}"
check "typing tells $B we are composing" \
	json_has "{\"event\":\"chatstate\",\"peer\":\"$A\",\"state\":\"composing\"}"
t send-keys -t tui C-u
wait_until 10 json_has "{\"event\":\"chatstate\",\"peer\":\"$A\",\"state\":\"active\"}"
check "clearing the line (Ctrl-U) says we are active again" \
	json_has "{\"event\":\"chatstate\",\"peer\":\"$A\",\"state\":\"active\"}"
dbus-send --bus="$(bus h2)" --print-reply --dest=$IFACE /im/chinwag/Chinwag1 \
	$IFACE.SendChatState string:"$A" string:composing >/dev/null
see "$B (avail) — typing…" "$B composing shows 'typing…' in the title"

# --- receive, unread markers --------------------------------------------------------------------
c h2 send "$A" "grüß dich 漢字 😀" >/dev/null
see "<$B> grüß dich 漢字 😀" "a message from $B shows up, wide characters and all"
check "... and 'typing…' goes" sh -c "! tmux -S '$TSOCK' capture-pane -p -t tui | grep -Fq typing"
t send-keys -t tui M-1
see "[1:status]" "Alt-1 goes to the status window"
c h2 send "$A" "are you there?" >/dev/null
see "$B (1)" "a message in another window puts an unread count on $B in the roster"
check "... and on window 2 in the status bar" row_shows 23 "[Act: 2(1)]"
t send-keys -t tui C-n
see "<$B> are you there?" "Ctrl-N goes to the next window, which shows it"
wait_until 5 sh -c "! tmux -S '$TSOCK' capture-pane -p -t tui | grep -Fq '$B (1)'"
check "... and the unread count is gone" sh -c "! tmux -S '$TSOCK' capture-pane -p -t tui | grep -Fq '(1)'"

# --- input line: history, Tab completion ---------------------------------------------------------
t send-keys -t tui Up
see "> //etc is a path" "Up brings back the last line typed"
t send-keys -t tui C-u
t send-keys -t tui -l "/msg root@h"
t send-keys -t tui Tab
t send-keys -t tui -l "x"
see "> /msg root@h2 x" "Tab completes a peer's name"
t send-keys -t tui C-u

# --- status -----------------------------------------------------------------------------------------
type_line "/status away out to lunch"
see "[away: out to lunch]" "/status away sets our presence (status bar)"
a_away() { c h2 roster | grep -q "^$A	away	yes	.*out to lunch"; }
wait_until 10 a_away
check "$B sees us away, 'out to lunch' (chinwag roster)" a_away
c h2 status dnd >/dev/null
see "- $B" "$B going dnd shows as '-' in the roster"

# --- bad input: said on the status line, nothing breaks --------------------------------------------
type_line "/msg nobody@nowhere hi"
wait_until 10 row_shows 23 "nobody@nowhere"
check "an unknown peer is named on the status line" row_shows 23 "nobody@nowhere"
check "... and gets no window" sh -c "! tmux -S '$TSOCK' capture-pane -p -t tui | sed -n 1p | grep -Fq nobody"
type_line "/frobnicate"
see "Unknown command /frobnicate" "an unknown command says so"
type_line "/status sleepy"
see "Usage: /status" "a bad status shows the usage"
type_line "/win 9"
see "There is no window 9" "/win to a window that is not there says so"

# --- resize ---------------------------------------------------------------------------------------
t resize-window -t tui -x 50 -y 14
wait_until 10 sh -c "[ \$(tmux -S '$TSOCK' capture-pane -p -t tui | wc -l) = 14 ]"
t send-keys -t tui C-l
see "are you there?" "after shrinking to 50x14 the conversation is still drawn"
long=$(screen | awk 'length($0) > 50' | wc -l)
is "$long" 0 "... and no row is wider than 50 columns"
check "the input line is still at the bottom" row_shows 14 ">"
t resize-window -t tui -x 80 -y 24
see "- $B" "back at 80x24 the roster pane returns"

# --- the daemon dies and comes back --------------------------------------------------------------
pid1=$(cwp_daemon_pid h1)
kill "$pid1"
see "chinwagd went away — reconnecting" "killing chinwagd ($pid1) is noticed"
like "$(c h1 info)" "*name	$A*" "chinwagd starts again (activated by the next command)"
see "chinwagd is back — reconnected" "the window re-attaches to it"
see "- $B" "... and reloads the roster ($B still dnd)"
type_line "after the restart"
see "<me> after the restart ✓✓" "a message after the restart is delivered (signals re-attached)"

# --- history on opening a window, scrollback -------------------------------------------------
type_line "/close"
see "[1:status]" "/close closes the chat window"
type_line "/msg $B"
see "<me> hello from the tui ✓✓" "opening it again loads the conversation from the history"
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
	c h2 send "$A" "line $i" >/dev/null
done
see "<$B> line 25" "25 more lines from $B arrive"
t send-keys -t tui PPage
see "<$B> line 01" "PgUp scrolls back to older lines"
check "... and the newest is out of sight" sh -c "! tmux -S '$TSOCK' capture-pane -p -t tui | grep -Fq 'line 25'"
t send-keys -t tui NPage
see "<$B> line 25" "PgDn comes back to the newest"

# --- quit -------------------------------------------------------------------------------------------
type_line "/quit"
wait_until 10 test -s "$RC"
is "$(cat "$RC" 2>/dev/null)" 0 "/quit leaves with exit status 0"

done_testing

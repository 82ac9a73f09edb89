#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# peer-ichat.sh - chinwagd talks to an iChat-like peer: a scripted raw socket
# (rawpeer.py) published as ichat@h2 whose stream headers carry neither 'from'
# nor 'version' and whose stanzas carry no 'from'.
#  (a) chinwagd -> iChat: chinwagd opens with from/to/version='1.0'; the peer
#      answers without from/version and gets the <message>; no receipt is
#      asked of a peer that never answers disco#info; the idle stream is
#      closed cleanly, which makes the message 'delivered'.
#  (b) iChat -> chinwagd: a stream without 'from' is identified by its source
#      address; chinwagd's answer header mirrors the missing version; the
#      message shows up from ichat@h2; disco#info, version, ping and an
#      unknown IQ get are answered.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

lab_require python3
cw_require
test_timeout 60

RAWPEER=$top_srcdir/tests/integration/rawpeer.py
IPORT=5299 # the raw iChat peer's port on h2

lab_up 2
H1=$(lab addr h1) H2=$(lab addr h2)

# chinwagd closes streams idle for 8 s: that is how (a) sees a clean close.
# (Well above the 5 s chinwagd waits for a disco#info answer: the idle timer
# does not count a pending IQ as activity, so one of 5 s or less closes the
# stream before the message is written; whole-second timers may fire early.)
check "alice@h1 starts on h1" cw_start h1 alice@h1 --idle-timeout 8
cw_watch h1

# --- the raw peer: listening, then published with an iChat-style TXT record ------------
# Like iChat it answers no IQ at all: chinwagd's disco#info (do you do
# receipts?) times out after 5 s and the message goes without a receipt request.
lab spawn h2 ichat python3 "$RAWPEER" serve $IPORT --timeout 25 --to alice@h1 --disco ignore \
	header open expect-msg:15 expect-close:14 >/dev/null
wait_until 5 grep -q "listening on port $IPORT" "$(lab_log h2 ichat)" ||
	bail_out "the raw iChat peer did not start: $(cat "$(lab_log h2 ichat)")"
# (iChat publishes 1st/last, no nick; node/ver are its caps)
lab spawn h2 ichat-pub avahi-publish -s ichat@h2 _presence._tcp $IPORT txtvers=1 \
	1st=Old last=Mac port.p2pj=$IPORT status=away "msg=In a meeting" \
	node=http://www.apple.com/ichat/caps ver=900 >/dev/null
want="ichat@h2${TAB}away${TAB}reachable${TAB}$H2:$IPORT${TAB}${TAB}In a meeting"
wait_until 10 eval '[ "$(roster_line h1 ichat@h2)" = "$want" ]'
is "$(roster_line h1 ichat@h2)" "$want" "alice@h1's roster shows ichat@h2: away, 'In a meeting', at $H2:$IPORT"

# --- (a) chinwagd opens the stream ---------------------------------------------------------
# result lines of the raw peer (its log without its "rawpeer:" diagnostics)
results() { grep -v '^rawpeer:' "$(lab_log "$1" "$2")"; }
result_of() { results "$1" "$2" | grep "^$3$TAB" | head -n 1; } # HOST TAG KIND

t0=$(now_ms)
if id=$(cw h1 'send ichat@h2 hello iChat, chinwag here') && [ "$id" -gt 0 ] 2>/dev/null; then
	ok "alice@h1 accepts a message for ichat@h2 (id $id)"
else
	not_ok "alice@h1 accepts a message for ichat@h2"
	diag "answer: '$id'"
	id=none
fi
wait_until 12 eval 'result_of h2 ichat message | grep -q .'
is "$(result_of h2 ichat header)" "header${TAB}from=alice@h1${TAB}to=ichat@h2${TAB}version=1.0${TAB}features=no" \
	"chinwagd's stream header to ichat@h2 has from, to and version='1.0'"
is "$(result_of h2 ichat message)" \
	"message${TAB}from=alice@h1${TAB}to=ichat@h2${TAB}body=hello iChat, chinwag here${TAB}request=no" \
	"the raw peer answered without from/version and got the message, with no receipt request ($(($(now_ms) - t0)) ms)"
# the idle timeout (8 s) closes the stream: the peer answers </stream:stream>
wait_until 12 eval 'result_of h2 ichat closed-by-them | grep -q .'
like "$(result_of h2 ichat closed-by-them)" "closed-by-them$TAB*" \
	"chinwagd closes the idle stream to ichat@h2 with </stream:stream>"
wait_until 5 watch_has h1 watch "^state${TAB}$id${TAB}(delivered|failed)${TAB}"
is "$(grep "^state${TAB}$id${TAB}" "$(lab_log h1 watch)" | cut -f3 | tr '\n' ' ')" \
	"queued sent delivered " "message $id: queued, sent, then delivered (the stream closed cleanly)"
wait_until 5 eval '! lab pid h2 ichat >/dev/null'
if lab pid h2 ichat >/dev/null; then
	not_ok "the raw peer's script ran to its end"
	lab stop h2 ichat KILL
elif results h2 ichat | grep -q '^timeout'; then
	not_ok "the raw peer's script ran to its end"
	diag "$(results h2 ichat)"
else
	ok "the raw peer's script ran to its end"
fi

# --- (b) the iChat peer opens the stream ---------------------------------------------------
# no 'from' on the stream or the stanzas, no 'version': only the source address
# says who it is (h2 publishes nothing else)
out=$(lab exec h2 python3 "$RAWPEER" connect "$H1" 5298 --timeout 8 --to alice@h1 --id ichat \
	open header 'msg:hi from iChat' iqs close 2>"$LAB_STATE/rawpeer-b.err")
rc=$?
[ $rc = 0 ] || diag "raw peer exit $rc:" "$out" "$(cat "$LAB_STATE/rawpeer-b.err")"
line() { printf '%s\n' "$out" | grep "^$1$TAB" | head -n 1; }
iq() { printf '%s\n' "$out" | grep "^iq$TAB$1$TAB" | head -n 1; }
h=$(line header)
is "$(echo "$h" | cut -f2-4)" "from=alice@h1${TAB}to=ichat@h2${TAB}version=-" \
	"chinwagd answers a version-less stream from $H2 as alice@h1 to ichat@h2, without 'version'"
is "$(echo "$h" | cut -f5)" "features=no" \
	"no <stream:features/> on a pre-1.0 (version-less) stream (RFC 6120 4.3)"
wait_until 5 watch_has h1 watch "^message${TAB}ichat@h2${TAB}[0-9]+${TAB}hi from iChat\$"
check "alice@h1's watch shows 'hi from iChat' from ichat@h2 (identified by its address)" \
	watch_has h1 watch "^message${TAB}ichat@h2${TAB}[0-9]+${TAB}hi from iChat\$"
like "$(cw h1 'history ichat@h2')" "*${TAB}in${TAB}received${TAB}hi from iChat*" \
	"alice@h1's history with ichat@h2 has the incoming message"

d=$(iq disco)
like "$d" "iq${TAB}disco${TAB}result${TAB}identity=client/pc/chinwag${TAB}features=*" \
	"disco#info is answered with the identity client/pc/chinwag"
missing=''
for f in urn:xmpp:receipts http://jabber.org/protocol/disco#info http://jabber.org/protocol/chatstates \
	jabber:iq:version urn:xmpp:ping; do
	case ",${d##*features=}," in *",$f,"*) ;; *) missing="$missing $f" ;; esac
done
is "$missing" "" "disco#info lists receipts, disco#info, chatstates, version and ping"
like "$(iq version)" "iq${TAB}version${TAB}result${TAB}name=chinwag${TAB}version=?*" \
	"jabber:iq:version is answered: name chinwag and a version"
is "$(iq ping)" "iq${TAB}ping${TAB}result" "urn:xmpp:ping is answered with a result"
is "$(iq unknown)" "iq${TAB}unknown${TAB}error${TAB}condition=service-unavailable${TAB}type=cancel" \
	"an IQ get in an unknown namespace gets service-unavailable (cancel)"
like "$(line close)" "close${TAB}clean${TAB}*" "chinwagd answers the peer's </stream:stream>"
check "alice@h1 still answers info" cw h1 info

done_testing

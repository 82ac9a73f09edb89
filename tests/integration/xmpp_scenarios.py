#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""xmpp_scenarios.py - server-agnostic XMPP client scenarios (python3-slixmpp
plus a raw stream for hostile input and XEP-0198), printed as TAP.

  xmpp_scenarios.py --host 127.0.0.1 --port P [--direct-tls-port P2] --domain D
      --password secret --accounts user1,user2,user3 [--cafile CERT]
      [--server prosody|chinwag] [--only NAME,...] [--skip NAME,...] [--list]
      [--timeout SECS]

Each scenario is one TAP line and asserts what a user would notice. The
accounts must exist with that password; their rosters, blocklists and vCards
are changed (each scenario first clears the rosters it uses). Exit status 1
when a scenario fails. gw-prosody.sh runs it against Prosody from Debian;
where servers may legitimately differ, POLICY says what each one does.
"""

import argparse
import asyncio
import base64
import hashlib
import logging
import random
import sys
import time
import traceback
import xml.etree.ElementTree as ET

sys.path.insert(0, __import__('os').path.dirname(__file__))
from xmpp_client import (NS_CLIENT, NS_SASL, NS_SM, NS_STANZAS, NS_STREAMS, Client, Failed,  # noqa: E402
                         RawStream, Server, is_message, is_presence, is_roster_push,
                         push_item, q)

# Where RFC 6120/6121 and the XEPs leave a choice, what each server does. The
# prosody column is observed behaviour of Prosody 0.12 (Debian 12), checked by
# gw-prosody.sh; a server without an entry is held to prosody's column.
POLICY = {
    'prosody': {
        # a roster get carrying the current ver: RFC 6121 2.6.3 allows an empty
        # result or the full roster; Prosody answers an empty <iq type=result/>
        'roster_unchanged': 'empty-result',
        # chat/normal to the bare JID: RFC 6121 8.5.2.1.1 lets the server pick
        # the highest-priority resource(s) or all non-negative ones; Prosody
        # sends to the highest-priority resources only (all of them on a tie)
        'bare_message_to': 'top-priority',
        # chat to a full JID whose resource is offline while another is online:
        # RFC 6121 8.5.3.2.1 says treat it as sent to the bare JID (Prosody does)
        'offline_full_jid': 'as-bare',
        # SCRAM client-final with a nonce other than the one just issued (a
        # replay): refused either way; Prosody says <malformed-request/>
        # (RFC 6120 6.5 leaves the condition open; not-authorized is as good)
        'scram_wrong_nonce': 'malformed-request',
        # the user unsubscribes from a contact: RFC 6121 3.3.3 has the
        # contact's server send the user unavailable presence from each of the
        # contact's available resources; Prosody 0.12 does not (only the
        # roster pushes and the unsubscribe go out)
        'unsubscribe_sends_unavailable': False,
        # a stanza before SASL: RFC 6120 4.9.3.12 defines the <not-authorized/>
        # stream error for exactly this; Prosody instead bounces each stanza
        # with a <service-unavailable/> stanza error and keeps the stream open
        # (still unauthenticated: nothing is delivered)
        'before_auth': 'stanza-error:service-unavailable',
        # a 'from' that is not the sender's: RFC 6120 8.1.2.1 lets the server
        # overwrite it or close with <invalid-from/>; Prosody overwrites it
        'spoofed_from': 'overwrite',
        # a stanza over the size limit: Prosody closes the stream with
        # <policy-violation/> (limits: 10000 bytes before auth, 256 KiB after)
        'oversized': 'policy-violation',
        'oversized_before_auth_bytes': 20000,
        'oversized_after_auth_bytes': 300 * 1024,
        # a message from a blocked contact (XEP-0191 leaves the answer to the
        # server): Prosody bounces chat/normal to the bare JID with
        # <service-unavailable/>, but drops it silently when sent to the full
        # JID of an online resource (so as not to reveal presence, Prosody #690)
        'blocked_inbound_bare': 'service-unavailable',
        'blocked_inbound_full': 'drop',
        # a message to a contact one blocked: XEP-0191 3.6 <not-acceptable/>
        'blocked_outbound_error': 'not-acceptable',
        # a roster set with the same <group/> twice or an empty <group/>:
        # RFC 6121 2.3.3 says <bad-request/> and <not-acceptable/>; Prosody
        # 0.12 accepts both
        'roster_group_checks': False,
        # XEP-0115 caps of the server in the stream features (6.3 "Stream
        # Feature"); Prosody 0.12's mod_disco adds them
        'server_caps_in_features': True,
    },
}
# what the chinwag gateway is built to do: Prosody's behaviour except where
# the RFC's SHOULD is followed instead
POLICY['chinwag'] = dict(POLICY['prosody'], before_auth='stream-error:not-authorized',
                         unsubscribe_sends_unavailable=True, scram_wrong_nonce='not-authorized',
                         roster_group_checks=True)

SCENARIOS = []


def scenario(name, needs=None):
    def wrap(fn):
        SCENARIOS.append((name, fn, needs))
        return fn
    return wrap


def show(el):
    return ET.tostring(el)[:300].decode() if el is not None else 'no answer'


def check(cond, what):
    if not cond:
        raise Failed(what)


class Ctx:
    """One scenario's world: the server, the policy column, the clients it
    opened (all logged out at the end) and a unique token for bodies."""

    def __init__(self, server, policy, name):
        self.s, self.policy, self.name = server, policy, name
        self.clients = []
        self.raws = []
        self.token = '%s-%06d' % (name, random.randrange(10 ** 6))

    def jid(self, n, resource=None):
        return self.s.jid(n, resource)

    async def login(self, n, resource, presence=True, priority=None, **kw):
        direct = kw.pop('direct_tls', False)
        c = Client(self.s, self.jid(n, resource), **kw)
        self.clients.append(c)
        return await c.login(direct_tls=direct, presence=presence, priority=priority)

    def raw(self):
        r = RawStream(self.s)
        self.raws.append(r)
        return r

    async def close(self):
        for r in self.raws:
            try:
                await r.close()
            except Exception:
                pass
        await asyncio.gather(*(c.logout() for c in self.clients), return_exceptions=True)

    async def reset(self, *ns):
        """Clear the rosters of accounts NS (items, pending subscriptions both
        ways) and their blocklists, without sending initial presence."""
        cs = [await self.login(n, 'reset-%d' % random.randrange(10 ** 6), presence=False) for n in ns]
        for n, c in zip(ns, cs):
            items, _ = await c.roster_items()
            for jid in items:
                await c.roster_set(jid, remove=True)
            for m in range(len(self.s.accounts)):
                if m != n:
                    c.presence_to(self.jid(m), 'unsubscribed')
            try:
                await c.iq('set', "<unblock xmlns='urn:xmpp:blocking'/>")
            except Failed as e:
                # a server without XEP-0191 has no blocklist to clear
                if getattr(e, 'condition', None) not in ('service-unavailable', 'feature-not-implemented'):
                    raise
        for c in cs:
            await c.roster_items()  # a round trip: the server has handled all of the above
            await c.logout()
            self.clients.remove(c)

    async def subscribe(self, a, ca, b, cb):
        """A subscribes to B and B approves; both online as CA, CB. Takes the
        pushes this brings in order (the asker's ask push, the approver's push,
        the asker's approved push) and the approval."""
        ja, jb = self.jid(a), self.jid(b)
        ca.presence_to(jb, 'subscribe')
        await ca.expect(lambda el: is_roster_push(jb)(el) and push_item(el)[1] == 'subscribe',
                        what='the roster push with ask')
        await cb.expect(is_presence(ja, 'subscribe'), what='the subscription request')
        cb.presence_to(ja, 'subscribed')
        await cb.expect(lambda el: is_roster_push(ja)(el) and push_item(el)[0] in ('from', 'both'),
                        what="the approver's roster push")
        await ca.expect(lambda el: is_roster_push(jb)(el) and push_item(el)[0] in ('to', 'both')
                        and not push_item(el)[1], what='the roster push for the approval')
        await ca.expect(is_presence(jb, 'subscribed'), what='the approval')

    async def roster_of(self, c, n):
        items, _ = await c.roster_items()
        return items.get(self.jid(n))


def push_state(el):
    s, ask = push_item(el)
    return '%s%s' % (s, '+ask' if ask else '')


def state(entry):
    """(subscription, ask) from a roster get as 'to', 'none+ask', or 'absent'."""
    if entry is None:
        return 'absent'
    return '%s%s' % (entry[0], '+ask' if entry[1] else '')


async def expect_push(c, jid, want, what):
    el = await c.expect(is_roster_push(jid), what='a roster push for %s (%s)' % (jid, what))
    check(push_state(el) == want, '%s: roster push for %s says %s, want %s'
          % (what, jid, push_state(el), want))
    return el


# --- authentication ---------------------------------------------------------------------
def tls_in_use(c):
    return c.transport is not None and c.transport.get_extra_info('ssl_object') is not None


async def login_with(ctx, mech, direct=False):
    c = await ctx.login(0, 'auth', sasl_mech=mech, direct_tls=direct)
    check(tls_in_use(c), 'the %s session is not encrypted' % mech)
    check(str(c.boundjid) == ctx.jid(0, 'auth'), 'bound %s, asked for %s' % (c.boundjid, ctx.jid(0, 'auth')))
    await c.iq('get', "<ping xmlns='urn:xmpp:ping'/>")


@scenario('scram-sha-256-starttls')
async def sc_scram256(ctx):
    await login_with(ctx, 'SCRAM-SHA-256')


@scenario('scram-sha-1-starttls')
async def sc_scram1(ctx):
    await login_with(ctx, 'SCRAM-SHA-1')


@scenario('direct-tls', needs='direct_tls_port')
async def sc_direct_tls(ctx):
    await login_with(ctx, 'SCRAM-SHA-256', direct=True)


@scenario('plain-over-tls')
async def sc_plain(ctx):
    await login_with(ctx, 'PLAIN')


@scenario('wrong-password')
async def sc_wrong_password(ctx):
    for mech in ('SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'):
        try:
            await ctx.login(0, 'bad', password='not-' + ctx.s.password, sasl_mech=mech)
        except Failed as e:
            check('not-authorized' in str(e), '%s with a wrong password: %s, want not-authorized' % (mech, e))
        else:
            raise Failed('%s login with a wrong password succeeded' % mech)
    # and the right one still works afterwards
    await ctx.login(0, 'good', sasl_mech='SCRAM-SHA-256')


# --- roster ------------------------------------------------------------------------------
@scenario('roster-add-remove-pushes')
async def sc_roster_pushes(ctx):
    await ctx.reset(0)
    a = await ctx.login(0, 'a', presence=False)
    b = await ctx.login(0, 'b', presence=False)
    j3 = ctx.jid(2)
    await a.roster_set(j3, name='Three')
    for c in (a, b):
        el = await expect_push(c, j3, 'none', 'add on %s' % c.boundjid.resource)
        item = el.find('{jabber:iq:roster}query/{jabber:iq:roster}item')
        check(item.get('name') == 'Three', 'the pushed item has name %r' % item.get('name'))
    items, _ = await b.roster_items()
    check(state(items.get(j3)) == 'none', 'the other resource\'s roster has %s as %s' % (j3, state(items.get(j3))))
    await b.roster_set(j3, remove=True)
    for c in (a, b):
        await expect_push(c, j3, 'remove', 'remove seen on %s' % c.boundjid.resource)
    items, _ = await a.roster_items()
    check(j3 not in items, 'removed contact still in the roster')


@scenario('roster-versioning')
async def sc_roster_ver(ctx):
    await ctx.reset(0)
    a = await ctx.login(0, 'a', presence=False)
    check(a.features and 'rosterver' in a.features, 'no roster versioning stream feature')
    _, v1 = await a.roster_items()
    check(v1, 'the roster result has no ver attribute')
    await a.roster_set(ctx.jid(1), name='Two')
    push = await a.expect(is_roster_push(ctx.jid(1)), what='the roster push')
    v2 = push.find('{jabber:iq:roster}query').get('ver')
    check(v2 and v2 != v1, 'the push carries ver %r (was %r)' % (v2, v1))
    res = await a.iq('get', "<query xmlns='jabber:iq:roster' ver='%s'/>" % v2)
    query = res.find('{jabber:iq:roster}query')
    if ctx.policy['roster_unchanged'] == 'empty-result':
        check(query is None, 'a get with the current ver returned a roster')
    _, v3 = await a.roster_items()
    check(v3 == v2, 'full roster ver %r != last pushed %r' % (v3, v2))
    res = await a.iq('get', "<query xmlns='jabber:iq:roster' ver='%s'/>" % v1)
    query = res.find('{jabber:iq:roster}query')
    check(query is not None and ctx.jid(1) in [i.get('jid') for i in query],
          'a get with an old ver did not bring the new item')


@scenario('roster-set-errors')
async def sc_roster_errors(ctx):
    await ctx.reset(0)
    a = await ctx.login(0, 'a', presence=False)
    j2, j3 = ctx.jid(1), ctx.jid(2)
    bad = [
        ("<query xmlns='jabber:iq:roster'><item jid='%s'/><item jid='%s'/></query>" % (j2, j3),
         'bad-request', 'two items in one set (RFC 6121 2.3.3)'),
        ("<query xmlns='jabber:iq:roster'><item jid='%s'><group>g</group><group>g</group></item></query>" % j2,
         'bad-request' if ctx.policy['roster_group_checks'] else 'accept', 'a duplicate group'),
        ("<query xmlns='jabber:iq:roster'><item jid='%s'><group></group></item></query>" % j2,
         'not-acceptable' if ctx.policy['roster_group_checks'] else 'accept', 'an empty group'),
        ("<query xmlns='jabber:iq:roster'><item jid='%s' subscription='remove'/></query>" % j3,
         'item-not-found', 'removing an item that is not there (RFC 6121 2.5.3)'),
    ]
    for payload, want, what in bad:
        if want == 'accept':
            continue
        try:
            await a.iq('set', payload)
        except Failed as e:
            check(getattr(e, 'condition', None) == want, '%s: %s, want %s' % (what, e, want))
        else:
            raise Failed('%s was accepted' % what)
    await a.expect_none(is_roster_push(), 0.3, 'a roster push after refused sets')
    items, _ = await a.roster_items()
    check(j2 not in items and j3 not in items, 'a refused set changed the roster: %s' % items)
    # a subscription other than remove in a set does not change the state
    try:
        await a.iq('set', "<query xmlns='jabber:iq:roster'><item jid='%s' subscription='both'/></query>" % j2)
    except Failed:
        pass
    items, _ = await a.roster_items()
    check(state(items.get(j2)) in ('absent', 'none'), 'a set made the subscription %s' % state(items.get(j2)))


# --- subscriptions (RFC 6121 section 3) ------------------------------------------------------
@scenario('subscribe-approve')
async def sc_sub_approve(ctx):
    await ctx.reset(0, 1)
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    j1, j2 = ctx.jid(0), ctx.jid(1)
    u1.presence_to(j2, 'subscribe')
    await expect_push(u1, j2, 'none+ask', 'after subscribe')
    sub = await u2.expect(is_presence(j1, 'subscribe'), what='the subscription request')
    check(sub.get('from') == j1, 'the request comes from %s, not the bare %s' % (sub.get('from'), j1))
    check(state(await ctx.roster_of(u2, 0)) in ('absent', 'none'), 'contact roster has the requester before approval')
    u2.presence_to(j1, 'subscribed')
    await expect_push(u2, j1, 'from', 'contact after approving')
    await expect_push(u1, j2, 'to', 'user after approval')
    await u1.expect(is_presence(j2, 'subscribed'), what='the approval')
    await u1.expect(is_presence(ctx.jid(1, 'r'), None, full=True), what="the contact's presence after approval")
    # and the other way round: both
    u2.presence_to(j1, 'subscribe')
    await expect_push(u2, j1, 'from+ask', 'contact after subscribing back')
    await u1.expect(is_presence(j2, 'subscribe'), what='the request back')
    u1.presence_to(j2, 'subscribed')
    await expect_push(u1, j2, 'both', 'user after approving back')
    await expect_push(u2, j1, 'both', 'contact after approval back')
    check(state(await ctx.roster_of(u1, 1)) == 'both', 'user roster is not both')
    check(state(await ctx.roster_of(u2, 0)) == 'both', 'contact roster is not both')


@scenario('subscribe-deny')
async def sc_sub_deny(ctx):
    await ctx.reset(0, 2)
    u1 = await ctx.login(0, 'r')
    u3 = await ctx.login(2, 'r')
    j1, j3 = ctx.jid(0), ctx.jid(2)
    u1.presence_to(j3, 'subscribe')
    await expect_push(u1, j3, 'none+ask', 'after subscribe')
    await u3.expect(is_presence(j1, 'subscribe'), what='the subscription request')
    u3.presence_to(j1, 'unsubscribed')
    await expect_push(u1, j3, 'none', 'user after the denial')
    await u1.expect(is_presence(j3, 'unsubscribed'), what='the denial')
    check(state(await ctx.roster_of(u1, 2)) == 'none', 'user roster after denial is not none')
    check(state(await ctx.roster_of(u3, 0)) in ('absent', 'none'), 'contact roster after denial')
    await u1.expect_none(is_presence(j3, None), 0.5, "the contact's presence after a denial")


async def both_ways(ctx, u1, u2):
    """Make U1 and U2 (accounts 0 and 1) subscribed both ways; consume the
    pushes and presences that brings, so that later ones are what they see."""
    await ctx.subscribe(0, u1, 1, u2)
    await ctx.subscribe(1, u2, 0, u1)
    for c in (u1, u2):
        await c.roster_items()  # a round trip: everything before it has arrived
        await asyncio.sleep(0.1)
        c.drop()


@scenario('unsubscribe')
async def sc_unsubscribe(ctx):
    await ctx.reset(0, 1)
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    j1, j2 = ctx.jid(0), ctx.jid(1)
    await both_ways(ctx, u1, u2)
    u1.presence_to(j2, 'unsubscribe')
    await expect_push(u1, j2, 'from', 'user after unsubscribe')
    await expect_push(u2, j1, 'to', 'contact after the unsubscribe')
    await u2.expect(is_presence(j1, 'unsubscribe'), what='the unsubscribe')
    if ctx.policy['unsubscribe_sends_unavailable']:
        await u1.expect(is_presence(ctx.jid(1, 'r'), 'unavailable', full=True),
                        what="the contact's unavailable (RFC 6121 3.3.3)")
    u2.send_presence(pstatus='after unsubscribe')  # no longer reaches u1
    await u1.expect_none(is_presence(j2, None), 0.5, "the contact's presence after unsubscribing")
    check(state(await ctx.roster_of(u1, 1)) == 'from', 'user roster after unsubscribe')
    check(state(await ctx.roster_of(u2, 0)) == 'to', 'contact roster after unsubscribe')


@scenario('unsubscribed-cancel')
async def sc_cancel(ctx):
    await ctx.reset(0, 1)
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    j1, j2 = ctx.jid(0), ctx.jid(1)
    await both_ways(ctx, u1, u2)
    u2.presence_to(j1, 'unsubscribed')  # u2 cancels u1's subscription to it
    await expect_push(u2, j1, 'to', 'contact after cancelling')
    await expect_push(u1, j2, 'from', 'user after the cancel')
    await u1.expect(is_presence(j2, 'unsubscribed'), what='the cancellation')
    await u1.expect(is_presence(ctx.jid(1, 'r'), 'unavailable', full=True),
                    what="the contact's unavailable (RFC 6121 3.2.3)")
    check(state(await ctx.roster_of(u1, 1)) == 'from', 'user roster after cancel')
    check(state(await ctx.roster_of(u2, 0)) == 'to', 'contact roster after cancel')


@scenario('subscribe-offline-pending')
async def sc_sub_pending(ctx):
    await ctx.reset(0, 2)
    u1 = await ctx.login(0, 'r')
    j1, j3 = ctx.jid(0), ctx.jid(2)
    u1.presence_to(j3, 'subscribe')  # the contact is offline
    await expect_push(u1, j3, 'none+ask', 'after subscribe')
    await u1.roster_items()
    u3 = await ctx.login(2, 'later')
    await u3.expect(is_presence(j1, 'subscribe'), what='the request kept while offline (RFC 6121 3.1.3)')
    u3.presence_to(j1, 'subscribed')
    await expect_push(u1, j3, 'to', 'user after the late approval')
    await u1.expect(is_presence(ctx.jid(2, 'later'), None, full=True), what="the contact's presence")
    await u3.logout()
    u3 = await ctx.login(2, 'again')
    await u3.expect_none(is_presence(j1, 'subscribe'), 0.5, 'an answered request again')


@scenario('roster-remove-cancels')
async def sc_remove_cancels(ctx):
    await ctx.reset(0, 1)
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    j1, j2 = ctx.jid(0), ctx.jid(1)
    await both_ways(ctx, u1, u2)
    await u1.roster_set(j2, remove=True)  # RFC 6121 2.5.2: cancels both ways
    await expect_push(u1, j2, 'remove', 'user after removing')
    # an unsubscribe and an unsubscribed: one push each, in either order
    el = await u2.expect(is_roster_push(j1), what='the roster push for the removal')
    if push_state(el) != 'none':
        await expect_push(u2, j1, 'none', 'contact after being removed')
    await u2.expect(is_presence(j1, 'unsubscribe'), what='the unsubscribe')
    await u2.expect(is_presence(j1, 'unsubscribed'), what='the unsubscribed')
    await u2.expect(is_presence(ctx.jid(0, 'r'), 'unavailable', full=True), what="the remover's unavailable")
    u1.send_presence(pstatus='after remove')
    await u2.expect_none(is_presence(j1, None), 0.5, 'presence from the removed contact')
    check(state(await ctx.roster_of(u2, 0)) == 'none', 'contact roster after the remove')


# --- presence --------------------------------------------------------------------------------
@scenario('presence-broadcast-probe-unavailable')
async def sc_presence(ctx):
    await ctx.reset(0, 1)
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    await both_ways(ctx, u1, u2)
    await u1.logout()
    u2.drop()
    u1 = await ctx.login(0, 'again', presence=False)
    u1.send_presence(pstatus='back', ppriority=3)
    el = await u1.expect(is_presence(ctx.jid(1, 'r'), None, full=True), what="the contact's presence (probe on login)")
    el = await u2.expect(is_presence(ctx.jid(0, 'again'), None, full=True), what='the broadcast of the login')
    st = el.find(q(NS_CLIENT, 'status'))
    check(st is not None and st.text == 'back', 'broadcast presence lost its status')
    u1.send_presence(pshow='away')
    el = await u2.expect(is_presence(ctx.jid(0, 'again'), None, full=True), what='the away presence')
    sh = el.find(q(NS_CLIENT, 'show'))
    check(sh is not None and sh.text == 'away', 'the change to away was not broadcast')
    await u1.logout()
    await u2.expect(is_presence(ctx.jid(0, 'again'), 'unavailable', full=True),
                    what='unavailable after the contact disconnected')


@scenario('directed-presence')
async def sc_directed(ctx):
    await ctx.reset(0, 2)
    u1 = await ctx.login(0, 'r')
    u3 = await ctx.login(2, 'r')
    u1.send_presence(pto=ctx.jid(2, 'r'), pstatus='just for you')
    el = await u3.expect(is_presence(ctx.jid(0, 'r'), None, full=True), what='the directed presence')
    st = el.find(q(NS_CLIENT, 'status'))
    check(st is not None and st.text == 'just for you', 'directed presence lost its status')
    u1.send_presence(pstatus='everyone')  # a broadcast does not reach a non-subscriber
    await u3.expect_none(is_presence(ctx.jid(0), None), 0.7, 'a broadcast from a non-contact')
    await u1.logout()
    await u3.expect(is_presence(ctx.jid(0, 'r'), 'unavailable', full=True),
                    what='unavailable from the sender of the directed presence (RFC 6121 4.6.3)')


# --- messages -----------------------------------------------------------------------------------
@scenario('message-full-jid')
async def sc_msg(ctx):
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    u1.send_message(mto=ctx.jid(1, 'r'), mbody=ctx.token, mtype='chat')
    el = await u2.expect(is_message(ctx.token), what='the message')
    check(el.get('from') == ctx.jid(0, 'r'), 'message from %s, want %s' % (el.get('from'), ctx.jid(0, 'r')))
    u2.send_message(mto=el.get('from'), mbody=ctx.token + '-reply', mtype='chat')
    await u1.expect(is_message(ctx.token + '-reply', ctx.jid(1, 'r')), what='the reply')


@scenario('message-bare-priority')
async def sc_bare(ctx):
    u1 = await ctx.login(0, 'r')
    hi = await ctx.login(1, 'hi', priority=5)
    hi2 = await ctx.login(1, 'hi2', priority=5)
    lo = await ctx.login(1, 'lo', priority=1)
    neg = await ctx.login(1, 'neg', priority=-1)
    u1.send_message(mto=ctx.jid(1), mbody=ctx.token, mtype='chat')
    await hi.expect(is_message(ctx.token), what='the message to the bare JID (priority 5)')
    await hi2.expect(is_message(ctx.token), what='the message to the bare JID (other priority 5)')
    if ctx.policy['bare_message_to'] == 'top-priority':
        await lo.expect_none(is_message(ctx.token), 0.5, 'the message (priority 1 < 5)')
    else:
        await lo.expect(is_message(ctx.token), what='the message (priority 1)')
    await neg.expect_none(is_message(ctx.token), 0.3, 'the message (negative priority)')


@scenario('message-offline-full-jid')
async def sc_offline_resource(ctx):
    u1 = await ctx.login(0, 'r')
    on = await ctx.login(1, 'online')
    u1.send_message(mto=ctx.jid(1, 'gone'), mbody=ctx.token, mtype='chat')
    if ctx.policy['offline_full_jid'] == 'as-bare':
        el = await on.expect(is_message(ctx.token), what='the message for an offline resource')
        check(el.get('to') in (ctx.jid(1, 'gone'), ctx.jid(1), ctx.jid(1, 'online')), 'to=%s' % el.get('to'))
    await u1.expect_none(lambda e: e.get('type') == 'error', 0.3, 'an error for it')


@scenario('offline-storage')
async def sc_offline(ctx):
    u1 = await ctx.login(0, 'r')
    u1.send_message(mto=ctx.jid(1), mbody=ctx.token + '-1', mtype='chat')
    u1.send_message(mto=ctx.jid(1), mbody=ctx.token + '-2', mtype='normal')
    # to a full JID while the account is offline: stored as if to the bare
    # JID (RFC 6121 8.5.3.2.1, chat and normal)
    u1.send_message(mto=ctx.jid(1, 'phone'), mbody=ctx.token + '-3', mtype='chat')
    await u1.roster_items()  # round trip: all are stored
    t0 = time.time()
    u2 = await ctx.login(1, 'later', priority=0)
    first = await u2.expect(is_message(ctx.token + '-1'), what='the first offline message')
    second = await u2.expect(is_message(ctx.token + '-2'), what='the second offline message')
    third = await u2.expect(is_message(ctx.token + '-3'), what='the offline message to a full JID')
    for el in (first, second, third):
        check(el.get('from') == ctx.jid(0, 'r'), 'offline message from %s' % el.get('from'))
        d = el.find('{urn:xmpp:delay}delay')
        check(d is not None and d.get('stamp'), 'offline message without a XEP-0203 delay stamp')
        stamp = time.mktime(time.strptime(d.get('stamp')[:19], '%Y-%m-%dT%H:%M:%S')) - time.timezone
        check(abs(stamp - t0) < 30, 'delay stamp %s is not the sending time' % d.get('stamp'))
    # delivered once: a second login does not get them again
    await u2.logout()
    u2 = await ctx.login(1, 'again', priority=0)
    await u2.expect_none(is_message(ctx.token + '-1'), 0.5, 'the offline message a second time')


@scenario('carbons')
async def sc_carbons(ctx):
    a = await ctx.login(0, 'a')
    b = await ctx.login(0, 'b')
    c = await ctx.login(0, 'nocarbons')
    u2 = await ctx.login(1, 'r')
    for x in (a, b):
        await x.iq('set', "<enable xmlns='urn:xmpp:carbons:2'/>")
    u2.send_message(mto=ctx.jid(0, 'a'), mbody=ctx.token + '-in', mtype='chat')
    await a.expect(is_message(ctx.token + '-in'), what='the message itself')

    def carbon(kind, body):
        def pred(el):
            f = el.find('{urn:xmpp:carbons:2}%s/{urn:xmpp:forward:0}forwarded/{jabber:client}message' % kind)
            return (f is not None and el.get('from') == ctx.jid(0) and
                    f.findtext('{jabber:client}body') == body)
        return pred
    await b.expect(carbon('received', ctx.token + '-in'), what='the received carbon')
    a.send_message(mto=ctx.jid(1, 'r'), mbody=ctx.token + '-out', mtype='chat')
    await u2.expect(is_message(ctx.token + '-out'), what='the sent message')
    await b.expect(carbon('sent', ctx.token + '-out'), what='the sent carbon')
    await c.expect_none(lambda el: el.find('{urn:xmpp:carbons:2}received') is not None or
                        el.find('{urn:xmpp:carbons:2}sent') is not None, 0.3,
                        'a carbon without enabling carbons')
    await a.expect_none(carbon('sent', ctx.token + '-out'), 0.1, 'a carbon of its own message')


# --- XEP-0198 ---------------------------------------------------------------------------------------
def inbound(r):
    """How many stanzas R has received since </enable> (XEP-0198 h)."""
    return sum(1 for el in r.seen if el.tag.split('}')[0][1:] == NS_CLIENT) - r.seen_before_enable


@scenario('stream-management-resume')
async def sc_sm(ctx):
    u2 = await ctx.login(1, 'r')
    r = ctx.raw()
    user = ctx.s.accounts[0]
    await r.login(user, ctx.s.password)
    check(r.features.find(q(NS_SM, 'sm')) is not None, 'no XEP-0198 stream feature after auth')
    full = await r.bind('sm')
    r.seen_before_enable = len([el for el in r.seen if el.tag.split('}')[0][1:] == NS_CLIENT])
    r.send("<enable xmlns='%s' resume='true'/>" % NS_SM)
    en = await r.next(5, lambda el: el.tag in (q(NS_SM, 'enabled'), q(NS_SM, 'failed')))
    check(en is not None and en.tag == q(NS_SM, 'enabled'), 'enable: %s' % show(en))
    check(en.get('resume') in ('true', '1') and en.get('id'), 'resumption not offered: %s' % show(en))
    r.send("<presence/>")  # available: messages to the bare JID come here too
    r.send("<message to='%s' type='chat'><body>%s-up</body></message>" % (ctx.jid(1, 'r'), ctx.token))
    await u2.expect(is_message(ctx.token + '-up'), what='the message sent before the cut')
    tok = ctx.token
    u2.send_message(mto=full, mbody=tok + '-1', mtype='chat')
    got = await r.next(5, lambda el: el.tag == q(NS_CLIENT, 'message'))
    check(got is not None and got.findtext(q(NS_CLIENT, 'body')) == tok + '-1', 'first message not received')
    r.send("<a xmlns='%s' h='%d'/><r xmlns='%s'/>" % (NS_SM, inbound(r), NS_SM))
    a = await r.next(5, lambda el: el.tag == q(NS_SM, 'a'))
    check(a is not None and a.get('h') == '2', 'server acked h=%s, want 2 (presence, message)'
          % (a.get('h') if a is not None else None))
    acked = inbound(r)
    u2.send_message(mto=full, mbody=tok + '-2', mtype='chat')  # received but never acked
    got = await r.next(5, lambda el: el.tag == q(NS_CLIENT, 'message'))
    check(got is not None and got.findtext(q(NS_CLIENT, 'body')) == tok + '-2', 'second message not received')
    r.kill()
    await asyncio.sleep(0.3)
    u2.send_message(mto=full, mbody=tok + '-3', mtype='chat')  # while the session sleeps
    u2.send_message(mto=ctx.jid(0), mbody=tok + '-4', mtype='chat')
    await u2.roster_items()
    await u2.expect_none(lambda el: el.get('type') == 'error', 0.3, 'an error while the session sleeps')
    r2 = ctx.raw()
    await r2.login(user, ctx.s.password)
    r2.send("<resume xmlns='%s' previd='%s' h='%d'/>" % (NS_SM, en.get('id'), acked))
    res = await r2.next(5, lambda el: el.tag in (q(NS_SM, 'resumed'), q(NS_SM, 'failed')))
    check(res is not None and res.tag == q(NS_SM, 'resumed'), 'resume: %s' % show(res))
    check(res.get('h') == '2', 'resumed h=%s, want 2 (our presence and message)' % res.get('h'))
    bodies = []
    for _ in range(3):
        m = await r2.next(5, lambda el: el.tag == q(NS_CLIENT, 'message'))
        if m is None:
            break
        bodies.append(m.findtext(q(NS_CLIENT, 'body')))
    check(bodies == [tok + '-2', tok + '-3', tok + '-4'],
          'after resumption got %s, want the unacked, then the two sent while away' % bodies)
    r2.send("<message to='%s' type='chat'><body>%s-after</body></message>" % (ctx.jid(1, 'r'), tok))
    await u2.expect(is_message(tok + '-after', full), what='a message on the resumed session, from the same full JID')


# --- server features ------------------------------------------------------------------------------
MAM_FORM = ("<query xmlns='urn:xmpp:mam:2' queryid='%s'><x xmlns='jabber:x:data' type='submit'>"
            "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
            "<field var='with'><value>%s</value></field></x>"
            "<set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set></query>")


async def mam_bodies(c, qid, with_jid):
    res = await c.iq('set', MAM_FORM % (qid, with_jid))
    fin = res.find('{urn:xmpp:mam:2}fin')
    check(fin is not None, 'the MAM query result has no <fin/>')
    out = []
    for el in list(c.inbox):
        r = el.find('{urn:xmpp:mam:2}result')
        if r is not None and r.get('queryid') == qid:
            m = r.find('{urn:xmpp:forward:0}forwarded/{jabber:client}message')
            check(r.find('{urn:xmpp:forward:0}forwarded/{urn:xmpp:delay}delay') is not None, 'MAM result without delay')
            out.append(m.findtext('{jabber:client}body'))
            c.inbox.remove(el)
    return out


@scenario('mam-query')
async def sc_mam(ctx):
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    u1.send_message(mto=ctx.jid(1, 'r'), mbody=ctx.token + '-1', mtype='chat')
    await u2.expect(is_message(ctx.token + '-1'))
    u2.send_message(mto=ctx.jid(0, 'r'), mbody=ctx.token + '-2', mtype='chat')
    await u1.expect(is_message(ctx.token + '-2'))
    want = [ctx.token + '-1', ctx.token + '-2']
    got = [b for b in await mam_bodies(u1, 'q1', ctx.jid(1)) if b and b.startswith(ctx.token)]
    check(got == want, "the sender's archive has %s, want %s" % (got, want))
    got = [b for b in await mam_bodies(u2, 'q2', ctx.jid(0)) if b and b.startswith(ctx.token)]
    check(got == want, "the recipient's archive has %s, want %s" % (got, want))


@scenario('blocking')
async def sc_blocking(ctx):
    await ctx.reset(0)
    u1 = await ctx.login(0, 'r')
    other = await ctx.login(0, 'other')
    u3 = await ctx.login(2, 'r')
    await other.iq('get', "<blocklist xmlns='urn:xmpp:blocking'/>")  # asks for pushes
    j3 = ctx.jid(2)
    await u1.iq('set', "<block xmlns='urn:xmpp:blocking'><item jid='%s'/></block>" % j3)
    await other.expect(lambda el: el.find("{urn:xmpp:blocking}block/{urn:xmpp:blocking}item[@jid='%s']" % j3)
                       is not None, what='the block push')
    res = await u1.iq('get', "<blocklist xmlns='urn:xmpp:blocking'/>")
    check([i.get('jid') for i in res.iter('{urn:xmpp:blocking}item')] == [j3], 'blocklist is not [%s]' % j3)
    for to, key in ((ctx.jid(0), 'blocked_inbound_bare'), (ctx.jid(0, 'r'), 'blocked_inbound_full')):
        body = '%s-blocked-%s' % (ctx.token, key)
        u3.send_message(mto=to, mbody=body, mtype='chat')
        want = ctx.policy[key]
        if want == 'drop':
            await u3.expect_none(lambda el: el.get('type') == 'error', 0.5, 'an error for a message to %s' % to)
        else:
            err = await u3.expect(lambda el: el.get('type') == 'error',
                                  what='an error for the blocked message to %s' % to)
            check(err.find('{jabber:client}error/{%s}%s' % (NS_STANZAS, want)) is not None,
                  'blocked contact got %s, want %s' % (show(err), want))
        for c in (u1, other):
            await c.expect_none(is_message(body), 0.1, "a blocked contact's message")
    u1.send_message(mto=ctx.jid(2, 'r'), mbody=ctx.token + '-out', mtype='chat')
    err = await u1.expect(lambda el: el.get('type') == 'error', what='an error for a message to a blocked contact')
    want = ctx.policy['blocked_outbound_error']
    check(err.find('{jabber:client}error/{%s}%s' % (NS_STANZAS, want)) is not None,
          'message to blocked got %s, want %s' % (show(err), want))
    await u3.expect_none(is_message(ctx.token + '-out'), 0.1, 'a message from the one who blocked')
    await u1.iq('set', "<unblock xmlns='urn:xmpp:blocking'><item jid='%s'/></unblock>" % j3)
    u3.send_message(mto=ctx.jid(0, 'r'), mbody=ctx.token + '-ok', mtype='chat')
    await u1.expect(is_message(ctx.token + '-ok'), what='a message after unblocking')


@scenario('blocking-presence')
async def sc_blocking_presence(ctx):
    """XEP-0191 3.3: blocking a contact ends presence both ways (unavailable
    from each of the user's resources first); unblocking brings it back."""
    await ctx.reset(0, 1)
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    j1, j2 = ctx.jid(0), ctx.jid(1)
    await both_ways(ctx, u1, u2)
    await u1.iq('set', "<block xmlns='urn:xmpp:blocking'><item jid='%s'/></block>" % j2)
    await u2.expect(is_presence(ctx.jid(0, 'r'), 'unavailable', full=True),
                    what="the blocker's unavailable (XEP-0191 3.3)")
    u1.send_presence(pstatus='while blocking')
    await u2.expect_none(is_presence(j1, None), 0.5, "the blocker's presence change")
    u2.send_presence(pstatus='blocked')
    await u1.expect_none(is_presence(j2, None), 0.5, "the blocked contact's presence change")
    late = await ctx.login(0, 'late')  # initial presence: broadcast and probes
    await late.expect_none(is_presence(j2, None), 0.5, "the blocked contact's presence (probe)")
    await u2.expect_none(is_presence(j1, None), 0.1, "the blocker's initial presence")
    await late.logout()
    await u2.expect_none(is_presence(j1, 'unavailable'), 0.5, "the blocker's unavailable on logout")
    await u1.iq('set', "<unblock xmlns='urn:xmpp:blocking'><item jid='%s'/></unblock>" % j2)
    el = await u2.expect(is_presence(ctx.jid(0, 'r'), None, full=True),
                         what="the blocker's presence after unblocking")
    st = el.find(q(NS_CLIENT, 'status'))
    check(st is not None and st.text == 'while blocking', 'presence after unblocking lost its status')
    u2.send_presence(pstatus='unblocked')
    el = await u1.expect(is_presence(ctx.jid(1, 'r'), None, full=True),
                         what="the contact's presence change after unblocking")
    st = el.find(q(NS_CLIENT, 'status'))
    check(st is not None and st.text == 'unblocked', "the contact's presence lost its status")


@scenario('vcard-temp')
async def sc_vcard(ctx):
    u1 = await ctx.login(0, 'r')
    u2 = await ctx.login(1, 'r')
    fn = 'User One ' + ctx.token
    await u1.iq('set', "<vCard xmlns='vcard-temp'><FN>%s</FN><NICKNAME>one</NICKNAME></vCard>" % fn)
    res = await u1.iq('get', "<vCard xmlns='vcard-temp'/>")
    got = res.findtext('{vcard-temp}vCard/{vcard-temp}FN')
    check(got == fn, 'own vCard FN is %r' % got)
    res = await u2.iq('get', "<vCard xmlns='vcard-temp'/>", to=ctx.jid(0))
    got = res.findtext('{vcard-temp}vCard/{vcard-temp}FN')
    check(got == fn, 'another user sees FN %r' % got)
    check(res.findtext('{vcard-temp}vCard/{vcard-temp}NICKNAME') == 'one', 'NICKNAME lost')


@scenario('disco-info')
async def sc_disco(ctx):
    u1 = await ctx.login(0, 'r', presence=False)
    res = await u1.iq('get', "<query xmlns='http://jabber.org/protocol/disco#info'/>", to=ctx.s.domain)
    query = res.find('{http://jabber.org/protocol/disco#info}query')
    ids = [(i.get('category'), i.get('type')) for i in query.findall('{http://jabber.org/protocol/disco#info}identity')]
    check(('server', 'im') in ids, 'server identity is %s, want server/im' % ids)
    feats = {f.get('var') for f in query.findall('{http://jabber.org/protocol/disco#info}feature')}
    for f in ('http://jabber.org/protocol/disco#info', 'urn:xmpp:ping', 'jabber:iq:version',
              'urn:xmpp:carbons:2', 'urn:xmpp:blocking', 'vcard-temp'):
        check(f in feats, 'the server does not advertise %s' % f)
    res = await u1.iq('get', "<query xmlns='http://jabber.org/protocol/disco#info'/>", to=ctx.jid(0))
    feats = {f.get('var') for f in res.iter('{http://jabber.org/protocol/disco#info}feature')}
    check('urn:xmpp:mam:2' in feats, "the account does not advertise urn:xmpp:mam:2")
    try:
        await u1.iq('get', "<query xmlns='urn:example:unknown'/>", to=ctx.s.domain)
    except Failed as e:
        check(getattr(e, 'condition', None) in ('service-unavailable', 'feature-not-implemented'),
              'an unknown IQ got %s' % e)
    else:
        raise Failed('an unknown IQ got a result')


NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info'
NS_CAPS = 'http://jabber.org/protocol/caps'
NS_DATA = 'jabber:x:data'


def caps_ver(query):
    """XEP-0115 5.1: the SHA-1 verification string of a disco#info <query/>
    (identities, features, then XEP-0128 forms by FORM_TYPE); Python sorts
    str by code point, the same order as UTF-8 bytes ("i;octet")."""
    ids = sorted('%s/%s/%s/%s<' % (i.get('category'), i.get('type'),
                                   i.get('{http://www.w3.org/XML/1998/namespace}lang') or '', i.get('name') or '')
                 for i in query.findall(q(NS_DISCO_INFO, 'identity')))
    feats = sorted(f.get('var') + '<' for f in query.findall(q(NS_DISCO_INFO, 'feature')))
    forms = []
    for x in query.findall(q(NS_DATA, 'x')):
        fields = {f.get('var'): sorted(v.text or '' for v in f.findall(q(NS_DATA, 'value')))
                  for f in x.findall(q(NS_DATA, 'field'))}
        form_type = fields.pop('FORM_TYPE', None)
        if form_type:
            forms.append(form_type[0] + '<' + ''.join(var + '<' + ''.join(v + '<' for v in vals)
                                                      for var, vals in sorted(fields.items())))
    s = ''.join(ids + feats + sorted(forms))
    return base64.b64encode(hashlib.sha1(s.encode()).digest()).decode()


# XEP-0115 5.2, so that a wrong caps_ver() cannot pass against a server sharing its mistake
assert caps_ver(ET.fromstring(
    "<query xmlns='%s'><identity category='client' type='pc' name='Exodus 0.9.1'/>"
    "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>"
    "</query>" % NS_DISCO_INFO)) == 'QgayPKawpkPSDYmwT/WM94uAlu0='


@scenario('server-caps')
async def sc_server_caps(ctx):
    r = ctx.raw()
    await r.login(ctx.s.accounts[0], 'caps')
    c = r.features.find(q(NS_CAPS, 'c'))
    await r.close()
    u1 = await ctx.login(0, 'r', presence=False)
    res = await u1.iq('get', "<query xmlns='%s'/>" % NS_DISCO_INFO, to=ctx.s.domain)
    ver = caps_ver(res.find(q(NS_DISCO_INFO, 'query')))
    if not ctx.policy['server_caps_in_features']:
        check(c is None, 'caps in the stream features, but POLICY says there are none')
        return
    check(c is not None, 'no XEP-0115 <c/> in the stream features after authentication')
    check(c.get('hash') == 'sha-1' and c.get('node'), 'caps without sha-1 or node: %s' % show(c))
    check(c.get('ver') == ver, "the caps ver %s is not the server's disco#info (%s)" % (c.get('ver'), ver))
    node = '%s#%s' % (c.get('node'), c.get('ver'))
    res = await u1.iq('get', "<query xmlns='%s' node='%s'/>" % (NS_DISCO_INFO, node), to=ctx.s.domain)
    query = res.find(q(NS_DISCO_INFO, 'query'))
    check(query.get('node') == node, 'disco#info on %s answered for node %s' % (node, query.get('node')))
    check(caps_ver(query) == ver, 'disco#info on %s is not the set the ver was computed from' % node)


@scenario('ping')
async def sc_ping(ctx):
    u1 = await ctx.login(0, 'r', presence=False)
    res = await u1.iq('get', "<ping xmlns='urn:xmpp:ping'/>", to=ctx.s.domain)
    check(res.get('type') == 'result' and res.get('from') == ctx.s.domain, 'ping answer from %s' % res.get('from'))


@scenario('version')
async def sc_version(ctx):
    u1 = await ctx.login(0, 'r', presence=False)
    res = await u1.iq('get', "<query xmlns='jabber:iq:version'/>", to=ctx.s.domain)
    name = res.findtext('{jabber:iq:version}query/{jabber:iq:version}name')
    ver = res.findtext('{jabber:iq:version}query/{jabber:iq:version}version')
    check(name and ver, 'version answer: name %r version %r' % (name, ver))


# --- hostile ---------------------------------------------------------------------------------------
def stream_condition(r):
    if r.stream_error is None:
        return None
    for child in r.stream_error:
        if child.tag.startswith('{%s}' % NS_STREAMS) and not child.tag.endswith('}text'):
            return child.tag.split('}')[1]
    return '?'


@scenario('hostile-stanza-before-auth')
async def sc_before_auth(ctx):
    u2 = await ctx.login(1, 'r')
    r = ctx.raw()
    await r.connect()
    await r.open()
    await r.starttls()
    r.send("<message to='%s' type='chat'><body>%s</body></message>" % (ctx.jid(1, 'r'), ctx.token))
    r.send("<iq type='get' id='x1'><query xmlns='jabber:iq:roster'/></iq>")
    kind, want = ctx.policy['before_auth'].split(':')
    if kind == 'stream-error':
        check(await r.wait_closed(5), 'the server kept the unauthenticated stream open')
        check(stream_condition(r) == want, 'stream error %s, want %s' % (stream_condition(r), want))
    else:
        for tag in ('message', 'iq'):
            el = await r.next(5, lambda e: e.tag == q(NS_CLIENT, tag))
            check(el is not None, 'no answer to a %s before auth' % tag)
            check(el.get('type') == 'error' and el.find('{jabber:client}error/{%s}%s' % (NS_STANZAS, want)) is not None,
                  'a %s before auth got %s, want a %s error' % (tag, show(el), want))
        check(r.features.find('{%s}mechanisms' % NS_SASL) is not None, 'no SASL offered any more')
    await u2.expect_none(is_message(ctx.token), 0.3, 'a message sent before auth')


def sasl_condition(el):
    if el is None:
        return 'no answer'
    if el.tag == q(NS_SASL, 'success'):
        return 'success'
    return ','.join(c.tag.split('}')[1] for c in el
                    if c.tag.startswith('{%s}' % NS_SASL) and not c.tag.endswith('}text')) or el.tag


@scenario('hostile-sasl')
async def sc_sasl(ctx):
    user, pw = ctx.s.accounts[0], ctx.s.password
    r = ctx.raw()
    await r.connect()
    feats = await r.open()
    check(feats.find('{%s}mechanisms' % NS_SASL) is None, 'SASL mechanisms offered before TLS')
    tok = base64.b64encode(('\0%s\0%s' % (user, pw)).encode()).decode()
    r.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, tok))
    got = sasl_condition(await r.next())
    check(got == 'encryption-required', 'PLAIN before TLS: %s, want encryption-required' % got)
    r = ctx.raw()
    await r.connect()
    await r.open()
    await r.starttls()
    offered = [m.text for m in r.features.iter('{%s}mechanism' % NS_SASL)]
    for mech in ('X-UNOFFERED', 'DIGEST-MD5', 'CRAM-MD5', 'ANONYMOUS'):
        if mech in offered:
            continue
        r.send("<auth xmlns='%s' mechanism='%s'>AA==</auth>" % (NS_SASL, mech))
        got = sasl_condition(await r.next())
        check(got == 'invalid-mechanism', 'unoffered %s: %s, want invalid-mechanism' % (mech, got))
    got = sasl_condition(await r.scram(user, pw, tamper='proof'))
    check(got == 'not-authorized', 'SCRAM with a wrong proof: %s, want not-authorized' % got)
    # a nonce that is not the one the server just gave (as when replaying an
    # old client-final message): the proof is right for it, still refused
    old_nonce = r.last_scram_nonce
    got = sasl_condition(await r.scram(user, pw, tamper=lambda m, n: m.replace(n, old_nonce)))
    want = ctx.policy['scram_wrong_nonce']
    check(got == want, 'SCRAM with a replayed nonce: %s, want %s' % (got, want))
    got = sasl_condition(await r.scram(user, pw))
    check(got == 'success', 'a correct SCRAM after the failures: %s' % got)


@scenario('hostile-spoofed-from')
async def sc_spoof(ctx):
    u2 = await ctx.login(1, 'r')
    r = ctx.raw()
    await r.login(ctx.s.accounts[2], ctx.s.password)
    me = await r.bind('spoofer')
    r.send("<message from='%s' to='%s' type='chat'><body>%s</body></message>"
           % (ctx.jid(0, 'fake'), ctx.jid(1, 'r'), ctx.token))
    if ctx.policy['spoofed_from'] == 'overwrite':
        el = await u2.expect(is_message(ctx.token), what='the message with a spoofed from')
        check(el.get('from') == me, 'message arrived from %s, want the real sender %s' % (el.get('from'), me))
    else:
        check(await r.wait_closed(5), 'spoofed from: stream not closed')
        check(stream_condition(r) == 'invalid-from', 'stream error %s' % stream_condition(r))
        await u2.expect_none(is_message(ctx.token), 0.3, 'the spoofed message')


@scenario('hostile-oversized')
async def sc_oversized(ctx):
    u2 = await ctx.login(1, 'r')
    want = ctx.policy['oversized']
    r = ctx.raw()
    await r.connect()
    await r.open()
    await r.starttls()
    small = ctx.policy['oversized_before_auth_bytes']
    r.send("<message to='%s'><body>%s</body></message>" % (ctx.jid(1, 'r'), 'x' * small))
    check(await r.wait_closed(5), 'a %d-byte stanza before auth left the stream open' % small)
    check(stream_condition(r) == want, 'before auth: stream error %s, want %s' % (stream_condition(r), want))
    r = ctx.raw()
    await r.login(ctx.s.accounts[0], ctx.s.password)
    await r.bind('big')
    big = ctx.policy['oversized_after_auth_bytes']
    try:
        r.send("<message to='%s' type='chat'><body>%s%s</body></message>" % (ctx.jid(1, 'r'), ctx.token, 'x' * big))
        await r.writer.drain()
    except (ConnectionError, OSError):
        pass
    check(await r.wait_closed(5), 'a %d-byte stanza after auth left the stream open' % big)
    check(stream_condition(r) == want, 'after auth: stream error %s, want %s' % (stream_condition(r), want))
    await u2.expect_none(lambda el: (el.findtext(q(NS_CLIENT, 'body')) or '').startswith(ctx.token), 0.3,
                         'the oversized message')
    # a normal-sized one from a new connection still goes through
    c = await ctx.login(0, 'after')
    c.send_message(mto=ctx.jid(1, 'r'), mbody=ctx.token + '-small', mtype='chat')
    await u2.expect(is_message(ctx.token + '-small'), what='a normal message after the oversized one')


# --- runner ----------------------------------------------------------------------------------------
async def run(args, server, policy):
    chosen = [(n, f, needs) for n, f, needs in SCENARIOS
              if (not args.only or n in args.only) and n not in args.skip]
    print('1..%d' % len(chosen), flush=True)
    failed = 0
    for i, (name, fn, needs) in enumerate(chosen, 1):
        if needs and not getattr(server, needs):
            print('ok %d - %s # SKIP no --%s given' % (i, name, needs.replace('_', '-')), flush=True)
            continue
        ctx = Ctx(server, policy, name)
        t0 = time.monotonic()
        err = None
        try:
            await asyncio.wait_for(fn(ctx), args.timeout)
        except asyncio.TimeoutError:
            err = 'timed out after %ss' % args.timeout
        except Failed as e:
            err = str(e)
        except Exception:
            err = traceback.format_exc()
        try:
            await asyncio.wait_for(ctx.close(), 5)
        except Exception:
            pass
        dt = time.monotonic() - t0
        if err is None:
            print('ok %d - %s (%.1fs)' % (i, name, dt), flush=True)
        else:
            failed += 1
            print('not ok %d - %s (%.1fs)' % (i, name, dt), flush=True)
            for line in err.rstrip().splitlines():
                print('# ' + line, flush=True)
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=5222)
    ap.add_argument('--direct-tls-port', type=int)
    ap.add_argument('--domain', required=True)
    ap.add_argument('--password', required=True)
    ap.add_argument('--accounts', required=True, help='three account names: user1,user2,user3')
    ap.add_argument('--cafile', help='verify the server certificate against this file')
    ap.add_argument('--server', default='prosody', help='policy column: ' + ', '.join(POLICY))
    ap.add_argument('--only', default='')
    ap.add_argument('--skip', default='')
    ap.add_argument('--timeout', type=float, default=20, help='per scenario, seconds')
    ap.add_argument('--list', action='store_true', help='print the scenario names')
    ap.add_argument('--debug', action='store_true', help='slixmpp debug log on stderr')
    args = ap.parse_args()
    if args.list:
        print('\n'.join(n for n, _, _ in SCENARIOS))
        return 0
    args.only = [n for n in args.only.split(',') if n]
    args.skip = [n for n in args.skip.split(',') if n]
    known = {n for n, _, _ in SCENARIOS}
    for n in args.only + args.skip:
        if n not in known:
            ap.error('unknown scenario %s (see --list)' % n)
    accounts = args.accounts.split(',')
    if len(accounts) != 3:
        ap.error('--accounts needs three names')
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.CRITICAL, stream=sys.stderr)
    server = Server(args.host, args.port, args.domain, args.password, accounts,
                    args.direct_tls_port, args.cafile)
    policy = POLICY.get(args.server, POLICY['prosody'])
    failed = asyncio.run(run(args, server, policy))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-im-extra.py - what gw-im.sh checks beyond xmpp_scenarios.py, on a
# gw-harness started with --store and --offline-cap 2; prints TAP.
#
#   gw-im-extra.py PORT CAFILE
import asyncio
import os
import random
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xmpp_client import NS_CLIENT, NS_STANZAS, Client, Failed, Server, is_message  # noqa: E402

NS_CARBONS = 'urn:xmpp:carbons:2'
NS_MAM = 'urn:xmpp:mam:2'
NS_RSM = 'http://jabber.org/protocol/rsm'
NS_SID = 'urn:xmpp:sid:0'
NS_INFO = 'http://jabber.org/protocol/disco#info'




PLAN = 9


def ok(n, cond, what, detail=''):
    """One TAP line; DETAIL goes below a failure as a comment."""
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, what), flush=True)
    if not cond and detail:
        print('# ' + str(detail), flush=True)
    return cond


async def offline_cap(srv, token):
    """Two messages fit in user3's queue; the third bounces with
    service-unavailable (as Prosody and ejabberd do), and only the two come."""
    u1 = await Client(srv, srv.jid(0, 'cap')).login()
    for i in (1, 2, 3):
        u1.send_message(mto=srv.jid(2), mbody='%s-%d' % (token, i), mtype='chat')
    try:
        err = await u1.expect(lambda el: el.get('type') == 'error', what='the bounce of the third')
    except Failed:
        err = None
    cond = '{%s}error/{%s}service-unavailable' % (NS_CLIENT, NS_STANZAS)
    good = ok(1, err is not None and err.find(cond) is not None
              and err.findtext('{%s}body' % NS_CLIENT) in (None, token + '-3'),
              'a message over the offline cap bounces with service-unavailable')
    u3 = await Client(srv, srv.jid(2, 'later')).login()
    got = []
    for i in (1, 2):
        try:
            el = await u3.expect(is_message(), what='offline message %d' % i)
            got.append(el.findtext('{%s}body' % NS_CLIENT))
        except Failed:
            break
    try:
        await u3.expect_none(is_message(token + '-3'), 0.5, 'the bounced message')
        third = False
    except Failed:
        third = True
    good &= ok(2, got == [token + '-1', token + '-2'] and not third,
               'the queue holds what fitted, in order', 'got %s' % got)
    await asyncio.gather(u1.logout(), u3.logout())
    return good


async def error_of(coro):
    try:
        await coro
    except Failed as e:
        return getattr(e, 'condition', str(e))
    return 'a result'


async def carbons_private(srv, token):
    """<private/> (XEP-0280 7): no copies either way, and the recipient gets
    the message without it."""
    a = await Client(srv, srv.jid(0, 'a')).login()
    b = await Client(srv, srv.jid(0, 'b')).login()
    u2 = await Client(srv, srv.jid(1, 'p')).login()
    for x in (a, b):
        await x.iq('set', "<enable xmlns='%s'/>" % NS_CARBONS)
    u2.send_raw("<message to='%s' type='chat'><body>%s-in</body><private xmlns='%s'/></message>"
                % (srv.jid(0, 'a'), token, NS_CARBONS))
    got = await a.expect(is_message(token + '-in'), what='the private message')
    a.send_raw("<message to='%s' type='chat'><body>%s-out</body><private xmlns='%s'/></message>"
               % (srv.jid(1, 'p'), token, NS_CARBONS))
    await u2.expect(is_message(token + '-out'), what='the private reply')
    try:
        await b.expect_none(lambda el: el.find('{%s}received' % NS_CARBONS) is not None
                            or el.find('{%s}sent' % NS_CARBONS) is not None,
                            0.5, 'a carbon of a private message')
        copied = False
    except Failed:
        copied = True
    good = ok(3, not copied and got.find('{%s}private' % NS_CARBONS) is None,
              'private messages are not copied, and <private/> is removed on delivery')
    await asyncio.gather(a.logout(), b.logout(), u2.logout())
    return good


async def carbons_to_self(srv, token):
    """A chat from one of one's resources to another: the addressee gets it,
    each other carbons-enabled resource one copy (received), the sender none."""
    cs = [await Client(srv, srv.jid(0, r)).login() for r in ('s1', 's2', 's3')]
    for x in cs:
        await x.iq('set', "<enable xmlns='%s'/>" % NS_CARBONS)
    cs[0].send_message(mto=srv.jid(0, 's2'), mbody=token, mtype='chat')
    await cs[1].expect(is_message(token), what='the message to oneself')
    await asyncio.sleep(0.5)

    def copies(c):
        return [el for el in c.inbox if el.find('{%s}received' % NS_CARBONS) is not None
                or el.find('{%s}sent' % NS_CARBONS) is not None]
    got = [[el.find('*').tag.split('}')[1] for el in copies(c)] for c in cs]
    good = ok(4, got == [[], [], ['received']],
              "one's message to oneself: one received copy for the third resource only", got)
    await asyncio.gather(*(c.logout() for c in cs))
    return good


async def mam_details(srv, token):
    """XEP-0359 stanza-id (a forged one dropped), RSM paging with <fin/>,
    errors, prefs, and the feature on the account's bare JID."""
    u1 = await Client(srv, srv.jid(0, 'm')).login()
    u2 = await Client(srv, srv.jid(1, 'm')).login()
    ids = []
    for i in (1, 2, 3):
        u1.send_raw("<message to='%s' type='chat'><body>%s-%d</body>"
                    "<stanza-id xmlns='%s' by='%s' id='forged'/></message>"
                    % (srv.jid(1, 'm'), token, i, NS_SID, srv.jid(1)))
        el = await u2.expect(is_message('%s-%d' % (token, i)), what='message %d' % i)
        sids = [x for x in el.findall('{%s}stanza-id' % NS_SID) if x.get('by') == srv.jid(1)]
        ids.append(sids[0].get('id') if len(sids) == 1 else None)
    good = ok(5, None not in ids and 'forged' not in ids,
              "the recipient gets one stanza-id by its bare JID, not the forged one", ids)

    async def page(qid, rsm):
        res = await u2.iq('set', "<query xmlns='%s' queryid='%s'><x xmlns='jabber:x:data' type='submit'>"
                          "<field var='with'><value>%s</value></field></x>"
                          "<set xmlns='%s'>%s</set></query>" % (NS_MAM, qid, srv.jid(0), NS_RSM, rsm))
        fin = res.find('{%s}fin' % NS_MAM)
        got = []
        for el in list(u2.inbox):
            r = el.find('{%s}result' % NS_MAM)
            if r is not None and r.get('queryid') == qid:
                got.append(r.get('id'))
                u2.inbox.remove(el)
        return got, fin
    last3, fin = await page('p1', '<max>2</max><before/>')
    good &= ok(6, last3 == ids[1:] and fin.get('complete') not in ('true', '1')
               and fin.findtext('{%s}set/{%s}first' % (NS_RSM, NS_RSM)) == ids[1]
               and fin.findtext('{%s}set/{%s}last' % (NS_RSM, NS_RSM)) == ids[2],
               'the last page of two: ids match the stanza-ids, first/last, not complete',
               'page %s, stanza-ids %s, %s' % (last3, ids, ET.tostring(fin)[:300]))
    after, fin = await page('p2', '<max>5</max><after>%s</after>' % ids[1])
    good &= ok(7, after == ids[2:] and fin.get('complete') in ('true', '1'),
               'the page after the second: the third, complete', after)
    conds = (await error_of(page('p3', '<after>no-such-id</after>')),
             await error_of(u2.iq('set', "<query xmlns='%s'><x xmlns='jabber:x:data' type='submit'>"
                                  "<field var='colour'><value>red</value></field></x></query>" % NS_MAM)))
    good &= ok(8, conds == ('item-not-found', 'bad-request'),
               'an unknown after id and an unknown field are refused', conds)
    prefs = (await u2.iq('get', "<prefs xmlns='%s'/>" % NS_MAM)).find('{%s}prefs' % NS_MAM)
    info = await u2.iq('get', "<query xmlns='%s'/>" % NS_INFO, to=srv.jid(1))
    feats = {f.get('var') for f in info.iter('{%s}feature' % NS_INFO)}
    server = await u2.iq('get', "<query xmlns='%s'/>" % NS_INFO, to=srv.domain)
    sfeats = {f.get('var') for f in server.iter('{%s}feature' % NS_INFO)}
    good &= ok(9, prefs is not None and prefs.get('default') == 'always' and NS_MAM in feats
               and {'msgoffline', NS_CARBONS} <= sfeats,
               'prefs say always; the account advertises MAM, the server offline storage and carbons')
    await asyncio.gather(u1.logout(), u2.logout())
    return good


async def main():
    srv = Server('127.0.0.1', int(sys.argv[1]), 'localhost', 'secret',
                 ['user1', 'user2', 'user3'], None, sys.argv[2])
    print('1..%d' % PLAN, flush=True)
    token = '%06d' % random.randrange(10 ** 6)
    good = await asyncio.wait_for(offline_cap(srv, 'cap-' + token), 30)
    good &= await asyncio.wait_for(carbons_private(srv, 'private-' + token), 30)
    good &= await asyncio.wait_for(carbons_to_self(srv, 'self-' + token), 30)
    good &= await asyncio.wait_for(mam_details(srv, 'mam-' + token), 30)
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(asyncio.run(main()))

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-im-extra.py - what gw-im.sh checks beyond xmpp_scenarios.py, on a
# gw-harness started with --offline-cap 2; prints TAP lines (no plan: two
# tests), numbered from FIRST.
#
#   gw-im-extra.py PORT CAFILE FIRST
import asyncio
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xmpp_client import NS_CLIENT, NS_STANZAS, Client, Failed, Server, is_message  # noqa: E402




FIRST = int(sys.argv[3])


def ok(n, cond, what):
    print('%s %d - %s' % ('ok' if cond else 'not ok', FIRST + n - 1, what), flush=True)
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
    good = ok(1, err is not None and err.find('{%s}error/{%s}service-unavailable' % (NS_CLIENT, NS_STANZAS)) is not None
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
               'the queue holds what fitted, in order (got %s)' % got)
    await asyncio.gather(u1.logout(), u3.logout())
    return good


async def main():
    srv = Server('127.0.0.1', int(sys.argv[1]), 'localhost', 'secret',
                 ['user1', 'user2', 'user3'], None, sys.argv[2])
    good = await asyncio.wait_for(offline_cap(srv, 'cap-%06d' % random.randrange(10 ** 6)), 30)
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(asyncio.run(main()))

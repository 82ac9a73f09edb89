#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-client.py - slixmpp scenarios against gw-harness; prints what the clients saw.
#
#   gw-client.py PORT TLSPORT CA SCENARIO [ARGS]
# Scenarios: login MECH starttls|direct, wrong-password, message, bare,
# ping, disco, version. Exit status 0 when the scenario ran to its end.
import asyncio
import logging
import sys

import slixmpp

DOMAIN = 'localhost'
PORT, TLS_PORT, CA = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
TIMEOUT = 15


async def login(jid, mech='SCRAM-SHA-256', direct=False, password='secret'):
    # sasl_mech: slixmpp 1.8 cannot do -PLUS over TLS 1.3, so the tests
    # name the SCRAM variant without channel binding they exercise.
    x = slixmpp.ClientXMPP(jid, password, sasl_mech=mech)
    x.ca_certs = CA
    # Its tls-unique data is meaningless on TLS 1.3: say 'n', so these tests
    # pin the gs2 header (stock slixmpp says 'y', which the gateway accepts
    # unless it offers tls-unique: xmpp_scenarios.py logs in that way).
    fm = x['feature_mechanisms']
    defaults = fm._default_credentials
    fm.sasl_callback = lambda req, opt: dict(defaults(req, opt), channel_binding=None)
    for p in ('xep_0030', 'xep_0092', 'xep_0199'):
        x.register_plugin(p)
    done = asyncio.get_event_loop().create_future()

    def settle(value, exc=None):
        if not done.done():
            if exc:
                done.set_exception(exc)
            else:
                done.set_result(value)
    x.add_event_handler('session_start', lambda e: settle(x))
    x.add_event_handler('failed_all_auth', lambda e: settle(None, RuntimeError('auth failed')))
    x.add_event_handler('disconnected', lambda e: settle(None, RuntimeError('disconnected')))
    x.connect((('127.0.0.1', TLS_PORT) if direct else ('127.0.0.1', PORT)), use_ssl=direct)
    return await asyncio.wait_for(done, TIMEOUT)


def inbox(x):
    q = asyncio.Queue()
    x.add_event_handler('message', lambda m: q.put_nowait(m))
    return q


async def scenario_login(mech, how):
    x = await login('user1@localhost/' + how, mech, how == 'direct')
    print('bound', x.boundjid.full)
    x.disconnect()


async def scenario_wrong_password():
    try:
        await login('user1@localhost/w', password='wrong')
        print('logged in')
    except RuntimeError as e:
        print(str(e))


async def scenario_message():
    a = await login('user1@localhost/a')
    b = await login('user2@localhost/b', 'SCRAM-SHA-1')
    q = inbox(b)
    a.send_message(mto='user2@localhost/b', mbody='hello b', mtype='chat')
    m = await asyncio.wait_for(q.get(), TIMEOUT)
    print('from', m['from'].full, 'body', m['body'])
    errors = asyncio.Queue()
    a.add_event_handler('message_error', lambda m: errors.put_nowait(m))
    a.send_message(mto='nobody@localhost', mbody='anyone?', mtype='chat')
    e = await asyncio.wait_for(errors.get(), TIMEOUT)
    print('to nobody:', e['error']['condition'])
    a.disconnect(), b.disconnect()


async def scenario_bare():
    a = await login('user1@localhost/a')
    b1 = await login('user2@localhost/one')
    b2 = await login('user2@localhost/two')
    q1, q2 = inbox(b1), inbox(b2)
    seen = set()
    b1.add_event_handler('presence_available', lambda p: seen.add(p['from'].full))
    b1.send_presence(ppriority=1)
    b2.send_presence(ppriority=1)
    await asyncio.sleep(0.5)
    print('one saw', ' '.join(sorted(seen)))
    a.send_message(mto='user2@localhost', mbody='to both', mtype='chat')
    m1 = await asyncio.wait_for(q1.get(), TIMEOUT)
    m2 = await asyncio.wait_for(q2.get(), TIMEOUT)
    print('one', m1['body'], 'two', m2['body'])
    b2.send_presence(ppriority=5)
    await asyncio.sleep(0.5)
    a.send_message(mto='user2@localhost', mbody='normal', mtype='normal')
    m = await asyncio.wait_for(q2.get(), TIMEOUT)
    await asyncio.sleep(0.5)
    print('normal to', m['to'].full, 'one got', q1.qsize())
    for c in (a, b1, b2):
        c.disconnect()


async def scenario_ping():
    a = await login('user1@localhost/a')
    b = await login('user2@localhost/b')
    rtt = await a['xep_0199'].ping(jid=DOMAIN, timeout=TIMEOUT)
    print('server pong', rtt is not None)
    rtt = await a['xep_0199'].ping(jid='user2@localhost/b', timeout=TIMEOUT)
    print('client pong', rtt is not None)
    try:
        await a['xep_0199'].ping(jid='user3@localhost/none', timeout=TIMEOUT)
        print('offline pong')
    except slixmpp.exceptions.IqError as e:
        print('offline error', e.iq['error']['condition'])
    a.disconnect(), b.disconnect()


async def scenario_disco():
    a = await login('user1@localhost/a')
    info = await a['xep_0030'].get_info(jid=DOMAIN, timeout=TIMEOUT)
    ids = info['disco_info']['identities']
    print('identities', ' '.join(sorted('%s/%s' % (i[0], i[1]) for i in ids)))
    print('features', ' '.join(sorted(info['disco_info']['features'])))
    items = await a['xep_0030'].get_items(jid=DOMAIN, timeout=TIMEOUT)
    print('items', len(items['disco_items']['items']))
    a.disconnect()


async def scenario_version():
    a = await login('user1@localhost/a')
    v = await a['xep_0092'].get_version(DOMAIN, timeout=TIMEOUT)
    print('name', v['software_version']['name'], 'version', v['software_version']['version'])
    a.disconnect()


def main():
    logging.basicConfig(level=logging.ERROR)
    name = sys.argv[4].replace('-', '_')
    coro = globals()['scenario_' + name](*sys.argv[5:])
    asyncio.get_event_loop().run_until_complete(asyncio.wait_for(coro, 60))


if __name__ == '__main__':
    main()

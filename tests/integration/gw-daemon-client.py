#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-daemon-client.py - slixmpp clients of a running chinwagd --gateway; prints what they saw.
#
#   gw-daemon-client.py PORT TLSPORT CA SCENARIO [ARGS]
# Scenarios:
#   login USER PASSWORD starttls|direct [MECH]   "bound JID" or "failed CONDITION"
#   message                               user1 -> user2, "got BODY from JID"
#   listen USER                           prints "ready", then "got BODY from JID"
#   shutdown USER                         prints "ready", then "stream error CONDITION"
# The clients do not ask for the roster at session start.
import asyncio
import logging
import sys

import slixmpp

DOMAIN = 'localhost'
PORT, TLS_PORT, CA = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
TIMEOUT = 15


class AuthFailed(Exception):
    pass


async def login(jid, password='secret', direct=False, mech='SCRAM-SHA-256'):
    x = slixmpp.ClientXMPP(jid, password, sasl_mech=mech)
    x.ca_certs = CA
    # slixmpp's tls-unique claim is meaningless on TLS 1.3: no binding.
    fm = x['feature_mechanisms']
    defaults = fm._default_credentials
    fm.sasl_callback = lambda req, opt: dict(defaults(req, opt), channel_binding=None)
    done = asyncio.get_event_loop().create_future()
    conditions = []

    def settle(value, exc=None):
        if not done.done():
            if exc:
                done.set_exception(exc)
            else:
                done.set_result(value)
    x.add_event_handler('failed_auth', lambda f: conditions.append(f['condition']))
    x.add_event_handler('session_start', lambda e: settle(x))
    x.add_event_handler('failed_all_auth',
                        lambda e: settle(None, AuthFailed(' '.join(conditions) or 'unknown')))
    x.add_event_handler('disconnected',
                        lambda e: settle(None, AuthFailed(' '.join(conditions) or 'disconnected')))
    x.connect(('127.0.0.1', TLS_PORT if direct else PORT), use_ssl=direct)
    return await asyncio.wait_for(done, TIMEOUT)


def inbox(x):
    q = asyncio.Queue()
    x.add_event_handler('message', lambda m: q.put_nowait(m))
    return q


async def scenario_login(user, password, how, mech='SCRAM-SHA-256'):
    try:
        x = await login(user + '@localhost/' + how, password, how == 'direct', mech)
    except AuthFailed as e:
        print('failed', e)
        return
    print('bound', x.boundjid.full)
    x.disconnect()


async def scenario_message():
    a = await login('user1@localhost/a')
    b = await login('user2@localhost/b', mech='SCRAM-SHA-1')
    q = inbox(b)
    a.send_message(mto='user2@localhost/b', mbody='hello user2', mtype='chat')
    m = await asyncio.wait_for(q.get(), TIMEOUT)
    print('got', m['body'], 'from', m['from'].full)
    a.disconnect(), b.disconnect()


async def scenario_listen(user):
    x = await login(user + '@localhost/listen')
    q = inbox(x)
    x.send_presence()
    print('ready', flush=True)
    m = await asyncio.wait_for(q.get(), 30)
    print('got', m['body'], 'from', m['from'].bare, flush=True)
    x.disconnect()


async def scenario_shutdown(user):
    x = await login(user + '@localhost/shutdown')
    errors = asyncio.Queue()
    x.add_event_handler('stream_error', lambda e: errors.put_nowait(e['condition']))
    print('ready', flush=True)
    print('stream error', await asyncio.wait_for(errors.get(), 30), flush=True)


def main():
    logging.basicConfig(level=logging.ERROR)
    name, args = sys.argv[4], sys.argv[5:]
    asyncio.get_event_loop().run_until_complete(globals()['scenario_' + name](*args))


if __name__ == '__main__':
    main()

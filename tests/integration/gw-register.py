#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# gw-register.py - XEP-0077 against gw-harness: one word per step on stdout.
#
#   gw-register.py PORT CA register USER PASSWORD   -> registered | CONDITION | stream-error:C
#   gw-register.py PORT CA login USER PASSWORD      -> success | CONDITION
#   gw-register.py PORT CA passwd USER OLD NEW      -> changed | CONDITION
#   gw-register.py PORT CA features                 -> register | none (before auth)
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from xmpp_client import NS_CLIENT, NS_STANZAS, RawStream, Server  # noqa: E402

NS_REGISTER = 'jabber:iq:register'
NS_FEATURE = 'http://jabber.org/features/iq-register'


def outcome(el, ok):
    if el is None:
        return 'no-answer'
    if el.get('type') == 'result' or el.tag.endswith('}success'):
        return ok
    err = el.find('{%s}error' % NS_CLIENT)
    for child in (err if err is not None else el):
        if child.tag.startswith('{%s}' % NS_STANZAS) or child.tag.startswith('{urn:ietf:params:xml:ns:xmpp-sasl}'):
            return child.tag.split('}')[1]
    return 'error'


def query(user, password):
    return ("<iq type='set' id='r1'><query xmlns='%s'><username>%s</username>"
            "<password>%s</password></query></iq>" % (NS_REGISTER, user, password))


async def stream(srv):
    r = RawStream(srv)
    await r.connect()
    await r.open()
    await r.starttls()
    return r


async def main(port, ca, what, *args):
    srv = Server('127.0.0.1', port, 'localhost', None, [], cafile=ca)
    r = await stream(srv)
    try:
        if what == 'features':
            return 'register' if r.features.find('{%s}register' % NS_FEATURE) is not None else 'none'
        if what == 'register':
            r.send(query(*args))
            el = await r.next(5, lambda e: e.get('id') == 'r1')
            if el is None and r.stream_error is not None:
                return 'stream-error:' + r.stream_error[0].tag.split('}')[1]
            return outcome(el, 'registered')
        res = outcome(await r.scram(args[0], args[1]), 'success')
        if what == 'login' or res != 'success':
            return res
        await r.open()
        await r.bind('passwd')
        r.send(query(args[0], args[2]))
        return outcome(await r.next(5, lambda e: e.get('id') == 'r1'), 'changed')
    finally:
        await r.close()


print(asyncio.run(main(int(sys.argv[1]), sys.argv[2], *sys.argv[3:])))

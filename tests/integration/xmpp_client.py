# SPDX-License-Identifier: GPL-3.0-or-later
"""xmpp_client.py - client helpers for xmpp_scenarios.py: a slixmpp client
that records every stanza it receives, and a raw XML-stream client (standard
library only) for what slixmpp will not do on purpose: hostile input and
XEP-0198 resumption after a TCP connection that was cut without </stream>.

All traffic goes to the --host given on the command line; DNS is never asked.
"""

import asyncio
import base64
import hashlib
import hmac
import os
import socket
import ssl
import xml.etree.ElementTree as ET
from pathlib import Path

import slixmpp
from slixmpp.exceptions import IqError, IqTimeout

NS_CLIENT = 'jabber:client'
NS_STREAM = 'http://etherx.jabber.org/streams'
NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls'
NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl'
NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind'
NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
NS_STREAMS = 'urn:ietf:params:xml:ns:xmpp-streams'
NS_SM = 'urn:xmpp:sm:3'
NS_ROSTER = 'jabber:iq:roster'


class Failed(Exception):
    """A scenario's expectation was not met; the message says what a user sees."""


def q(ns, tag):
    return '{%s}%s' % (ns, tag)


def bare(jid):
    return str(jid).split('/', 1)[0]


def make_ssl_context(cafile):
    """Verify the server against CAFILE (the test's self-signed certificate);
    without one, accept any certificate (the suite checks XMPP, not PKI)."""
    ctx = ssl.create_default_context()
    if cafile:
        ctx.load_verify_locations(cafile=cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Server:
    """Where the server under test listens, and how to reach its accounts."""

    def __init__(self, host, port, domain, password, accounts,
                 direct_tls_port=None, cafile=None):
        self.host, self.port, self.domain = host, port, domain
        self.password, self.accounts = password, accounts
        self.direct_tls_port, self.cafile = direct_tls_port, cafile

    def jid(self, n, resource=None):
        j = '%s@%s' % (self.accounts[n], self.domain)
        return j + '/' + resource if resource else j


class Client(slixmpp.ClientXMPP):
    """A slixmpp client that keeps every incoming stanza in self.inbox until a
    scenario takes it with expect(); subscriptions are never answered for the
    user (auto_authorize None), so scenarios see the server's own behaviour."""

    def __init__(self, server, jid, password=None, sasl_mech=None, plugins=()):
        super().__init__(jid, server.password if password is None else password,
                         sasl_mech=sasl_mech)
        self.srv = server
        self.inbox = []
        self.arrived = asyncio.Event()
        self.auth_failure = None
        self.stream_error = None
        self.auto_authorize = None
        self.auto_subscribe = False
        self.whitespace_keepalive = False
        self.reconnect_max_attempts = 0
        if server.cafile:
            self.ca_certs = Path(server.cafile)
        else:
            self.ssl_context.check_hostname = False
            self.ssl_context.verify_mode = ssl.CERT_NONE
        for p in plugins:
            self.register_plugin(p)
        self.add_filter('in', self._record)
        self.add_event_handler('failed_auth', self._failed_auth)
        self.add_event_handler('stream_error', self._stream_error)

    async def _pick_dns_answer(self, domain, port=None):
        return None  # connect to (host, port) as given, never ask DNS

    def _record(self, stanza):
        self.inbox.append(stanza.xml)
        self.arrived.set()
        return stanza

    def _failed_auth(self, failure):
        self.auth_failure = failure

    def _stream_error(self, err):
        self.stream_error = err

    async def login(self, timeout=10, direct_tls=False, presence=True,
                    priority=None):
        """Connect, authenticate, bind, get the roster (which makes this an
        "interested resource" that gets roster pushes, RFC 6121 2.1.6); then
        initial presence unless told not to. Raises Failed (with the SASL
        condition, if any) on failure."""
        done = asyncio.get_running_loop().create_future()

        def finish(result):
            if not done.done():
                done.set_result(result)
        self.add_event_handler('session_start', lambda _: finish('ok'), disposable=True)
        self.add_event_handler('failed_all_auth', lambda _: finish('auth'), disposable=True)
        self.add_event_handler('connection_failed', lambda e: finish('conn: %s' % e), disposable=True)
        self.add_event_handler('disconnected', lambda _: finish('disconnected'), disposable=True)
        port = self.srv.direct_tls_port if direct_tls else self.srv.port
        self.connect((self.srv.host, port), use_ssl=direct_tls)
        try:
            result = await asyncio.wait_for(done, timeout)
        except asyncio.TimeoutError:
            result = 'timeout after %ss' % timeout
        if result != 'ok':
            cond = self.auth_failure['condition'] if self.auth_failure is not None else None
            self.abort()
            raise Failed('login of %s failed: %s%s' % (self.boundjid, result,
                                                        ' (%s)' % cond if cond else ''))
        await self.roster_items()
        if presence:
            self.send_presence(ppriority=priority)
            # a round trip: the server has taken the presence (and sent any
            # probes) before a scenario goes on
            await self.iq('get', "<ping xmlns='urn:xmpp:ping'/>", to=self.srv.domain)
        return self

    async def logout(self, timeout=5):
        if self.transport is None:
            return
        try:
            await asyncio.wait_for(self.disconnect(wait=1.0), timeout)
        except asyncio.TimeoutError:
            self.abort()

    async def expect(self, pred, timeout=5, what='a stanza'):
        """Take (and return) the first received stanza for which pred(elem)
        is true, waiting up to TIMEOUT seconds."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            for i, el in enumerate(self.inbox):
                if pred(el):
                    return self.inbox.pop(i)
            left = end - loop.time()
            if left <= 0:
                raise Failed('%s did not get %s within %ss' % (self.boundjid, what, timeout))
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), left)
            except asyncio.TimeoutError:
                pass

    async def expect_none(self, pred, wait=1.0, what='a stanza'):
        """Fail if a matching stanza arrives within WAIT seconds."""
        try:
            el = await self.expect(pred, wait, what)
        except Failed:
            return
        raise Failed('%s got %s it should not have: %s' % (self.boundjid, what, ET.tostring(el)[:300]))

    def drop(self, pred=lambda el: True):
        self.inbox = [el for el in self.inbox if not pred(el)]

    async def iq(self, itype, payload, to=None, timeout=8):
        """Send an IQ with PAYLOAD (XML text); return the result's element.
        An error answer raises Failed, with its condition in .condition."""
        iq = self.make_iq(ifrom=None, ito=to, itype=itype)
        if payload is not None:
            iq.append(ET.fromstring(payload))
        try:
            res = await iq.send(timeout=timeout)
        except IqError as e:
            err = Failed('%s %s to %s: error %s (%s)' % (itype, payload[:60] if payload else '',
                                                           to or 'server', e.condition, e.etype))
            err.condition = e.condition
            err.etype = e.etype
            raise err from None
        except IqTimeout:
            raise Failed('%s got no answer to %s within %ss' % (self.boundjid, payload, timeout)) from None
        return res.xml

    async def roster_items(self):
        """The roster as {bare jid: (subscription, ask)} and its ver attribute."""
        res = await self.iq('get', "<query xmlns='jabber:iq:roster'/>")
        query = res.find(q(NS_ROSTER, 'query'))
        items = {}
        for it in query.findall(q(NS_ROSTER, 'item')):
            items[it.get('jid')] = (it.get('subscription', 'none'), it.get('ask'))
        return items, query.get('ver')

    async def roster_set(self, jid, remove=False, name=None):
        attrs = " subscription='remove'" if remove else (" name='%s'" % name if name else '')
        await self.iq('set', "<query xmlns='jabber:iq:roster'><item jid='%s'%s/></query>" % (jid, attrs))

    def presence_to(self, to, ptype=None):
        self.send_presence(pto=to, ptype=ptype)


# --- predicates on received elements -----------------------------------------------------
def is_message(body=None, frm=None):
    def pred(el):
        if el.tag != q(NS_CLIENT, 'message'):
            return False
        b = el.find(q(NS_CLIENT, 'body'))
        if body is not None and (b is None or b.text != body):
            return False
        return frm is None or el.get('from') == frm or bare(el.get('from', '')) == frm
    return pred


def is_presence(frm=None, ptype=None, full=False):
    def pred(el):
        if el.tag != q(NS_CLIENT, 'presence') or el.get('type') != ptype:
            return False
        f = el.get('from', '')
        return frm is None or f == frm or (not full and bare(f) == frm)
    return pred


def is_roster_push(jid=None):
    def pred(el):
        if el.tag != q(NS_CLIENT, 'iq') or el.get('type') != 'set':
            return False
        item = el.find('%s/%s' % (q(NS_ROSTER, 'query'), q(NS_ROSTER, 'item')))
        return item is not None and (jid is None or item.get('jid') == jid)
    return pred


def push_item(el):
    item = el.find('%s/%s' % (q(NS_ROSTER, 'query'), q(NS_ROSTER, 'item')))
    return item.get('subscription', 'none'), item.get('ask')


# --- a raw XML stream ---------------------------------------------------------------------
class RawStream:
    """One c2s connection driven by hand: open, STARTTLS, SASL PLAIN, bind,
    XEP-0198, arbitrary bytes; stanzas come back as ElementTree elements."""

    def __init__(self, server):
        self.srv = server
        self.reader = self.writer = None
        self.parser = None
        self.queue = []
        self.seen = []  # every top-level element received, for XEP-0198 counting
        self.stream_error = None
        self.eof = False
        self.features = None

    async def connect(self, direct_tls=False):
        ctx = make_ssl_context(self.srv.cafile) if direct_tls else None
        port = self.srv.direct_tls_port if direct_tls else self.srv.port
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(
            self.srv.host, port, ssl=ctx,
            server_hostname=self.srv.domain if ctx else None), 5)

    def send(self, data):
        self.writer.write(data.encode() if isinstance(data, str) else data)

    async def open(self, timeout=5):
        """Send our stream header; wait for <stream:features/>."""
        self.parser = ET.XMLPullParser(('start', 'end'))
        self.depth = 0
        self.send("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams' to='%s' version='1.0'>"
                  % self.srv.domain)
        self.features = await self.next(timeout, lambda el: el.tag == q(NS_STREAM, 'features'))
        return self.features

    def _feed(self, data):
        self.parser.feed(data)
        for ev, el in self.parser.read_events():
            if ev == 'start':
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 1:
                    if el.tag == q(NS_STREAM, 'error'):
                        self.stream_error = el
                    self.queue.append(el)
                    self.seen.append(el)
                elif self.depth == 0:
                    self.eof = True  # </stream:stream>

    async def next(self, timeout=5, pred=lambda el: True):
        """The next top-level element matching PRED (others are kept)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            for i, el in enumerate(self.queue):
                if pred(el):
                    return self.queue.pop(i)
            if self.eof or end <= loop.time():
                return None
            try:
                data = await asyncio.wait_for(self.reader.read(65536), end - loop.time())
            except asyncio.TimeoutError:
                return None
            except (ConnectionError, ssl.SSLError):
                data = b''
            if not data:
                self.eof = True
                continue
            try:
                self._feed(data)
            except ET.ParseError:
                self.eof = True

    async def wait_closed(self, timeout=5):
        """True when the server closes the stream or the TCP connection."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not self.eof and loop.time() < end:
            await self.next(end - loop.time(), lambda el: False)
        return self.eof

    async def starttls(self):
        self.send("<starttls xmlns='%s'/>" % NS_TLS)
        el = await self.next()
        if el is None or el.tag != q(NS_TLS, 'proceed'):
            raise Failed('STARTTLS was not accepted')
        await self.writer.start_tls(make_ssl_context(self.srv.cafile),
                                    server_hostname=self.srv.domain)
        await self.open()

    async def auth_plain(self, user, password):
        tok = base64.b64encode(('\0%s\0%s' % (user, password)).encode()).decode()
        self.send("<auth xmlns='%s' mechanism='PLAIN'>%s</auth>" % (NS_SASL, tok))
        el = await self.next()
        if el is None or el.tag != q(NS_SASL, 'success'):
            raise Failed('PLAIN login of %s failed: %s' % (user, ET.tostring(el) if el is not None else 'no answer'))
        await self.open()

    async def scram(self, user, password, hash_name='sha256', tamper=None):
        """A SCRAM-SHA-1/-256 exchange (RFC 5802, no channel binding); returns
        the server's last answer. TAMPER(client_final_without_proof, nonce)
        may rewrite the client-final message (proof computed over the result),
        e.g. to replay an old nonce; 'proof' flips a bit of the proof."""
        mech = 'SCRAM-SHA-256' if hash_name == 'sha256' else 'SCRAM-SHA-1'
        cnonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = 'n=%s,r=%s' % (user, cnonce)
        self.send("<auth xmlns='%s' mechanism='%s'>%s</auth>"
                  % (NS_SASL, mech, base64.b64encode(('n,,' + first_bare).encode()).decode()))
        ch = await self.next()
        if ch is None or ch.tag != q(NS_SASL, 'challenge'):
            return ch
        server_first = base64.b64decode(ch.text).decode()
        attrs = dict(kv.split('=', 1) for kv in server_first.split(','))
        nonce = attrs['r']
        without_proof = 'c=biws,r=%s' % nonce
        if callable(tamper):
            without_proof = tamper(without_proof, nonce)
        salted = hashlib.pbkdf2_hmac(hash_name, password.encode(), base64.b64decode(attrs['s']), int(attrs['i']))
        client_key = hmac.new(salted, b'Client Key', hash_name).digest()
        stored = hashlib.new(hash_name, client_key).digest()
        auth_msg = ','.join((first_bare, server_first, without_proof)).encode()
        sig = hmac.new(stored, auth_msg, hash_name).digest()
        proof = bytearray(a ^ b for a, b in zip(client_key, sig))
        if tamper == 'proof':
            proof[0] ^= 1
        final = '%s,p=%s' % (without_proof, base64.b64encode(bytes(proof)).decode())
        self.send("<response xmlns='%s'>%s</response>" % (NS_SASL, base64.b64encode(final.encode()).decode()))
        self.last_scram_nonce = nonce
        return await self.next()

    async def bind(self, resource):
        self.send("<iq type='set' id='bind1'><bind xmlns='%s'><resource>%s</resource></bind></iq>"
                  % (NS_BIND, resource))
        el = await self.next(5, lambda e: e.get('id') == 'bind1')
        jid = el.find('%s/%s' % (q(NS_BIND, 'bind'), q(NS_BIND, 'jid'))) if el is not None else None
        if jid is None:
            raise Failed('resource binding failed')
        self.jid = jid.text
        return self.jid

    async def login(self, user, resource, direct_tls=False):
        """TLS + PLAIN + open the authenticated stream (no bind: SM resume
        comes before binding)."""
        await self.connect(direct_tls)
        await self.open()
        if not direct_tls:
            await self.starttls()
        await self.auth_plain(user, self.srv.password)

    def kill(self):
        """Cut the TCP connection the rude way: shutdown, no </stream>, no TLS close_notify."""
        sock = self.writer.get_extra_info('socket')
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.writer.transport.abort()

    async def close(self):
        if self.writer is None:
            return
        try:
            if not self.eof:
                self.send('</stream:stream>')
                await self.wait_closed(2)
        except (ConnectionError, ssl.SSLError):
            pass
        self.writer.transport.abort()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""rawpeer.py - a scripted raw-socket XEP-0174 peer for chinwag's integration
tests: it plays iChat-like, broken or hostile peers (standard library only).

  rawpeer.py connect HOST PORT [OPTIONS] ACTION...   be the initiating side
  rawpeer.py serve PORT [OPTIONS] ACTION...          accept one connection first
  rawpeer.py hold HOST PORT N SECS   open N connections that say nothing, keep
                    them SECS seconds:  hold  connected=C  closed-by-them=K

Every action prints one result line, fields separated by tabs; an action whose
expectation is not met prints "timeout<TAB>ACTION" (or "unexpected<TAB>...")
and the script exits 1 without running the rest. Diagnostics go to stderr.

Actions (SECS defaults to --timeout):
  open              send our stream header; it carries 'from', 'to' and
                    'version' only when --from, --to, --version are given
  header[:SECS]     wait for the other side's stream header:
                    header  from=X|-  to=X|-  version=X|-  features=yes|no
                    (features: a <stream:features/> arrived right after it)
  msg:BODY          send a chat message with BODY (its 'from' is --stanza-from)
  iqs[:SECS]        send disco#info, version, ping and an unknown-namespace IQ
                    get; print one line per answer:
                    iq  disco  result  identity=CAT/TYPE/NAME  features=A,B
                    iq  version  result  name=N  version=V
                    iq  ping  result
                    iq  unknown  error  condition=C  type=T
  expect-msg[:SECS] wait for a message with a body (IQ gets meanwhile are
                    answered per --disco):
                    message  from=X|-  to=X|-  body=B  request=yes|no
  expect-error[:SECS] wait for a stream error:  stream-error  CONDITION
  expect-eof[:SECS] wait until the other side closes the TCP connection
                    (stanzas meanwhile are ignored):  eof  SECONDS
  flood:N           send N messages as fast as the socket takes them:
                    flood  sent=N  seconds=S
  close[:SECS]      send </stream:stream>; wait for theirs or EOF:
                    close  clean|eof  SECONDS
  expect-close[:SECS] wait for their </stream:stream> (IQ gets meanwhile are
                    answered per --disco), then answer with ours:
                    closed-by-them  SECONDS
  stop-reading      read nothing more (a peer that never reads its answers);
                    also shrinks the socket's receive buffer
  iq-flood:N        send N disco#info gets as fast as the socket takes them:
                    iq-flood  sent=N  seconds=S
  sleep:SECS        do nothing for a while

Options:
  --from JID --to JID --version V   attributes of our stream header
  --stanza-from JID   'from' on the stanzas we send (default: none)
  --stanza-to JID     'to' on the stanzas we send (default: --to, else none)
  --disco error|receipts|ignore     answer to IQ gets we receive (default
                    error: service-unavailable, like a client without disco)
  --receipts        answer XEP-0184 receipt requests
  --timeout SECS    default for every wait (default 10)
  --id PREFIX       stanza id prefix (default rp)
"""
import argparse
import collections
import select
import socket
import sys
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

NS_STREAM = 'http://etherx.jabber.org/streams'
NS_CLIENT = 'jabber:client'
NS_STREAMS_ERR = 'urn:ietf:params:xml:ns:xmpp-streams'
NS_STANZAS_ERR = 'urn:ietf:params:xml:ns:xmpp-stanzas'
NS_DISCO = 'http://jabber.org/protocol/disco#info'
NS_VERSION = 'jabber:iq:version'
NS_PING = 'urn:xmpp:ping'
NS_RECEIPTS = 'urn:xmpp:receipts'
NS_UNKNOWN = 'urn:example:chinwag-test:unknown'


def q(tag, ns=NS_CLIENT):
    return '{%s}%s' % (ns, tag)


def out(*fields):
    print('\t'.join(str(f) for f in fields), flush=True)


def log(msg):
    print('rawpeer: %s' % msg, file=sys.stderr, flush=True)


class Failed(Exception):
    pass


class Stream:
    """One TCP connection carrying an XML stream; parses what comes in."""

    def __init__(self, sock, opts):
        self.sock = sock
        self.opts = opts
        self.sock.setblocking(False)
        self.parser = ET.XMLPullParser(events=('start', 'end'))
        self.depth = 0
        self.root = None
        self.events = collections.deque()  # ('header', el) ('stanza', el) ('close',) ('eof',) ('bad-xml', msg)
        self.eof = False
        self.closed_by_peer = False
        self.outbuf = bytearray()
        self.nid = 0
        self.received = 0
        self.reading = True

    def next_id(self):
        self.nid += 1
        return '%s-%d' % (self.opts.id, self.nid)

    # ---- sending --------------------------------------------------------
    def send(self, text, deadline=None):
        self.outbuf += text.encode('utf-8') if isinstance(text, str) else text
        self.flush(deadline if deadline is not None else time.monotonic() + self.opts.timeout)

    def flush(self, deadline):
        """Writes the whole buffer, reading meanwhile (a peer that writes to
        us while we write to it must not deadlock us both)."""
        while self.outbuf:
            if self.eof:
                raise Failed('connection closed while writing (%d bytes left)' % len(self.outbuf))
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed('write blocked (%d bytes left)' % len(self.outbuf))
            r, w, _ = select.select([self.sock] if self.reading else [], [self.sock], [],
                                    min(left, 1.0))
            if r:
                self._read()
            if w:
                try:
                    n = self.sock.send(self.outbuf[:65536])
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError as e:  # reset by a peer that gave up on us
                    self.eof = True
                    self.events.append(('eof',))
                    raise Failed('write failed: %s' % e)
                del self.outbuf[:n]

    # ---- receiving ------------------------------------------------------
    def _read(self):
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            log('recv: %s' % e)
            data = b''
        if not data:
            if not self.eof:
                self.eof = True
                self.events.append(('eof',))
            return
        self.received += len(data)
        try:
            self.parser.feed(data)
            for ev, el in self.parser.read_events():
                if ev == 'start':
                    self.depth += 1
                    if self.depth == 1:
                        self.root = el
                        self.events.append(('header', el))
                else:
                    self.depth -= 1
                    if self.depth == 1:
                        self.events.append(('stanza', el))
                        self.root.remove(el)
                    elif self.depth == 0:
                        self.closed_by_peer = True
                        self.events.append(('close',))
        except ET.ParseError as e:
            self.events.append(('bad-xml', str(e)))

    def next_event(self, deadline):
        """The next event, or None at the deadline."""
        while not self.events:
            left = deadline - time.monotonic()
            if left <= 0 or self.eof:
                return None if not self.events else self.events.popleft()
            r, _, _ = select.select([self.sock], [], [], min(left, 1.0))
            if r:
                self._read()
        return self.events.popleft()

    # ---- automatic answers ---------------------------------------------
    def auto_answer(self, el):
        """Answers IQ gets (per --disco) and receipt requests. True if handled."""
        if el.tag == q('iq') and el.get('type') in ('get', 'set'):
            if self.opts.disco == 'ignore':
                return True
            qel = el.find(q('query', NS_DISCO))
            attrs = ' id=%s' % quoteattr(el.get('id', ''))
            if el.get('from'):
                attrs += ' to=%s' % quoteattr(el.get('from'))
            if qel is not None and self.opts.disco == 'receipts' and el.get('type') == 'get':
                self.send("<iq type='result'%s><query xmlns='%s'><identity category='client' "
                          "type='pc' name='rawpeer'/><feature var='%s'/><feature var='%s'/>"
                          "</query></iq>" % (attrs, NS_DISCO, NS_DISCO, NS_RECEIPTS))
            else:
                self.send("<iq type='error'%s><error type='cancel'><service-unavailable xmlns='%s'/>"
                          "</error></iq>" % (attrs, NS_STANZAS_ERR))
            return True
        return False


def attr(el, name):
    v = el.get(name)
    return '-' if v is None else v


def header_line(el, features):
    return ('header', 'from=' + attr(el, 'from'), 'to=' + attr(el, 'to'),
            'version=' + attr(el, 'version'), 'features=' + ('yes' if features else 'no'))


def stream_open(opts):
    a = ''
    for k in ('from', 'to', 'version'):
        v = getattr(opts, k if k != 'from' else 'from_')
        if v is not None:
            a += ' %s=%s' % (k, quoteattr(v))
    return ("<?xml version='1.0' encoding='UTF-8'?><stream:stream xmlns='%s' "
            "xmlns:stream='%s'%s>" % (NS_CLIENT, NS_STREAM, a))


def stanza_addr(opts):
    a = ''
    if opts.stanza_from is not None:
        a += ' from=%s' % quoteattr(opts.stanza_from)
    to = opts.stanza_to if opts.stanza_to is not None else opts.to
    if to is not None:
        a += ' to=%s' % quoteattr(to)
    return a


def message_xml(st, opts, body):
    return "<message type='chat' id=%s%s><body>%s</body></message>" % (
        quoteattr(st.next_id()), stanza_addr(opts), escape(body))


def split_action(action):
    name, _, arg = action.partition(':')
    return name, arg


def secs(arg, opts):
    return float(arg) if arg else opts.timeout


# ---- actions ----------------------------------------------------------------

def act_header(st, opts, arg):
    deadline = time.monotonic() + secs(arg, opts)
    ev = st.next_event(deadline)
    if ev is None or ev[0] != 'header':
        raise Failed('no stream header (got %s)' % (ev and ev[0]))
    # a <stream:features/> may follow; give it a moment
    features = False
    ev2 = st.next_event(min(deadline, time.monotonic() + 0.5))
    if ev2 is not None:
        if ev2[0] == 'stanza' and ev2[1].tag == q('features', NS_STREAM):
            features = True
        else:
            st.events.appendleft(ev2)
    out(*header_line(ev[1], features))


def describe_error(el):
    for c in el:
        if c.tag.startswith('{%s}' % NS_STANZAS_ERR) and not c.tag.endswith('}text'):
            return c.tag.split('}')[1], el.get('type', '-')
    return '-', el.get('type', '-')


def act_iqs(st, opts, arg):
    to = stanza_addr(opts)
    ids = {}
    for kind, payload in (('disco', "<query xmlns='%s'/>" % NS_DISCO),
                          ('version', "<query xmlns='%s'/>" % NS_VERSION),
                          ('ping', "<ping xmlns='%s'/>" % NS_PING),
                          ('unknown', "<query xmlns='%s'/>" % NS_UNKNOWN)):
        i = st.next_id()
        ids[i] = kind
        st.send("<iq type='get' id=%s%s>%s</iq>" % (quoteattr(i), to, payload))
    deadline = time.monotonic() + secs(arg, opts)
    answers = {}
    while len(answers) < len(ids):
        ev = st.next_event(deadline)
        if ev is None:
            break
        if ev[0] != 'stanza':
            raise Failed('%s while waiting for IQ answers' % ev[0])
        el = ev[1]
        if st.auto_answer(el):
            continue
        kind = ids.get(el.get('id'))
        if el.tag != q('iq') or kind is None:
            log('ignoring %s' % ET.tostring(el, encoding='unicode')[:200])
            continue
        t = el.get('type')
        line = ['iq', kind, t]
        if t == 'error':
            cond, etype = describe_error(el.find(q('error')) if el.find(q('error')) is not None else el)
            line += ['condition=' + cond, 'type=' + etype]
        elif kind == 'disco':
            qel = el.find(q('query', NS_DISCO))
            idents = [] if qel is None else ['%s/%s/%s' % (i.get('category'), i.get('type'), i.get('name'))
                                             for i in qel.findall(q('identity', NS_DISCO))]
            feats = [] if qel is None else [f.get('var') for f in qel.findall(q('feature', NS_DISCO))]
            line += ['identity=' + ','.join(idents), 'features=' + ','.join(feats)]
        elif kind == 'version':
            qel = el.find(q('query', NS_VERSION))
            name = qel.findtext(q('name', NS_VERSION)) if qel is not None else None
            ver = qel.findtext(q('version', NS_VERSION)) if qel is not None else None
            line += ['name=%s' % name, 'version=%s' % ver]
        answers[kind] = line
    for kind in ('disco', 'version', 'ping', 'unknown'):
        if kind in answers:
            out(*answers[kind])
        else:
            out('iq', kind, 'no-answer')
    if len(answers) < len(ids):
        raise Failed('IQs unanswered: %s' % ','.join(k for k in ids.values() if k not in answers))


def act_expect_msg(st, opts, arg):
    deadline = time.monotonic() + secs(arg, opts)
    while True:
        ev = st.next_event(deadline)
        if ev is None:
            raise Failed('no message')
        if ev[0] != 'stanza':
            raise Failed('%s while waiting for a message' % ev[0])
        el = ev[1]
        if st.auto_answer(el):
            continue
        if el.tag == q('message'):
            req = el.find(q('request', NS_RECEIPTS)) is not None
            if req and opts.receipts and el.get('id'):
                st.send("<message id=%s><received xmlns='%s' id=%s/></message>" % (
                    quoteattr(st.next_id()), NS_RECEIPTS, quoteattr(el.get('id'))))
            body = el.findtext(q('body'))
            if body is None:
                log('message without body (chat state?)')
                continue
            out('message', 'from=' + attr(el, 'from'), 'to=' + attr(el, 'to'), 'body=' + body,
                'request=' + ('yes' if req else 'no'))
            return
        log('ignoring %s' % ET.tostring(el, encoding='unicode')[:200])


def act_expect_error(st, opts, arg):
    deadline = time.monotonic() + secs(arg, opts)
    while True:
        ev = st.next_event(deadline)
        if ev is None:
            raise Failed('no stream error')
        if ev[0] == 'stanza' and ev[1].tag == q('error', NS_STREAM):
            conds = [c.tag.split('}')[1] for c in ev[1] if c.tag.startswith('{%s}' % NS_STREAMS_ERR)
                     and not c.tag.endswith('}text')]
            text = ev[1].findtext(q('text', NS_STREAMS_ERR))
            out('stream-error', ','.join(conds) or '-', 'text=%s' % (text or '-'))
            return
        if ev[0] in ('eof', 'close', 'bad-xml'):
            raise Failed('%s before a stream error' % ev[0])
        # headers, features and other stanzas may come first


def act_expect_eof(st, opts, arg):
    t0 = time.monotonic()
    deadline = t0 + secs(arg, opts)
    while not st.eof:
        if st.next_event(deadline) is None and not st.eof:
            raise Failed('connection still open after %.1f s' % (time.monotonic() - t0))
    out('eof', '%.1f' % (time.monotonic() - t0))


def act_flood(st, opts, arg):
    n = int(arg)
    t0 = time.monotonic()
    chunk = []
    for i in range(n):
        chunk.append(message_xml(st, opts, 'flood %d' % (i + 1)))
        if len(chunk) == 500 or i == n - 1:
            st.send(''.join(chunk), deadline=time.monotonic() + opts.timeout)
            chunk = []
    out('flood', 'sent=%d' % n, 'seconds=%.1f' % (time.monotonic() - t0))


def act_iq_flood(st, opts, arg):
    n = int(arg)
    t0 = time.monotonic()
    to = stanza_addr(opts)
    chunk = []
    for i in range(n):
        chunk.append("<iq type='get' id=%s%s><query xmlns='%s'/></iq>" % (
            quoteattr(st.next_id()), to, NS_DISCO))
        if len(chunk) == 1000 or i == n - 1:
            st.send(''.join(chunk), deadline=time.monotonic() + opts.timeout)
            chunk = []
    out('iq-flood', 'sent=%d' % n, 'seconds=%.1f' % (time.monotonic() - t0))


def act_close(st, opts, arg):
    t0 = time.monotonic()
    st.send('</stream:stream>')
    deadline = t0 + secs(arg, opts)
    while True:
        ev = st.next_event(deadline)
        if ev is None:
            raise Failed('the stream stayed open')
        if ev[0] == 'close':
            out('close', 'clean', '%.1f' % (time.monotonic() - t0))
            return
        if ev[0] == 'eof':
            out('close', 'eof', '%.1f' % (time.monotonic() - t0))
            return
        if ev[0] == 'stanza':
            st.auto_answer(ev[1])


def act_expect_close(st, opts, arg):
    t0 = time.monotonic()
    deadline = t0 + secs(arg, opts)
    while True:
        ev = st.next_event(deadline)
        if ev is None:
            raise Failed('the other side did not close the stream')
        if ev[0] == 'close':
            st.send('</stream:stream>')
            out('closed-by-them', '%.1f' % (time.monotonic() - t0))
            return
        if ev[0] == 'stanza':
            if not st.auto_answer(ev[1]):
                log('ignoring %s' % ET.tostring(ev[1], encoding='unicode')[:200])
            continue
        raise Failed('%s before the stream was closed' % ev[0])


def run(st, opts):
    for action in opts.actions:
        name, arg = split_action(action)
        try:
            if name == 'open':
                st.send(stream_open(opts))
            elif name == 'header':
                act_header(st, opts, arg)
            elif name == 'msg':
                st.send(message_xml(st, opts, arg))
            elif name == 'send':
                st.send(arg)
            elif name == 'iqs':
                act_iqs(st, opts, arg)
            elif name == 'expect-msg':
                act_expect_msg(st, opts, arg)
            elif name == 'expect-error':
                act_expect_error(st, opts, arg)
            elif name == 'expect-eof':
                act_expect_eof(st, opts, arg)
            elif name == 'flood':
                act_flood(st, opts, arg)
            elif name == 'close':
                act_close(st, opts, arg)
            elif name == 'expect-close':
                act_expect_close(st, opts, arg)
            elif name == 'stop-reading':
                st.reading = False
                st.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            elif name == 'iq-flood':
                act_iq_flood(st, opts, arg)
            elif name == 'sleep':
                time.sleep(float(arg))
            else:
                log('unknown action %r' % action)
                return 2
        except Failed as e:
            out('timeout', action, str(e))
            return 1
    return 0


def hold(host, port, n, secs, timeout):
    """Many silent connections (batches of 20 in flight: the listen backlog
    is small and dropped SYNs are only retried after 1 s)."""
    up, pending = [], []
    t0 = time.monotonic()
    while len(up) < n and time.monotonic() - t0 < timeout:
        while len(pending) < 20 and len(up) + len(pending) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect((host, port))
            except BlockingIOError:
                pass
            except OSError as e:
                log('connect: %s' % e)
                s.close()
                break
            pending.append((s, time.monotonic()))
        _, w, _ = select.select([], [p[0] for p in pending], [], 0.2)
        now, keep = time.monotonic(), []
        for s, t in pending:
            if s in w:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                    up.append(s)
                else:
                    s.close()
            elif now - t > 5:
                s.close()
            else:
                keep.append((s, t))
        pending = keep
    for s, _ in pending:
        s.close()
    log('%d connections up after %.1f s' % (len(up), time.monotonic() - t0))
    time.sleep(max(0.0, secs - (time.monotonic() - t0)))
    closed = 0
    for s in up:
        try:
            if s.recv(1) == b'':
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    out('hold', 'connected=%d' % len(up), 'closed-by-them=%d' % closed)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('mode', choices=('connect', 'serve', 'hold'))
    p.add_argument('where', nargs='+', help='HOST PORT (connect) or PORT (serve), then actions')
    p.add_argument('--from', dest='from_')
    p.add_argument('--to')
    p.add_argument('--version')
    p.add_argument('--stanza-from')
    p.add_argument('--stanza-to')
    p.add_argument('--disco', choices=('error', 'receipts', 'ignore'), default='error')
    p.add_argument('--receipts', action='store_true')
    p.add_argument('--timeout', type=float, default=10.0)
    p.add_argument('--id', default='rp')
    opts = p.parse_intermixed_args()
    if opts.mode == 'hold':
        if len(opts.where) != 4:
            p.error('hold needs HOST PORT N SECS')
        w = opts.where
        return hold(w[0], int(w[1]), int(w[2]), float(w[3]), opts.timeout)
    if opts.mode == 'connect':
        if len(opts.where) < 2:
            p.error('connect needs HOST PORT')
        host, port, opts.actions = opts.where[0], int(opts.where[1]), opts.where[2:]
        try:
            sock = socket.create_connection((host, port), timeout=opts.timeout)
        except OSError as e:
            out('connect-failed', str(e))
            return 1
        log('connected to %s:%d from %s:%d' % ((host, port) + sock.getsockname()[:2]))
    else:
        port, opts.actions = int(opts.where[0]), opts.where[1:]
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(('0.0.0.0', port))
        ls.listen(4)
        log('listening on port %d' % port)
        ls.settimeout(opts.timeout)
        try:
            sock, peer = ls.accept()
        except socket.timeout:
            out('timeout', 'accept', 'nobody connected')
            return 1
        ls.close()
        log('accepted %s:%d' % peer[:2])
        out('accepted', peer[0])
    rc = run(Stream(sock, opts), opts)
    sock.close()
    return rc


if __name__ == '__main__':
    sys.exit(main())

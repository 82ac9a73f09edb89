/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwReader: push parser for XMPP streams — bytes in, stream events out, no I/O. */
#pragma once

#include <glib.h>

#include "xml/element.h"

G_BEGIN_DECLS

typedef struct _CwReader CwReader;

/* Per-stream limits. Crossing one is a policy-violation stream error,
 * raised while the offending bytes arrive, not after buffering them. */
typedef struct
{
  gsize max_stanza_size;  /* bytes of one top-level stanza (including its tags) */
  guint max_depth;        /* element nesting inside a stanza (stanza itself = 1) */
  guint max_attrs;        /* attributes on one element */
  guint max_elements;     /* elements in one stanza, itself included; 0: no limit */
} CwReaderLimits;

/* 256 KiB stanzas, depth 64, 64 attributes, any number of elements. */
#define CW_READER_DEFAULT_MAX_STANZA_SIZE (256 * 1024)
/* Before authentication (RFC 6120 leaves it to us; Prosody and ejabberd use
 * a few KiB): enough for stream features, SASL and resource binding. */
#define CW_READER_PREAUTH_MAX_STANZA_SIZE (10 * 1024)
/* Elements in one stanza before authentication: <auth/>, the bind IQ and an
 * XEP-0077 registration form need far fewer. */
#define CW_READER_PREAUTH_MAX_ELEMENTS 64

void cw_reader_limits_init_default (CwReaderLimits *limits);
void cw_reader_limits_init_preauth (CwReaderLimits *limits);

typedef enum
{
  CW_READER_EVENT_NONE,          /* nothing (more) to pop */
  CW_READER_EVENT_STREAM_OPEN,   /* element: the stream header, no children */
  CW_READER_EVENT_STANZA,        /* element: one complete depth-1 element */
  CW_READER_EVENT_STREAM_CLOSE,  /* </stream:stream> */
} CwReaderEventType;

typedef enum
{
  CW_READER_MODE_STREAM,    /* <stream:stream> root; depth-1 children are stanzas */
  CW_READER_MODE_DOCUMENT,  /* any root; delivered whole as one STANZA event */
} CwReaderMode;

CwReader *cw_reader_new (CwReaderMode mode, const CwReaderLimits *limits);
void cw_reader_free (CwReader *reader);
/* Changes limits mid-stream, e.g. after authentication. */
void cw_reader_set_limits (CwReader *reader, const CwReaderLimits *limits);
/* Forgets all parser state for a stream restart (after STARTTLS or SASL).
 * Undelivered events are dropped. */
void cw_reader_reset (CwReader *reader);

/* Feeds bytes in any chunking. Returns FALSE with a CW_STREAM_ERROR when the
 * input breaks the rules; events completed before the error can still be
 * popped, and every later feed fails with the same error. */
gboolean cw_reader_feed (CwReader *reader, const void *data, gsize len, GError **error);

/* Pops the next event in arrival order. For STREAM_OPEN and STANZA,
 * *element receives a new reference (else NULL). */
CwReaderEventType cw_reader_pop (CwReader *reader, CwElement **element);

/* The default namespace the stream header declared ("jabber:client", …), or
 * NULL before the header or when none was declared. */
const gchar *cw_reader_get_stream_default_ns (CwReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwReader, cw_reader_free)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwReader: push parser for XMPP streams on expat, with RFC 6120 §11.1 restrictions. */
#include "config.h"
#include "xml/reader.h"

/* Debian's libexpat is built with XML_DTD; the attack-protection
 * prototypes are only visible with it. */
#define XML_DTD 1
#include <expat.h>
#include <sodium.h>
#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"

/* Separates namespace name, local name and prefix in expat's names. A
 * control character cannot occur in a well-formed name or URI. */
#define NS_SEP '\x1f'

/* Partial tokens up to this size are reparsed at the end of every feed so
 * that interactive peers see their stanzas at once; larger ones wait for
 * expat's reparse deferral (quadratic-reparse protection). */
#define FLUSH_ALWAYS_BELOW 1024

typedef struct
{
  CwReaderEventType type;
  CwElement *element;  /* owned, nullable */
} ReaderEvent;

struct _CwReader
{
  XML_Parser parser;       /* owned */
  CwReaderMode mode;
  CwReaderLimits limits;
  GQueue events;           /* owned (ReaderEvent *) */
  CwElement *stanza;       /* owned: top of the stanza being built */
  CwElement *current;      /* unowned: innermost open element in stanza */
  guint depth;             /* open elements, stream root included */
  guint n_elements;        /* elements of the stanza being built */
  gchar *default_ns;       /* owned: default namespace before/at the root */
  GError *error;           /* owned: sticky once set */
  guint64 fed;             /* bytes given to expat since the last reset */
  guint64 mark;            /* where the current stanza (size count) began */
  guint64 last_event_end;  /* end of the last token a handler saw */
  guint64 fed_at_flush;
};

void
cw_reader_limits_init_default (CwReaderLimits *limits)
{
  limits->max_stanza_size = CW_READER_DEFAULT_MAX_STANZA_SIZE;
  limits->max_depth = 64;
  limits->max_attrs = 64;
  limits->max_elements = 0;
}

void
cw_reader_limits_init_preauth (CwReaderLimits *limits)
{
  limits->max_stanza_size = CW_READER_PREAUTH_MAX_STANZA_SIZE;
  limits->max_depth = 16;
  limits->max_attrs = 16;
  limits->max_elements = CW_READER_PREAUTH_MAX_ELEMENTS;
}

static void
fail (CwReader *r, CwStreamError code, const gchar *format, ...) G_GNUC_PRINTF (3, 4);

static void
fail (CwReader *r, CwStreamError code, const gchar *format, ...)
{
  va_list args;

  if (r->error != NULL)
    return;
  va_start (args, format);
  r->error = g_error_new_valist (CW_STREAM_ERROR, code, format, args);
  va_end (args);
  XML_StopParser (r->parser, XML_FALSE);
}

static void
note_position (CwReader *r)
{
  r->last_event_end = XML_GetCurrentByteIndex (r->parser) + XML_GetCurrentByteCount (r->parser);
}

static void
push_event (CwReader *r, CwReaderEventType type, CwElement *element)
{
  ReaderEvent *ev = g_slice_new (ReaderEvent);

  ev->type = type;
  ev->element = element;
  g_queue_push_tail (&r->events, ev);
}

/* Splits "uri<SEP>local<SEP>prefix" (or "local") in place-free fashion. */
static void
split_name (const XML_Char *full, gchar **ns, gchar **local, const gchar **prefix)
{
  const gchar *sep1 = strchr (full, NS_SEP);
  const gchar *sep2;

  *prefix = NULL;
  if (sep1 == NULL)
    {
      *ns = NULL;
      *local = g_strdup (full);
      return;
    }
  *ns = g_strndup (full, sep1 - full);
  sep2 = strchr (sep1 + 1, NS_SEP);
  if (sep2 != NULL)
    {
      *local = g_strndup (sep1 + 1, sep2 - sep1 - 1);
      *prefix = sep2 + 1;
    }
  else
    *local = g_strdup (sep1 + 1);
}

static CwElement *
build_element (CwReader *r, const XML_Char *name, const XML_Char **atts, const gchar **prefix)
{
  CwElement *el;
  gchar *ns, *local;
  guint n = 0;

  while (atts[n] != NULL)
    n += 2;
  if (n / 2 > r->limits.max_attrs)
    {
      fail (r, CW_STREAM_ERROR_POLICY_VIOLATION, "too many attributes (%u, limit %u)", n / 2,
            r->limits.max_attrs);
      return NULL;
    }
  split_name (name, &ns, &local, prefix);
  el = g_slice_new0 (CwElement);
  el->ref_count = 1;
  el->name = local;
  el->ns = ns != NULL ? ns : g_strdup ("");
  for (guint i = 0; atts[i] != NULL; i += 2)
    {
      gchar *ans, *alocal;
      const gchar *aprefix;

      split_name (atts[i], &ans, &alocal, &aprefix);
      cw_element_take_attr (el, ans, alocal, g_strdup (atts[i + 1]));
    }
  return el;
}

static void
open_stream (CwReader *r, CwElement *el, const gchar *prefix)
{
  if (strcmp (el->name, "stream") != 0 || strcmp (el->ns, CW_NS_STREAM) != 0)
    {
      fail (r, CW_STREAM_ERROR_INVALID_NAMESPACE, "expected <stream:stream> in %s, got <%s> in '%s'",
            CW_NS_STREAM, el->name, el->ns);
      cw_element_unref (el);
      return;
    }
  if (g_strcmp0 (prefix, "stream") != 0)
    {
      fail (r, CW_STREAM_ERROR_BAD_NAMESPACE_PREFIX, "the stream element must use the prefix 'stream'");
      cw_element_unref (el);
      return;
    }
  r->depth = 1;
  push_event (r, CW_READER_EVENT_STREAM_OPEN, el);
  r->mark = r->last_event_end;
}

static void XMLCALL
on_start (void *data, const XML_Char *name, const XML_Char **atts)
{
  CwReader *r = data;
  gboolean stream = r->mode == CW_READER_MODE_STREAM;
  guint nesting = r->depth - (stream ? 1 : 0) + 1;
  const gchar *prefix;
  CwElement *el;

  if (r->error != NULL)
    return;
  note_position (r);
  if (r->depth > 0 && nesting > r->limits.max_depth)
    {
      fail (r, CW_STREAM_ERROR_POLICY_VIOLATION, "elements nested too deeply (limit %u)",
            r->limits.max_depth);
      return;
    }
  if (r->current == NULL)
    r->n_elements = 0;
  if (r->limits.max_elements > 0 && !(stream && r->depth == 0)
      && ++r->n_elements > r->limits.max_elements)
    {
      fail (r, CW_STREAM_ERROR_POLICY_VIOLATION, "too many elements in one stanza (limit %u)",
            r->limits.max_elements);
      return;
    }
  el = build_element (r, name, atts, &prefix);
  if (el == NULL)
    return;
  if (stream && r->depth == 0)
    {
      open_stream (r, el, prefix);
      return;
    }
  if (r->current == NULL)
    r->stanza = el;
  else
    cw_element_add_child (r->current, el);
  r->current = el;
  r->depth++;
}

static void XMLCALL
on_end (void *data, const XML_Char *name)
{
  CwReader *r = data;
  guint stanza_depth = r->mode == CW_READER_MODE_STREAM ? 2 : 1;

  if (r->error != NULL)
    return;
  note_position (r);
  if (r->depth == stanza_depth)
    {
      push_event (r, CW_READER_EVENT_STANZA, g_steal_pointer (&r->stanza));
      r->current = NULL;
      r->mark = r->last_event_end;
    }
  else if (r->depth == 1)
    push_event (r, CW_READER_EVENT_STREAM_CLOSE, NULL);
  else
    r->current = r->current->parent;
  r->depth--;
}

static gboolean
is_xml_space (const XML_Char *s, int len)
{
  for (int i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return FALSE;
  return TRUE;
}

static void XMLCALL
on_text (void *data, const XML_Char *s, int len)
{
  CwReader *r = data;

  if (r->error != NULL)
    return;
  note_position (r);
  if (r->current != NULL)
    {
      cw_element_append_text (r->current, s, len);
      return;
    }
  /* Between stanzas only whitespace (keepalives) is allowed; it restarts
   * the size count so a long-lived idle stream is never "too large". */
  if (!is_xml_space (s, len))
    fail (r, CW_STREAM_ERROR_BAD_FORMAT, "text between stanzas");
  else
    r->mark = r->last_event_end;
}

static void XMLCALL
on_ns_decl (void *data, const XML_Char *prefix, const XML_Char *uri)
{
  CwReader *r = data;

  note_position (r);
  if (prefix != NULL && strcmp (prefix, "stream") == 0 && g_strcmp0 (uri, CW_NS_STREAM) != 0
      && r->mode == CW_READER_MODE_STREAM)
    {
      fail (r, CW_STREAM_ERROR_INVALID_NAMESPACE, "the 'stream' prefix is bound to '%s'",
            uri != NULL ? uri : "");
      return;
    }
  if (prefix == NULL && r->depth == 0)
    {
      g_free (r->default_ns);
      r->default_ns = g_strdup (uri != NULL ? uri : "");
    }
}

static void XMLCALL
on_xml_decl (void *data, const XML_Char *version, const XML_Char *encoding, int standalone)
{
  CwReader *r = data;

  note_position (r);
  if (encoding != NULL && g_ascii_strcasecmp (encoding, "UTF-8") != 0)
    fail (r, CW_STREAM_ERROR_UNSUPPORTED_ENCODING, "encoding '%s' is not UTF-8", encoding);
}

/* RFC 6120 §11.1: no DTD, entity declarations, PIs or comments. */
static void XMLCALL
on_doctype (void *data, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
            int has_internal_subset)
{
  fail (data, CW_STREAM_ERROR_RESTRICTED_XML, "document type declarations are not allowed");
}

static void XMLCALL
on_entity_decl (void *data, const XML_Char *name, int is_pe, const XML_Char *value, int len,
                const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid,
                const XML_Char *notation)
{
  fail (data, CW_STREAM_ERROR_RESTRICTED_XML, "entity declarations are not allowed");
}

static void XMLCALL
on_pi (void *data, const XML_Char *target, const XML_Char *pi_data)
{
  fail (data, CW_STREAM_ERROR_RESTRICTED_XML, "processing instructions are not allowed");
}

static void XMLCALL
on_comment (void *data, const XML_Char *text)
{
  fail (data, CW_STREAM_ERROR_RESTRICTED_XML, "comments are not allowed");
}

static void XMLCALL
on_skipped_entity (void *data, const XML_Char *name, int is_pe)
{
  fail (data, CW_STREAM_ERROR_RESTRICTED_XML, "entity references are not allowed");
}

static void
harden (XML_Parser p)
{
  unsigned long salt;

  randombytes_buf (&salt, sizeof salt);
  XML_SetHashSalt (p, salt);
  XML_SetParamEntityParsing (p, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef HAVE_XML_SETREPARSEDEFERRALENABLED
  XML_SetReparseDeferralEnabled (p, XML_TRUE);
#endif
#ifdef HAVE_XML_SETBILLIONLAUGHSATTACKPROTECTIONMAXIMUMAMPLIFICATION
  XML_SetBillionLaughsAttackProtectionMaximumAmplification (p, 10.0f);
#endif
#ifdef HAVE_XML_SETALLOCTRACKERMAXIMUMAMPLIFICATION
  XML_SetAllocTrackerMaximumAmplification (p, 100.0f);
#endif
#ifdef HAVE_XML_SETALLOCTRACKERACTIVATIONTHRESHOLD
  XML_SetAllocTrackerActivationThreshold (p, 8 * 1024 * 1024);
#endif
}

static XML_Parser
create_parser (CwReader *r)
{
  XML_Parser p = XML_ParserCreateNS ("UTF-8", NS_SEP);

  if (p == NULL)
    g_error ("out of memory creating an XML parser");
  harden (p);
  XML_SetReturnNSTriplet (p, XML_TRUE);
  XML_SetUserData (p, r);
  XML_SetElementHandler (p, on_start, on_end);
  XML_SetCharacterDataHandler (p, on_text);
  XML_SetStartNamespaceDeclHandler (p, on_ns_decl);
  XML_SetXmlDeclHandler (p, on_xml_decl);
  XML_SetStartDoctypeDeclHandler (p, on_doctype);
  XML_SetEntityDeclHandler (p, on_entity_decl);
  XML_SetProcessingInstructionHandler (p, on_pi);
  XML_SetCommentHandler (p, on_comment);
  XML_SetSkippedEntityHandler (p, on_skipped_entity);
  return p;
}

CwReader *
cw_reader_new (CwReaderMode mode, const CwReaderLimits *limits)
{
  CwReader *r = g_new0 (CwReader, 1);

  if (sodium_init () < 0)
    g_error ("libsodium could not be initialised");
  r->mode = mode;
  if (limits != NULL)
    r->limits = *limits;
  else
    cw_reader_limits_init_default (&r->limits);
  g_queue_init (&r->events);
  r->parser = create_parser (r);
  return r;
}

static void
event_free (gpointer data)
{
  ReaderEvent *ev = data;

  g_clear_pointer (&ev->element, cw_element_unref);
  g_slice_free (ReaderEvent, ev);
}

static void
clear_state (CwReader *r)
{
  g_queue_clear_full (&r->events, event_free);
  g_clear_pointer (&r->stanza, cw_element_unref);
  r->current = NULL;
  r->depth = 0;
  g_clear_pointer (&r->default_ns, g_free);
  g_clear_error (&r->error);
  r->fed = r->mark = r->last_event_end = r->fed_at_flush = 0;
}

void
cw_reader_free (CwReader *r)
{
  if (r == NULL)
    return;
  clear_state (r);
  XML_ParserFree (r->parser);
  g_free (r);
}

void
cw_reader_set_limits (CwReader *r, const CwReaderLimits *limits)
{
  r->limits = *limits;
}

void
cw_reader_reset (CwReader *r)
{
  clear_state (r);
  XML_ParserFree (r->parser);
  r->parser = create_parser (r);
}

static CwStreamError
map_expat_error (enum XML_Error code)
{
  switch (code)
    {
    case XML_ERROR_NO_MEMORY:
      return CW_STREAM_ERROR_RESOURCE_CONSTRAINT;
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_PARAM_ENTITY_REF:
    case XML_ERROR_RECURSIVE_ENTITY_REF:
    case XML_ERROR_BINARY_ENTITY_REF:
    case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
    case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
    case XML_ERROR_MISPLACED_XML_PI:
      return CW_STREAM_ERROR_RESTRICTED_XML;
    case XML_ERROR_UNKNOWN_ENCODING:
    case XML_ERROR_INCORRECT_ENCODING:
      return CW_STREAM_ERROR_UNSUPPORTED_ENCODING;
    case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
      return CW_STREAM_ERROR_POLICY_VIOLATION;
    default:
      return CW_STREAM_ERROR_NOT_WELL_FORMED;
    }
}

/* Reparses a small pending partial token now (see FLUSH_ALWAYS_BELOW), or a
 * large one once enough new input has arrived to amortise the cost. */
static void
maybe_flush (CwReader *r)
{
#ifdef HAVE_XML_SETREPARSEDEFERRALENABLED
  guint64 pending = r->fed - r->last_event_end;

  if (pending == 0 || r->error != NULL)
    return;
  if (pending > FLUSH_ALWAYS_BELOW && (r->fed - r->fed_at_flush) * 2 < pending)
    return;
  r->fed_at_flush = r->fed;
  XML_SetReparseDeferralEnabled (r->parser, XML_FALSE);
  if (XML_Parse (r->parser, NULL, 0, XML_FALSE) == XML_STATUS_ERROR && r->error == NULL)
    {
      enum XML_Error code = XML_GetErrorCode (r->parser);

      r->error = g_error_new (CW_STREAM_ERROR, map_expat_error (code), "%s", XML_ErrorString (code));
    }
  XML_SetReparseDeferralEnabled (r->parser, XML_TRUE);
#endif
}

static void
parse_chunk (CwReader *r, const gchar *data, gsize len)
{
  if (XML_Parse (r->parser, data, (int) len, XML_FALSE) == XML_STATUS_ERROR && r->error == NULL)
    {
      enum XML_Error code = XML_GetErrorCode (r->parser);

      r->error = g_error_new (CW_STREAM_ERROR, map_expat_error (code), "%s (line %lu, column %lu)",
                              XML_ErrorString (code), XML_GetCurrentLineNumber (r->parser),
                              XML_GetCurrentColumnNumber (r->parser));
    }
  r->fed += len;
}

gboolean
cw_reader_feed (CwReader *r, const void *data, gsize len, GError **error)
{
  const gchar *p = data;

  g_return_val_if_fail (r != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  while (len > 0 && r->error == NULL)
    {
      /* Never hand expat more than the current stanza may still grow by,
       * so an oversized stanza is refused as it arrives. */
      guint64 used = r->fed - r->mark;
      gsize allowance = used >= r->limits.max_stanza_size ? 0 : r->limits.max_stanza_size - used;
      gsize n = MIN (MIN (len, allowance), (gsize) G_MAXINT);

      if (n == 0)
        {
          fail (r, CW_STREAM_ERROR_POLICY_VIOLATION, "stanza larger than %" G_GSIZE_FORMAT " bytes",
                r->limits.max_stanza_size);
          break;
        }
      parse_chunk (r, p, n);
      p += n;
      len -= n;
    }
  maybe_flush (r);
  if (r->error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (r->error);
      return FALSE;
    }
  return TRUE;
}

CwReaderEventType
cw_reader_pop (CwReader *r, CwElement **element)
{
  ReaderEvent *ev = g_queue_pop_head (&r->events);
  CwReaderEventType type;

  if (element != NULL)
    *element = NULL;
  if (ev == NULL)
    return CW_READER_EVENT_NONE;
  type = ev->type;
  if (element != NULL)
    *element = g_steal_pointer (&ev->element);
  event_free (ev);
  return type;
}

const gchar *
cw_reader_get_stream_default_ns (CwReader *r)
{
  return r->default_ns;
}

CwElement *
cw_element_parse (const gchar *xml, gssize len, GError **error)
{
  g_autoptr (CwReader) r = NULL;
  CwReaderLimits limits;
  CwElement *el = NULL;

  if (len < 0)
    len = strlen (xml);
  cw_reader_limits_init_default (&limits);
  limits.max_stanza_size = MAX (limits.max_stanza_size, (gsize) len);
  r = cw_reader_new (CW_READER_MODE_DOCUMENT, &limits);
  if (!cw_reader_feed (r, xml, len, error))
    return NULL;
  /* Completes a trailing token such as "<a/>" with nothing after it. */
  if (XML_Parse (r->parser, NULL, 0, XML_TRUE) == XML_STATUS_ERROR)
    {
      if (r->error == NULL)
        {
          enum XML_Error code = XML_GetErrorCode (r->parser);

          r->error = g_error_new (CW_STREAM_ERROR, map_expat_error (code), "%s", XML_ErrorString (code));
        }
      g_propagate_error (error, g_steal_pointer (&r->error));
      return NULL;
    }
  if (cw_reader_pop (r, &el) != CW_READER_EVENT_STANZA)
    {
      g_set_error (error, CW_STREAM_ERROR, CW_STREAM_ERROR_NOT_WELL_FORMED, "no element in document");
      return NULL;
    }
  return el;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Stanza helpers: build and inspect message/presence/iq, and convert stanza
 * and stream errors between XML and GError (RFC 6120 §4.9, §8). */
#pragma once

#include <glib.h>

#include "common/xmpp-error.h"
#include "xml/element.h"

G_BEGIN_DECLS

typedef enum
{
  CW_STANZA_KIND_OTHER,
  CW_STANZA_KIND_MESSAGE,
  CW_STANZA_KIND_PRESENCE,
  CW_STANZA_KIND_IQ,
} CwStanzaKind;

typedef enum
{
  CW_IQ_TYPE_GET,
  CW_IQ_TYPE_SET,
  CW_IQ_TYPE_RESULT,
  CW_IQ_TYPE_ERROR,
} CwIqType;

/* Building. Every string argument may be NULL to leave the attribute out. */

/**
 * cw_stanza_new:
 * @kind: MESSAGE, PRESENCE or IQ
 * @ns: (nullable): stanza namespace; NULL means jabber:client
 *
 * The generic builder behind the three below; use it for jabber:server.
 * Returns: (transfer full): a stanza with the given attributes, no children.
 */
CwElement *cw_stanza_new (CwStanzaKind kind, const gchar *ns, const gchar *type,
                          const gchar *from, const gchar *to, const gchar *id);

/**
 * cw_stanza_message_new:
 * @id: (nullable): NULL generates one (receipts and corrections need it)
 * @body: (nullable): text of a <body/> child
 *
 * Returns: (transfer full): a jabber:client <message/>.
 */
CwElement *cw_stanza_message_new (const gchar *type, const gchar *from, const gchar *to,
                                  const gchar *id, const gchar *body);

/**
 * cw_stanza_presence_new:
 * @type: (nullable): NULL for plain availability
 *
 * Returns: (transfer full): a jabber:client <presence/> without an id.
 */
CwElement *cw_stanza_presence_new (const gchar *type, const gchar *from, const gchar *to);

/**
 * cw_stanza_iq_new:
 * @id: (nullable): NULL generates one (an IQ must carry an id)
 *
 * Returns: (transfer full): a jabber:client <iq/>; add the payload with
 * cw_element_add().
 */
CwElement *cw_stanza_iq_new (CwIqType type, const gchar *from, const gchar *to, const gchar *id);

/**
 * cw_stanza_iq_result_new:
 * @request: an IQ of type get or set
 *
 * Returns: (transfer full): an empty result in @request's namespace, with
 * its id and from/to swapped.
 */
CwElement *cw_stanza_iq_result_new (const CwElement *request);

/* Returns: (transfer full): a fresh random id, unique for practical
 * purposes (a UUID). */
gchar *cw_stanza_generate_id (void);

/* Inspecting. */

/* MESSAGE, PRESENCE or IQ for those elements in jabber:client or
 * jabber:server; OTHER for anything else (stream features, SASL, …). */
CwStanzaKind cw_stanza_get_kind (const CwElement *el);

/* Attribute shortcuts; NULL when absent. */
const gchar *cw_stanza_get_type (const CwElement *el);
const gchar *cw_stanza_get_from (const CwElement *el);
const gchar *cw_stanza_get_to (const CwElement *el);
const gchar *cw_stanza_get_id (const CwElement *el);

const gchar *cw_stanza_iq_type_to_name (CwIqType type);
/**
 * cw_stanza_iq_get_type:
 * @type: (out) (optional)
 *
 * Returns: FALSE when @iq is not an IQ or its type is missing or unknown:
 * such a request deserves a bad-request error (RFC 6120 §8.2.3).
 */
gboolean cw_stanza_iq_get_type (const CwElement *iq, CwIqType *type);

/**
 * cw_stanza_iq_get_payload:
 *
 * Returns: (transfer none) (nullable): the one child element of @iq that is
 * not its <error/>, or NULL when there are none or several (a get or set
 * with no or several payloads is a bad-request).
 */
CwElement *cw_stanza_iq_get_payload (const CwElement *iq);

/* Stanza errors (RFC 6120 §8.3).
 *
 * A GError in CW_STANZA_ERROR maps to <error type='…'> with the condition
 * element and, when the message says more than the condition name, a <text/>.
 * For gone and redirect the message is the new address, carried as the
 * condition's content (§8.3.3.5, §8.3.3.14) instead of a <text/>, and
 * read back without surrounding whitespace. Round trips keep domain, code
 * and message; an empty message comes back as the condition name. */

/**
 * cw_stanza_error_element_new:
 * @error: usually in CW_STANZA_ERROR
 *
 * The type is cw_stanza_error_default_type(). A CW_STREAM_ERROR maps to the
 * stanza condition of the same name, or undefined-condition. Any other
 * domain is a local failure: internal-server-error, and its message stays
 * here (it may hold paths or other local details).
 *
 * Returns: (transfer full): an <error/> with no namespace of its own, so
 * that added to a stanza it takes the stanza's (jabber:client or
 * jabber:server).
 */
CwElement *cw_stanza_error_element_new (const GError *error);

/**
 * cw_stanza_error_element_new_full:
 * @type: the error type to send
 * @text: (nullable): human-readable text; for gone/redirect the new address
 * @app_specific: (nullable) (transfer full): an application-specific
 *   condition element, in its own namespace (RFC 6120 §8.3.4)
 *
 * Returns: (transfer full): an <error/>, namespace as above.
 */
CwElement *cw_stanza_error_element_new_full (CwStanzaError condition, CwStanzaErrorType type,
                                             const gchar *text, CwElement *app_specific);

/**
 * cw_stanza_error_from_element:
 * @el: a stanza, or the <error/> child of one
 *
 * Follows the GLib convention: FALSE and a CW_STANZA_ERROR when @el is an
 * error, TRUE when it is not, so `if (!cw_stanza_error_from_element (reply,
 * &error))` reads as a check. The message is the address for gone and
 * redirect when one is given, else the <text/> if there is one, else the
 * condition name. Unknown conditions become undefined-condition
 * with the unknown name as the message; a legacy numeric code='…'
 * (XEP-0086) is mapped when there is no condition element.
 */
gboolean cw_stanza_error_from_element (CwElement *el, GError **error);

/**
 * cw_stanza_error_from_element_full:
 * @type: (out) (optional): the error type; the condition's default when
 *   missing or invalid
 * @app_specific: (out) (optional) (transfer none): the first child of
 *   <error/> outside the stanzas namespace, or NULL; valid while @el lives
 *
 * As cw_stanza_error_from_element(). The out arguments are only set when it
 * returns FALSE.
 */
gboolean cw_stanza_error_from_element_full (CwElement *el, CwStanzaErrorType *type,
                                            CwElement **app_specific, GError **error);

/**
 * cw_stanza_error_reply:
 * @request: the stanza being refused
 * @error: why, as for cw_stanza_error_element_new()
 *
 * The error response: same kind, namespace and id, from/to swapped,
 * type='error'. For an IQ, the original payload is echoed before the
 * <error/> so the sender can see what was refused (RFC 6120 §8.3.1).
 *
 * Returns: (transfer full) (nullable): the reply, or NULL when @request
 * must not be answered with an error: it is an error itself, or an IQ
 * result (RFC 6120 §8.2.3, §8.3.1), or not a stanza.
 */
CwElement *cw_stanza_error_reply (const CwElement *request, const GError *error);

/**
 * cw_stanza_error_reply_take:
 * @error_el: (transfer full): an <error/>, e.g. from
 *   cw_stanza_error_element_new_full()
 *
 * As cw_stanza_error_reply() with a prepared <error/>, which is consumed
 * even when NULL is returned.
 */
CwElement *cw_stanza_error_reply_take (const CwElement *request, CwElement *error_el);

/* Stream errors (RFC 6120 §4.9): <stream:error> with a condition and an
 * optional <text/> in urn:ietf:params:xml:ns:xmpp-streams. The same text
 * rule as stanza errors applies; for see-other-host the message is the
 * host, carried as the condition's content (§4.9.3.19). */

/**
 * cw_stream_error_element_new:
 * @error: usually in CW_STREAM_ERROR
 *
 * A CW_STANZA_ERROR maps to the stream condition of the same name, or
 * undefined-condition; any other domain to internal-server-error without
 * its message.
 *
 * Returns: (transfer full): <error/> in the stream namespace (written
 * as <stream:error>).
 */
CwElement *cw_stream_error_element_new (const GError *error);

/**
 * cw_stream_error_from_element:
 *
 * FALSE and a CW_STREAM_ERROR when @el is a <stream:error>; TRUE for any
 * other element. Unknown conditions become undefined-condition with the
 * unknown name as the message.
 */
gboolean cw_stream_error_from_element (CwElement *el, GError **error);

G_END_DECLS

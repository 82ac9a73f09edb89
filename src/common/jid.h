/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwJid: parsed, normalised and comparable XMPP addresses (RFC 7622, XEP-0106). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Each part is limited to this many bytes of UTF-8 after normalisation
 * (RFC 7622 §3.1), so a whole JID is at most 3 × 1023 + 2 bytes. */
#define CW_JID_MAX_PART_LENGTH 1023

#define CW_JID_ERROR (cw_jid_error_quark ())
GQuark cw_jid_error_quark (void);

/* Why a string is not a valid JID. Codes are stable. */
typedef enum
{
  CW_JID_ERROR_EMPTY_PART,     /* "", "@domain", "user@", "domain/" */
  CW_JID_ERROR_TOO_LONG,       /* a part over CW_JID_MAX_PART_LENGTH bytes */
  CW_JID_ERROR_FORBIDDEN_CHAR, /* control character anywhere; " & ' / : < > @
                                * or a space in the localpart */
  CW_JID_ERROR_INVALID_UTF8,
  CW_JID_ERROR_INVALID_DOMAIN, /* not a host name, IPv4 or [IPv6] literal */
} CwJidError;

/* Immutable and reference-counted, so it can be shared between threads and
 * used as a GHashTable key (cw_jid_hash, cw_jid_equal_func). */
typedef struct _CwJid CwJid;

/* Parses "[local@]domain[/resource]". The resource is everything after the
 * first '/', the localpart everything before the first '@' that precedes it.
 * Normalises: the localpart is case-folded and NFC-normalised (an
 * approximation of PRECIS UsernameCaseMapped, see jid.c), the domain is
 * lower-cased in its Unicode (U-label) form with one trailing dot removed,
 * the resource is only NFC-normalised. Returns NULL and sets @error
 * (CW_JID_ERROR) when @str is not a valid JID. */
CwJid *cw_jid_parse (const gchar *str, GError **error);

/* Builds a JID from its parts (the localpart already XEP-0106 escaped if it
 * needs to be), validating and normalising each as cw_jid_parse does.
 * @local and @resource may be NULL; @domain may not. */
CwJid *cw_jid_new (const gchar *local, const gchar *domain, const gchar *resource,
                   GError **error);

CwJid *cw_jid_ref (CwJid *jid);
void cw_jid_unref (CwJid *jid);

/* Normalised parts; local and resource are NULL when absent. */
const gchar *cw_jid_get_local (const CwJid *jid);
const gchar *cw_jid_get_domain (const CwJid *jid);
const gchar *cw_jid_get_resource (const CwJid *jid);

/* Normalised "local@domain/resource" and "local@domain", owned by @jid. */
const gchar *cw_jid_to_string (const CwJid *jid);
const gchar *cw_jid_get_bare_string (const CwJid *jid);

/* The JID without its resource: a new reference (to @jid itself if bare). */
CwJid *cw_jid_get_bare (CwJid *jid);
gboolean cw_jid_is_bare (const CwJid *jid);

/* Compare normalised forms: "Juliet@Capulet.example/Balcony" equals
 * "juliet@capulet.example/Balcony" but not ".../balcony". */
gboolean cw_jid_equal (const CwJid *a, const CwJid *b);
gboolean cw_jid_equal_bare (const CwJid *a, const CwJid *b);

/* For g_hash_table_new (cw_jid_hash, cw_jid_equal_func): full-JID keys. */
guint cw_jid_hash (gconstpointer jid);
gboolean cw_jid_equal_func (gconstpointer a, gconstpointer b);

/* Parse and return the normalised string, for callers that keep strings. */
gchar *cw_jid_normalize (const gchar *str, GError **error);

/* Validates and normalises a localpart alone, as cw_jid_new does (case
 * folding, NFC, forbidden characters, length): for usernames that arrive
 * without a domain, such as a SASL authentication identity. Returns NULL
 * and sets @error (CW_JID_ERROR) when @raw is not a valid localpart. */
gchar *cw_jid_prep_localpart (const gchar *raw, GError **error);

/* XEP-0106 escaping of a localpart, e.g. "juliet@capulet" →
 * "juliet\40capulet". A backslash is escaped only where it starts one of
 * the ten escape sequences. The result is a valid localpart for cw_jid_new;
 * fails (CW_JID_ERROR) when @raw is empty, begins or ends with a space
 * (the XEP forbids a leading or trailing \20), or holds characters no
 * localpart may contain even escaped (control characters, other spaces). */
gchar *cw_jid_escape_local (const gchar *raw, GError **error);

/* XEP-0106 unescaping for display or gateways: replaces only the ten exact,
 * lower-case sequences; anything else (\2F, \41, a lone \) is kept as is.
 * A leading or trailing \20 is kept escaped, since a valid escaped
 * localpart cannot have one and a bare leading space would mislead users. */
gchar *cw_jid_unescape_local (const gchar *escaped);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwJid, cw_jid_unref)

G_END_DECLS

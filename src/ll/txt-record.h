/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwLlTxt: the XEP-0174 presence TXT record, encoded to and decoded from DNS-SD strings. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* XEP-0174 "status". A missing or unrecognised value reads as AVAIL: the
 * registry says a missing status SHOULD be assumed to be "avail", and a
 * peer we cannot understand is better shown online than hidden. */
typedef enum
{
  CW_LL_STATUS_AVAIL,
  CW_LL_STATUS_AWAY,
  CW_LL_STATUS_DND,
} CwLlStatus;

/* Longest TXT string DNS allows (RFC 6763 §6.1): one length byte. */
#define CW_LL_TXT_MAX_STRING 255

/* One decoded record. String fields are NULL when absent; "key=" and a bare
 * "key" decode to NULL too, so absent and empty are the same thing.
 * Decoded strings are always valid UTF-8 without control characters. */
typedef struct
{
  guint txtvers;     /* 0 when absent or not a number; we publish 1 */
  guint16 port_p2pj; /* 0 when absent or invalid; informational only:
                      * XEP-0174 says to connect to the SRV port */
  CwLlStatus status;
  gchar *msg;   /* owned, nullable: free-form status text */
  gchar *nick;  /* owned, nullable */
  gchar *first; /* owned, nullable: "1st" */
  gchar *last;  /* owned, nullable */
  gchar *email; /* owned, nullable: may be a space-separated list */
  gchar *jid;   /* owned, nullable: may be a space-separated list */
  gchar *node;  /* owned, nullable: XEP-0115 caps node */
  gchar *hash;  /* owned, nullable: XEP-0115 hash name, "sha-1" */
  gchar *ver;   /* owned, nullable: XEP-0115 verification string */
  gchar *ext;   /* owned, nullable: XEP-0115 legacy ext */
  gchar *phsh;  /* owned, nullable: SHA-1 of the avatar, hex */
  gchar *vc;    /* owned, nullable: legacy iChat A/V flags */
} CwLlTxt;

const gchar *cw_ll_status_to_string (CwLlStatus status);
/* ASCII case-insensitive; NULL or unknown gives CW_LL_STATUS_AVAIL. */
CwLlStatus cw_ll_status_from_string (const gchar *str);

/* A record with every field absent and status AVAIL. */
CwLlTxt *cw_ll_txt_new (void);
CwLlTxt *cw_ll_txt_copy (const CwLlTxt *txt);
void cw_ll_txt_free (CwLlTxt *txt);
/* Field-by-field; NULL equals only NULL. */
gboolean cw_ll_txt_equal (const CwLlTxt *a, const CwLlTxt *b);

/**
 * cw_ll_txt_encode:
 * @txt: the record to publish
 * @publish_personal: FALSE leaves out "1st", "last", "email" and "jid"
 *
 * Builds the TXT strings in publishing order, "txtvers=1" first (XEP-0174
 * §DNS Records, RFC 6763 §6.7). Absent and empty fields are left out.
 * Every string fits in CW_LL_TXT_MAX_STRING bytes: human text (msg, nick,
 * 1st, last) is cut at a UTF-8 character boundary, and an identifier that
 * would not fit (a cut JID or ver would be a wrong one) is left out. Text
 * is cleaned as cw_ll_txt_decode() would clean it.
 *
 * Nick is not treated as personal: it is the name the user chose to be
 * shown by, and without it peers display only the "user@machine" instance
 * name, which is already public.
 *
 * Returns: (transfer full) (element-type GBytes): the strings
 */
GPtrArray *cw_ll_txt_encode (const CwLlTxt *txt, gboolean publish_personal);

/**
 * cw_ll_txt_decode:
 * @strings: (nullable) (element-type GBytes): TXT strings in record order;
 *   NULL or empty is an empty record
 * @error: return location for a GError
 *
 * Reads a peer's record per RFC 6763 §6: keys are case-insensitive, the
 * first occurrence of a key wins (a later one is ignored even when the
 * first had an unusable value), strings with an empty or non-printable key
 * are ignored, and so are strings over 255 bytes (DNS cannot carry them)
 * and unknown keys. A bad value never rejects the record:
 *  - msg, nick, 1st, last: each invalid UTF-8 byte, NUL, control character
 *    and U+FFFE/U+FFFF becomes U+FFFD (tab, CR and LF become a space), so
 *    the text stays readable and safe for a terminal and for XML;
 *  - identifiers (email, jid, node, hash, ver, ext, phsh, vc): a value that
 *    is not clean UTF-8 is dropped, since a repaired identifier is a wrong one;
 *  - port.p2pj: not 1–65535 in plain decimal gives 0;
 *  - txtvers: not plain decimal gives 0; a missing txtvers is accepted.
 *
 * XEP-0174 says a peer MUST work even with no TXT record at all, so no
 * content makes the record unusable and this currently never fails; the
 * GError is there for callers to handle a future rejection uniformly.
 *
 * Returns: (transfer full): the record, or NULL with @error set
 */
CwLlTxt *cw_ll_txt_decode (GPtrArray *strings, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwLlTxt, cw_ll_txt_free)

G_END_DECLS

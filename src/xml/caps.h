/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XEP-0115 entity capabilities: the verification string and the <c/> element. */
#pragma once

#include <glib.h>

#include "xml/element.h"

G_BEGIN_DECLS

/* The only hash we generate and verify (XEP-0115 §9.1 mandatory one). */
#define CW_CAPS_HASH_SHA1 "sha-1"

/**
 * cw_caps_compute_ver:
 * @disco_info_query: a <query xmlns='http://jabber.org/protocol/disco#info'/>
 * @error: return location for a GError
 *
 * Computes the SHA-1 verification string of XEP-0115 §5.1: identities as
 * "category/type/lang/name" strings, then features, then XEP-0128 forms by
 * FORM_TYPE with their fields by var and values sorted, all in "i;octet"
 * (byte) order, hashed and base64-encoded.
 *
 * Fails with CW_STANZA_ERROR_BAD_REQUEST for a response §5.4 calls
 * ill-formed: a repeated identity, feature or FORM_TYPE, a FORM_TYPE with
 * differing values; also for an identity without category or type, a
 * feature or form field without var, a repeated field var in one form, and
 * any factor containing '<'. That last one is stricter than XEP-0115:
 * '<' is the separator in S, so a factor holding one lets a different
 * response hash to the same ver, which is how caps get poisoned. Forms
 * without a hidden FORM_TYPE are skipped, as §5.4 says.
 *
 * Returns: (transfer full): the base64 ver, or NULL with @error set
 */
gchar *cw_caps_compute_ver (CwElement *disco_info_query, GError **error);

/* <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node=… ver=…/> */
CwElement *cw_caps_element_new (const gchar *node, const gchar *ver);

/* What a <c/> element says (XEP-0115 §4): an entity's hash, node and ver. */
typedef struct
{
  gchar *hash;
  gchar *node;
  gchar *ver;
} CwCaps;

/**
 * cw_caps_from_element:
 * @c: a <c xmlns='http://jabber.org/protocol/caps'/>
 *
 * Returns: (transfer full) (nullable): its attributes, NULL when one of
 *   hash, node and ver is missing or empty or longer than @max_len bytes.
 */
CwCaps *cw_caps_from_element (CwElement *c, gsize max_len);
void cw_caps_free (CwCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwCaps, cw_caps_free)

G_END_DECLS

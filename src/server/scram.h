/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwScramServer: the server side of one SCRAM exchange (RFC 5802, RFC 7677), and its primitives. */
#pragma once

#include "server/sasl.h"

G_BEGIN_DECLS

/* The longest hash output we support (SHA-256). */
#define CW_SCRAM_MAX_HASH_SIZE 32

/* Bytes of output of @hash: 20 or 32. */
gsize cw_scram_hash_size (CwSaslHash hash);

/* RFC 4013 SASLprep, approximated: non-ASCII spaces mapped to U+0020, the
 * "commonly mapped to nothing" characters removed, NFKC; control characters
 * are refused. Returns: (transfer full) (nullable): NULL when @password is
 * not UTF-8, holds a control character or is empty after mapping. Free
 * with cw_scram_secret_free. */
gchar *cw_scram_saslprep (const gchar *password);

/* Wipes and frees a NUL-terminated secret; NULL is ignored. */
void cw_scram_secret_free (gchar *secret);
typedef gchar *CwScramSecret;
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (CwScramSecret, cw_scram_secret_free, NULL)

/* PBKDF2-HMAC (RFC 5802 Hi()) of an already prepared password into @out,
 * which has room for cw_scram_hash_size (@hash) bytes. */
void cw_scram_salted_password (CwSaslHash hash, const gchar *prepared, const guint8 *salt,
                               gsize salt_len, guint iterations, guint8 *out);

/* TRUE when @password (not yet prepared) is the one @creds were derived
 * from. Runs PBKDF2 with the stored salt and count; constant-time compare. */
gboolean cw_scram_credentials_check_password (const CwScramCredentials *creds,
                                              const gchar *password);

/* Credentials for an account that does not exist: a salt that stays the
 * same for @username for the life of the process (so that asking twice
 * does not tell it apart from a real account) and keys no proof matches. */
CwScramCredentials *cw_scram_credentials_made_up (CwSaslHash hash, const gchar *username);

/* TRUE when @creds have keys of the right size for their hash. */
gboolean cw_scram_credentials_valid (const CwScramCredentials *creds, CwSaslHash hash);

typedef struct _CwScramServer CwScramServer;

/**
 * cw_scram_server_new:
 * @plus: the client chose the -PLUS variant
 * @cb_type: (nullable): our channel-binding type, when we offer -PLUS
 * @cb_data: (nullable): its data, referenced
 */
CwScramServer *cw_scram_server_new (CwSaslHash hash, gboolean plus, const gchar *cb_type,
                                    GBytes *cb_data);
void cw_scram_server_free (CwScramServer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwScramServer, cw_scram_server_free)

/* For tests (RFC test vectors): use @nonce instead of a random server
 * nonce. Call before cw_scram_server_first. */
void cw_scram_server_set_server_nonce (CwScramServer *self, const gchar *nonce);

/* Parses the client-first-message (gs2 header included). On success the
 * username (decoded saslname, not yet normalised) and authzid (decoded,
 * "" when absent) can be read. Fails with CW_SASL_ERROR. */
gboolean cw_scram_server_parse_first (CwScramServer *self, GBytes *message, GError **error);
const gchar *cw_scram_server_get_username (CwScramServer *self);
const gchar *cw_scram_server_get_authzid (CwScramServer *self);

/* The server-first-message for @creds (taken; NULL for an account that does
 * not exist: made-up credentials are used, and the proof never matches). */
GBytes *cw_scram_server_first (CwScramServer *self, CwScramCredentials *creds);

/* Checks the client-final-message. Returns: (transfer full) (nullable): the
 * server-final-message ("v=..."), or NULL with CW_SASL_ERROR. */
GBytes *cw_scram_server_final (CwScramServer *self, GBytes *message, GError **error);

G_END_DECLS

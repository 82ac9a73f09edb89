/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwGatewayStore: the gateway's records (accounts, rosters, offline, archive, …) in SQLite (WAL). */
#pragma once

#include <glib-object.h>

#include "server/sasl.h"
#include "store/gateway-records.h"
#include "store/store-error.h"

G_BEGIN_DECLS

/* The gateway keeps its records in a file of its own, apart from the peer
 * store (a different PRAGMA application_id, so neither opens the other's).
 * Like CwStore, the interface is record-level: no SQL or SQLite types, so
 * a PostgreSQL backend can come behind it.
 *
 * Every call is synchronous and short (a few indexed statements), meant
 * for the main loop; one that changes several rows is one transaction.
 * A call that changes data returns once it is committed to the WAL (synchronous=NORMAL:
 * it survives kill -9 of the gateway; a power cut may roll back the last commits).
 *
 * Users are account usernames: JID localparts, normalised here (case-
 * folded, NFC) so "Juliet" and "juliet" are one account. Contact JIDs are
 * normalised bare JIDs. An invalid one fails with CW_STORE_ERROR_INVALID;
 * a per-user call for a user without an account fails with
 * CW_STORE_ERROR_NOT_FOUND. Deleting an account deletes all its records.
 *
 * Not thread-safe; several CwGatewayStores (processes) may share a file. */

#define CW_TYPE_GATEWAY_STORE (cw_gateway_store_get_type ())
G_DECLARE_FINAL_TYPE (CwGatewayStore, cw_gateway_store, CW, GATEWAY_STORE, GObject)

/**
 * cw_gateway_store_open:
 * @path: the database file; created (mode 0600) when missing
 *
 * Opens the store and migrates its schema, one step per transaction.
 * Refuses, unchanged, a file of a newer chinwag (CW_STORE_ERROR_TOO_NEW),
 * another program's or the peer store's file, or one that is not SQLite
 * (CW_STORE_ERROR_NOT_A_STORE).
 */
CwGatewayStore *cw_gateway_store_open (const gchar *path, GError **error);

const gchar *cw_gateway_store_get_path (CwGatewayStore *self);
guint cw_gateway_store_get_schema_version (CwGatewayStore *self);
guint cw_gateway_store_get_latest_schema_version (void);

/* Accounts. Credentials are SCRAM salted keys (RFC 5802), never a
 * password: @sha1 and @sha256 must be CW_SASL_HASH_SHA1 and _SHA256
 * credentials for the same password. */

/* CW_STORE_ERROR_EXISTS when the account exists. */
gboolean cw_gateway_store_account_create (CwGatewayStore *self, const gchar *username,
                                          const CwScramCredentials *sha1,
                                          const CwScramCredentials *sha256, GError **error);
/* Deletes the account and everything it owns (roster, offline, archive, …). */
gboolean cw_gateway_store_account_delete (CwGatewayStore *self, const gchar *username,
                                          GError **error);
/* A password change: replaces both credentials at once. */
gboolean cw_gateway_store_account_set_credentials (CwGatewayStore *self, const gchar *username,
                                                   const CwScramCredentials *sha1,
                                                   const CwScramCredentials *sha256,
                                                   GError **error);
gboolean cw_gateway_store_account_set_disabled (CwGatewayStore *self, const gchar *username,
                                                gboolean disabled, GError **error);
/* FALSE with @error unset when there is no such account (or @username is invalid). */
gboolean cw_gateway_store_account_exists (CwGatewayStore *self, const gchar *username,
                                          GError **error);
/* Returns: (transfer full): the account, or NULL with CW_STORE_ERROR_NOT_FOUND. */
CwGatewayAccount *cw_gateway_store_account_get (CwGatewayStore *self, const gchar *username,
                                                GError **error);
/**
 * cw_gateway_store_account_get_credential:
 *
 * What SCRAM needs to verify @username. It does not look at the disabled
 * flag: check cw_gateway_store_account_get () for that.
 *
 * Returns: (transfer full): free with cw_scram_credentials_free (); NULL
 * with CW_STORE_ERROR_NOT_FOUND when there is no such account.
 */
CwScramCredentials *cw_gateway_store_account_get_credential (CwGatewayStore *self,
                                                             const gchar *username,
                                                             CwSaslHash hash, GError **error);
/* Returns: (transfer full) (element-type utf8): every username, sorted. */
GPtrArray *cw_gateway_store_account_list (CwGatewayStore *self, GError **error);

/* Rosters (RFC 6121) with versioning (RFC 6121 §2.6): each user has a
 * version counter, starting at 0, that every set or remove raises by one;
 * a remove leaves a tombstone so a client at an older version learns of it.
 * A re-created account starts again at 0: build the XEP-0237 ver string
 * from the account's created_at and the version, so a client's cached
 * roster of the old account is never taken for the new one. */

/* Returns: (transfer full) (element-type CwRosterItem): the items, sorted
 * by JID; @version (optional) gets the current roster version. */
GPtrArray *cw_gateway_store_roster_get_all (CwGatewayStore *self, const gchar *username,
                                            guint64 *version, GError **error);
/* Returns: (transfer full): the item, or NULL with CW_STORE_ERROR_NOT_FOUND. */
CwRosterItem *cw_gateway_store_roster_get_item (CwGatewayStore *self, const gchar *username,
                                                const gchar *jid, GError **error);
/* Adds or replaces the item for @item->jid (normalised in place) and its
 * groups; sets @item->version to the new roster version. */
gboolean cw_gateway_store_roster_set_item (CwGatewayStore *self, const gchar *username,
                                           CwRosterItem *item, GError **error);
/* CW_STORE_ERROR_NOT_FOUND when there is no such item. @version
 * (optional) gets the new roster version. */
gboolean cw_gateway_store_roster_remove_item (CwGatewayStore *self, const gchar *username,
                                              const gchar *jid, guint64 *version,
                                              GError **error);
/* The current roster version. */
gboolean cw_gateway_store_roster_get_version (CwGatewayStore *self, const gchar *username,
                                              guint64 *version, GError **error);
/**
 * cw_gateway_store_roster_changes_since:
 * @since: the version the client has
 * @version: (out) (optional): the current version
 *
 * The items changed after @since, oldest change first; a removed item
 * comes back with subscription CW_ROSTER_SUBSCRIPTION_REMOVE. When @since
 * is newer than the current version (a client that knows another roster),
 * the caller should send the whole roster instead.
 *
 * Returns: (transfer full) (element-type CwRosterItem)
 */
GPtrArray *cw_gateway_store_roster_changes_since (CwGatewayStore *self, const gchar *username,
                                                  guint64 since, guint64 *version,
                                                  GError **error);

/* Offline messages (XEP-0160). */

/* Queues @stanza for @username; CW_STORE_ERROR_QUOTA when @max_messages
 * are queued already. */
gboolean cw_gateway_store_offline_push (CwGatewayStore *self, const gchar *username,
                                        const gchar *stanza, guint max_messages, GError **error);
gboolean cw_gateway_store_offline_count (CwGatewayStore *self, const gchar *username,
                                         guint *count, GError **error);
/* Returns and deletes the queue in one transaction, oldest first.
 * Returns: (transfer full) (element-type CwOfflineMessage) */
GPtrArray *cw_gateway_store_offline_take_all (CwGatewayStore *self, const gchar *username,
                                              GError **error);

/* Archive (XEP-0313, one-to-one messages). */

/* Saves @entry: a NULL id gets a fresh UUID, a 0 timestamp gets now (both
 * set in @entry); with is normalised in place. CW_STORE_ERROR_EXISTS when
 * the user has an entry with that id. */
gboolean cw_gateway_store_archive_append (CwGatewayStore *self, const gchar *username,
                                          CwArchiveEntry *entry, GError **error);
/**
 * cw_gateway_store_archive_query:
 * @complete: (out): TRUE when the page reaches the end of the results in
 *   its direction: the last entry, or the first for a @before page
 *
 * Returns: (transfer full) (element-type CwArchiveEntry): one page in
 * archive order, or NULL with CW_STORE_ERROR_NOT_FOUND when @after or
 * @before names no entry of the user (XEP-0313 item-not-found).
 */
GPtrArray *cw_gateway_store_archive_query (CwGatewayStore *self, const gchar *username,
                                           const CwArchiveQuery *query, gboolean *complete,
                                           GError **error);
/* The entries matching @query's with, start and end (paging ignored):
 * the XEP-0059 <count/>. */
gboolean cw_gateway_store_archive_count (CwGatewayStore *self, const gchar *username,
                                         const CwArchiveQuery *query, guint *count,
                                         GError **error);
/* Deletes at most @limit (0: no limit) entries, of all users, older than
 * @before; @n_deleted (optional) says how many. Call again until it is 0
 * to expire a large archive in short steps. */
gboolean cw_gateway_store_archive_expire (CwGatewayStore *self, gint64 before, guint limit,
                                          guint *n_deleted, GError **error);

/* Blocking (XEP-0191). JIDs are kept as given (normalised): a bare JID,
 * a full JID, a domain or domain/resource. */

/* Adding a blocked JID again is not an error. */
gboolean cw_gateway_store_block_add (CwGatewayStore *self, const gchar *username,
                                     const gchar *jid, GError **error);
/* Removing one that is not blocked is not an error. */
gboolean cw_gateway_store_block_remove (CwGatewayStore *self, const gchar *username,
                                        const gchar *jid, GError **error);
gboolean cw_gateway_store_block_clear (CwGatewayStore *self, const gchar *username,
                                       GError **error);
/* Returns: (transfer full) (element-type utf8): the blocked JIDs, sorted. */
GPtrArray *cw_gateway_store_block_list (CwGatewayStore *self, const gchar *username,
                                        GError **error);
/**
 * cw_gateway_store_block_is_blocked:
 * @jid: a full or bare JID
 *
 * Whether @username blocks @jid, matching as XEP-0191 §3.4 asks (RFC 6121
 * privacy rules): an entry for the full JID, the bare JID, the domain and
 * resource, or the domain blocks it.
 */
gboolean cw_gateway_store_block_is_blocked (CwGatewayStore *self, const gchar *username,
                                            const gchar *jid, gboolean *blocked,
                                            GError **error);

/* vcard-temp (XEP-0054) and private XML storage (XEP-0049). */

/* @vcard: (out) (transfer full): the serialised <vCard/>, or NULL when
 * the user has none. */
gboolean cw_gateway_store_vcard_get (CwGatewayStore *self, const gchar *username, gchar **vcard,
                                     GError **error);
/* @vcard: (nullable): NULL deletes it. */
gboolean cw_gateway_store_vcard_set (CwGatewayStore *self, const gchar *username,
                                     const gchar *vcard, GError **error);
/* @xml: (out) (transfer full): the stored element, or NULL when none. */
gboolean cw_gateway_store_private_get (CwGatewayStore *self, const gchar *username,
                                       const gchar *element, const gchar *ns, gchar **xml,
                                       GError **error);
/* @xml: (nullable): NULL deletes it. */
gboolean cw_gateway_store_private_set (CwGatewayStore *self, const gchar *username,
                                       const gchar *element, const gchar *ns, const gchar *xml,
                                       GError **error);

G_END_DECLS

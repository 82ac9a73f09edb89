/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwGatewayStore: the gateway's records (accounts, rosters, offline, archive, …) in SQLite (WAL). */
#include "config.h"
#include "store/gateway-store.h"

#include <glib/gi18n-lib.h>

#include "common/jid.h"
#include "store/db.h"
#include "store/gateway-migrations.h"

struct _CwGatewayStore
{
  GObject parent;
  CwDb *db; /* owned */
};

G_DEFINE_FINAL_TYPE (CwGatewayStore, cw_gateway_store, G_TYPE_OBJECT)

/* SQL. ?1 is always the (normalised) username. */

static const gchar SQL_ACCOUNT_CHECK[] = "SELECT 1 FROM accounts WHERE username = ?1";
static const gchar SQL_ACCOUNT_INSERT[] =
  "INSERT INTO accounts (username, created_at) VALUES (?1, ?2)";
static const gchar SQL_ACCOUNT_DELETE[] = "DELETE FROM accounts WHERE username = ?1";
static const gchar SQL_ACCOUNT_GET[] =
  "SELECT username, disabled, created_at FROM accounts WHERE username = ?1";
static const gchar SQL_ACCOUNT_LIST[] = "SELECT username FROM accounts ORDER BY username";
static const gchar SQL_ACCOUNT_SET_DISABLED[] =
  "UPDATE accounts SET disabled = ?2 WHERE username = ?1";
static const gchar SQL_CREDENTIAL_PUT[] =
  "INSERT OR REPLACE INTO credentials (username, hash, salt, iterations, stored_key, server_key) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const gchar SQL_CREDENTIAL_GET[] =
  "SELECT salt, iterations, stored_key, server_key FROM credentials "
  "WHERE username = ?1 AND hash = ?2";

static const gchar SQL_ROSTER_VERSION[] =
  "SELECT roster_version FROM accounts WHERE username = ?1";
static const gchar SQL_ROSTER_BUMP[] =
  "UPDATE accounts SET roster_version = roster_version + 1 WHERE username = ?1 "
  "RETURNING roster_version";
#define ROSTER_SELECT \
  "SELECT i.jid, i.name, i.subscription, i.ask_out, i.pending_in, i.version, g.name " \
  "FROM roster_items i LEFT JOIN roster_groups g USING (username, jid) "
/* ?2 is -1: the query shape of SQL_ROSTER_SINCE, sorted for display. */
static const gchar SQL_ROSTER_ALL[] =
  ROSTER_SELECT "WHERE i.username = ?1 AND i.version > ?2 ORDER BY i.jid, g.name";
static const gchar SQL_ROSTER_ITEM[] =
  ROSTER_SELECT "WHERE i.username = ?1 AND i.jid = ?2 ORDER BY g.name";
static const gchar SQL_ROSTER_SINCE[] =
  ROSTER_SELECT "WHERE i.username = ?1 AND i.version > ?2 ORDER BY i.version, g.name";
static const gchar SQL_ROSTER_PUT[] =
  "INSERT INTO roster_items (username, jid, name, subscription, ask_out, pending_in, version) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (username, jid) DO UPDATE SET "
  "name = excluded.name, subscription = excluded.subscription, ask_out = excluded.ask_out, "
  "pending_in = excluded.pending_in, version = excluded.version";
static const gchar SQL_ROSTER_DELETE[] =
  "DELETE FROM roster_items WHERE username = ?1 AND jid = ?2";
static const gchar SQL_GROUPS_CLEAR[] =
  "DELETE FROM roster_groups WHERE username = ?1 AND jid = ?2";
static const gchar SQL_GROUP_ADD[] =
  "INSERT INTO roster_groups (username, jid, name) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const gchar SQL_TOMBSTONE_PUT[] =
  "INSERT OR REPLACE INTO roster_tombstones (username, jid, version) VALUES (?1, ?2, ?3)";
static const gchar SQL_TOMBSTONE_CLEAR[] =
  "DELETE FROM roster_tombstones WHERE username = ?1 AND jid = ?2";
static const gchar SQL_TOMBSTONES_SINCE[] =
  "SELECT jid, version FROM roster_tombstones WHERE username = ?1 AND version > ?2";

static const gchar SQL_OFFLINE_COUNT[] = "SELECT count(*) FROM offline WHERE username = ?1";
static const gchar SQL_OFFLINE_PUSH[] =
  "INSERT INTO offline (username, stanza, stored_at) VALUES (?1, ?2, ?3)";
static const gchar SQL_OFFLINE_ALL[] =
  "SELECT id, stored_at, stanza FROM offline WHERE username = ?1 ORDER BY id";
static const gchar SQL_OFFLINE_CLEAR[] = "DELETE FROM offline WHERE username = ?1";

static const gchar SQL_ARCHIVE_APPEND[] =
  "INSERT INTO archive (username, id, timestamp, with_jid, direction, stanza) "
  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const gchar SQL_ARCHIVE_SEQ[] = "SELECT seq FROM archive WHERE username = ?1 AND id = ?2";
/* ?2 with, ?3 start, ?4 end, ?5 lowest seq excluded, ?6 highest seq excluded, ?7 limit. */
#define ARCHIVE_SELECT "SELECT id, timestamp, with_jid, direction, stanza FROM archive "
#define ARCHIVE_RANGE "timestamp >= ?3 AND timestamp <= ?4 AND seq > ?5 AND seq < ?6 "
static const gchar SQL_ARCHIVE_FORWARD[] =
  ARCHIVE_SELECT "WHERE username = ?1 AND " ARCHIVE_RANGE "ORDER BY seq LIMIT ?7";
static const gchar SQL_ARCHIVE_FORWARD_WITH[] =
  ARCHIVE_SELECT "WHERE username = ?1 AND with_jid = ?2 AND " ARCHIVE_RANGE "ORDER BY seq LIMIT ?7";
static const gchar SQL_ARCHIVE_BACKWARD[] =
  ARCHIVE_SELECT "WHERE username = ?1 AND " ARCHIVE_RANGE "ORDER BY seq DESC LIMIT ?7";
static const gchar SQL_ARCHIVE_BACKWARD_WITH[] =
  ARCHIVE_SELECT "WHERE username = ?1 AND with_jid = ?2 AND " ARCHIVE_RANGE
                 "ORDER BY seq DESC LIMIT ?7";
static const gchar SQL_ARCHIVE_COUNT[] =
  "SELECT count(*) FROM archive WHERE username = ?1 AND timestamp >= ?3 AND timestamp <= ?4";
static const gchar SQL_ARCHIVE_COUNT_WITH[] =
  "SELECT count(*) FROM archive WHERE username = ?1 AND with_jid = ?2 "
  "AND timestamp >= ?3 AND timestamp <= ?4";
static const gchar SQL_ARCHIVE_EXPIRE[] =
  "DELETE FROM archive WHERE seq IN "
  "(SELECT seq FROM archive WHERE timestamp < ?1 ORDER BY timestamp LIMIT ?2)";

static const gchar SQL_BLOCK_ADD[] =
  "INSERT INTO blocklist (username, jid) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
static const gchar SQL_BLOCK_REMOVE[] = "DELETE FROM blocklist WHERE username = ?1 AND jid = ?2";
static const gchar SQL_BLOCK_CLEAR[] = "DELETE FROM blocklist WHERE username = ?1";
static const gchar SQL_BLOCK_LIST[] = "SELECT jid FROM blocklist WHERE username = ?1 ORDER BY jid";
static const gchar SQL_BLOCK_MATCH[] =
  "SELECT 1 FROM blocklist WHERE username = ?1 AND jid IN (?2, ?3, ?4, ?5) LIMIT 1";

static const gchar SQL_VCARD_GET[] = "SELECT vcard FROM vcards WHERE username = ?1";
static const gchar SQL_VCARD_PUT[] = "INSERT OR REPLACE INTO vcards (username, vcard) VALUES (?1, ?2)";
static const gchar SQL_VCARD_DELETE[] = "DELETE FROM vcards WHERE username = ?1";
static const gchar SQL_PRIVATE_GET[] =
  "SELECT xml FROM private_xml WHERE username = ?1 AND element = ?2 AND ns = ?3";
static const gchar SQL_PRIVATE_PUT[] =
  "INSERT OR REPLACE INTO private_xml (username, element, ns, xml) VALUES (?1, ?2, ?3, ?4)";
static const gchar SQL_PRIVATE_DELETE[] =
  "DELETE FROM private_xml WHERE username = ?1 AND element = ?2 AND ns = ?3";

/* Object */

static void
cw_gateway_store_finalize (GObject *object)
{
  CwGatewayStore *self = CW_GATEWAY_STORE (object);

  g_clear_pointer (&self->db, cw_db_close);
  G_OBJECT_CLASS (cw_gateway_store_parent_class)->finalize (object);
}

static void
cw_gateway_store_class_init (CwGatewayStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = cw_gateway_store_finalize;
}

static void
cw_gateway_store_init (CwGatewayStore *self)
{
}

CwGatewayStore *
cw_gateway_store_open (const gchar *path, GError **error)
{
  g_autoptr (CwDb) db = NULL;
  CwGatewayStore *self;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  db = cw_db_open (path, cw_gateway_store_schema (), 0, error);
  /* A server commits on every message (archive, offline): NORMAL, not
   * FULL. With WAL a commit is in the kernel once it returns, so kill -9
   * of the gateway still loses nothing it acknowledged (gw-crash.sh); only
   * a power cut or kernel crash may roll back the last commits, as with
   * Prosody and ejabberd, which never fsync per message. */
  if (db == NULL || !cw_db_exec (db, "PRAGMA synchronous = NORMAL;", error))
    return NULL;
  self = g_object_new (CW_TYPE_GATEWAY_STORE, NULL);
  self->db = g_steal_pointer (&db);
  return self;
}

const gchar *
cw_gateway_store_get_path (CwGatewayStore *self)
{
  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  return cw_db_get_path (self->db);
}

guint
cw_gateway_store_get_schema_version (CwGatewayStore *self)
{
  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), 0);
  return cw_db_get_schema_version (self->db);
}

guint
cw_gateway_store_get_latest_schema_version (void)
{
  return cw_gateway_store_schema ()->n_steps;
}

/* Helpers */

/* Returns: (transfer full): @username as a normalised JID localpart. */
static gchar *
normalize_user (const gchar *username, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (CwJid) jid = NULL;

  /* Any valid domain will do: only the localpart is kept. */
  if (username != NULL)
    jid = cw_jid_new (username, "localhost", NULL, &local_error);
  if (jid == NULL)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_INVALID,
                   _("“%s” is not a valid username: %s"), username != NULL ? username : "",
                   local_error != NULL ? local_error->message : "");
      return NULL;
    }
  return g_strdup (cw_jid_get_local (jid));
}

/* Returns: (transfer full): the parsed JID, or NULL with CW_STORE_ERROR_INVALID. */
static CwJid *
parse_jid (const gchar *text, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  CwJid *jid = text != NULL ? cw_jid_parse (text, &local_error) : NULL;

  if (jid == NULL)
    g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_INVALID, _("“%s” is not a valid JID: %s"),
                 text != NULL ? text : "", local_error != NULL ? local_error->message : "");
  return jid;
}

/* Returns: (transfer full): @text as a normalised bare JID (a full one loses its resource). */
static gchar *
normalize_bare (const gchar *text, GError **error)
{
  g_autoptr (CwJid) jid = parse_jid (text, error);

  return jid != NULL ? g_strdup (cw_jid_get_bare_string (jid)) : NULL;
}

static gboolean
no_account (const gchar *user, GError **error)
{
  g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, _("There is no account %s"),
               user);
  return FALSE;
}

/* A foreign key failure means the owning account is gone (deleted, perhaps
 * by another process, since we looked): say so. */
static gboolean
explain_missing_account (const gchar *user, GError **error)
{
  if (error != NULL && g_error_matches (*error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
    {
      g_clear_error (error);
      return no_account (user, error);
    }
  return FALSE;
}

/* NOT_FOUND unless @user (normalised) has an account. */
static gboolean
account_check (CwGatewayStore *self, const gchar *user, GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_ACCOUNT_CHECK, error);
  gboolean found = FALSE;
  gint64 one;

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  if (!cw_db_query_int64 (stmt, _("Could not read accounts"), &one, &found, error))
    return FALSE;
  return found || no_account (user, error);
}

/* Runs a statement bound with ?1 = @user and, when not NULL, ?2 = @arg. */
static gboolean
run_user (CwGatewayStore *self, const gchar *sql, const gchar *user, const gchar *arg,
          const gchar *what, GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, sql, error);

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  if (arg != NULL)
    cw_db_bind_text (stmt, 2, arg);
  return cw_db_run (stmt, what, error);
}

/* Ends a write transaction: commits when @ok, else rolls back. Returns @ok && committed. */
static gboolean
finish (CwGatewayStore *self, gboolean ok, GError **error)
{
  if (!ok)
    {
      cw_db_rollback (self->db);
      return FALSE;
    }
  return cw_db_commit (self->db, error);
}

/* Accounts */

static const gchar *
hash_name (CwSaslHash hash)
{
  return hash == CW_SASL_HASH_SHA1 ? "sha1" : "sha256";
}

static gboolean
credential_put (CwGatewayStore *self, const gchar *user, const CwScramCredentials *creds,
                GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_CREDENTIAL_PUT, error);

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, hash_name (creds->hash));
  cw_db_bind_bytes (stmt, 3, creds->salt);
  cw_db_bind_int64 (stmt, 4, creds->iterations);
  cw_db_bind_bytes (stmt, 5, creds->stored_key);
  cw_db_bind_bytes (stmt, 6, creds->server_key);
  return cw_db_run (stmt, _("Could not save the account"), error);
}

static gboolean
credentials_valid (const CwScramCredentials *creds, CwSaslHash hash)
{
  return creds != NULL && creds->hash == hash && creds->salt != NULL && creds->iterations > 0
         && creds->stored_key != NULL && creds->server_key != NULL;
}

static gboolean
account_insert (CwGatewayStore *self, const gchar *user, GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_ACCOUNT_INSERT, error);
  g_autoptr (GError) local_error = NULL;

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_int64 (stmt, 2, g_get_real_time ());
  if (cw_db_run (stmt, _("Could not save the account"), &local_error))
    return TRUE;
  if (g_error_matches (local_error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS))
    g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS, _("The account %s exists already"),
                 user);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Both credentials of @username in one transaction: a new account
 * (@create) or an existing one's. */
static gboolean
account_put_credentials (CwGatewayStore *self, const gchar *username, gboolean create,
                         const CwScramCredentials *sha1, const CwScramCredentials *sha256,
                         GError **error)
{
  g_autofree gchar *user = NULL;
  gboolean ok;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (credentials_valid (sha1, CW_SASL_HASH_SHA1), FALSE);
  g_return_val_if_fail (credentials_valid (sha256, CW_SASL_HASH_SHA256), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, error);
  if (user == NULL || !cw_db_begin (self->db, error))
    return FALSE;
  ok = (create ? account_insert (self, user, error) : account_check (self, user, error))
       && credential_put (self, user, sha1, error) && credential_put (self, user, sha256, error);
  return finish (self, ok, error);
}

gboolean
cw_gateway_store_account_create (CwGatewayStore *self, const gchar *username,
                                 const CwScramCredentials *sha1, const CwScramCredentials *sha256,
                                 GError **error)
{
  return account_put_credentials (self, username, TRUE, sha1, sha256, error);
}

gboolean
cw_gateway_store_account_delete (CwGatewayStore *self, const gchar *username, GError **error)
{
  g_autofree gchar *user = NULL;
  gboolean ok;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, error);
  /* One statement; ON DELETE CASCADE removes the rest in its transaction. */
  if (user == NULL
      || !run_user (self, SQL_ACCOUNT_DELETE, user, NULL, _("Could not delete the account"), error))
    return FALSE;
  ok = cw_db_changes (self->db) > 0;
  return ok || no_account (user, error);
}

gboolean
cw_gateway_store_account_set_credentials (CwGatewayStore *self, const gchar *username,
                                          const CwScramCredentials *sha1,
                                          const CwScramCredentials *sha256, GError **error)
{
  return account_put_credentials (self, username, FALSE, sha1, sha256, error);
}

gboolean
cw_gateway_store_account_set_disabled (CwGatewayStore *self, const gchar *username,
                                       gboolean disabled, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, error);
  if (user == NULL || (stmt = cw_db_prepare (self->db, SQL_ACCOUNT_SET_DISABLED, error)) == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_int64 (stmt, 2, disabled ? 1 : 0);
  if (!cw_db_run (stmt, _("Could not save the account"), error))
    return FALSE;
  return cw_db_changes (self->db) > 0 || no_account (user, error);
}

gboolean
cw_gateway_store_account_exists (CwGatewayStore *self, const gchar *username, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, NULL);
  if (user == NULL)
    return FALSE;
  if (account_check (self, user, &local_error))
    return TRUE;
  if (!g_error_matches (local_error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

CwGatewayAccount *
cw_gateway_store_account_get (CwGatewayStore *self, const gchar *username, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;
  CwGatewayAccount *account;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  user = normalize_user (username, error);
  if (user == NULL || (stmt = cw_db_prepare (self->db, SQL_ACCOUNT_GET, error)) == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, user);
  switch (cw_db_step (stmt, _("Could not read accounts"), error))
    {
    case CW_DB_STEP_ROW:
      account = g_new0 (CwGatewayAccount, 1);
      account->username = cw_db_column_dup_text (stmt, 0);
      account->disabled = cw_db_column_int64 (stmt, 1) != 0;
      account->created_at = cw_db_column_int64 (stmt, 2);
      return account;
    case CW_DB_STEP_DONE:
      no_account (user, error);
      return NULL;
    default:
      return NULL;
    }
}

/* Frees what credential_from_row built; the store does not link the
 * server layer, where cw_scram_credentials_free () lives. */
static void
credentials_free (CwScramCredentials *creds)
{
  g_clear_pointer (&creds->salt, g_bytes_unref);
  g_clear_pointer (&creds->stored_key, g_bytes_unref);
  g_clear_pointer (&creds->server_key, g_bytes_unref);
  g_free (creds);
}

static CwScramCredentials *
credential_from_row (CwGatewayStore *self, CwDbStmt *stmt, const gchar *user, CwSaslHash hash,
                     GError **error)
{
  CwScramCredentials *creds = g_new0 (CwScramCredentials, 1);
  gint64 iterations = cw_db_column_int64 (stmt, 1);

  creds->hash = hash;
  creds->salt = cw_db_column_bytes (stmt, 0);
  creds->stored_key = cw_db_column_bytes (stmt, 2);
  creds->server_key = cw_db_column_bytes (stmt, 3);
  creds->iterations = CLAMP (iterations, 0, G_MAXUINT);
  if (creds->salt == NULL || creds->stored_key == NULL || creds->server_key == NULL
      || iterations <= 0 || iterations > G_MAXUINT)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
                   _("%s: the credentials of %s are damaged"), cw_db_get_path (self->db), user);
      credentials_free (creds);
      return NULL;
    }
  return creds;
}

CwScramCredentials *
cw_gateway_store_account_get_credential (CwGatewayStore *self, const gchar *username,
                                         CwSaslHash hash, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (hash == CW_SASL_HASH_SHA1 || hash == CW_SASL_HASH_SHA256, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  user = normalize_user (username, error);
  if (user == NULL || (stmt = cw_db_prepare (self->db, SQL_CREDENTIAL_GET, error)) == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, hash_name (hash));
  switch (cw_db_step (stmt, _("Could not read accounts"), error))
    {
    case CW_DB_STEP_ROW:
      return credential_from_row (self, stmt, user, hash, error);
    case CW_DB_STEP_DONE:
      no_account (user, error);
      return NULL;
    default:
      return NULL;
    }
}

GPtrArray *
cw_gateway_store_account_list (CwGatewayStore *self, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = cw_db_prepare (self->db, SQL_ACCOUNT_LIST, error);
  return stmt != NULL ? cw_db_collect_strings (stmt, _("Could not read accounts"), error) : NULL;
}

/* Rosters */

enum
{
  ROSTER_COL_JID,
  ROSTER_COL_NAME,
  ROSTER_COL_SUBSCRIPTION,
  ROSTER_COL_ASK_OUT,
  ROSTER_COL_PENDING_IN,
  ROSTER_COL_VERSION,
  ROSTER_COL_GROUP,
};

static gboolean
roster_item_from_row (CwGatewayStore *self, CwDbStmt *stmt, CwRosterItem **out, GError **error)
{
  g_autoptr (CwRosterItem) item = cw_roster_item_new (cw_db_column_text (stmt, ROSTER_COL_JID));
  const gchar *subscription = cw_db_column_text (stmt, ROSTER_COL_SUBSCRIPTION);

  if (!cw_roster_subscription_from_string (subscription, &item->subscription)
      || item->subscription == CW_ROSTER_SUBSCRIPTION_REMOVE)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT,
                   _("%s: roster item %s has an unknown subscription"), cw_db_get_path (self->db),
                   item->jid);
      return FALSE;
    }
  item->name = cw_db_column_dup_text (stmt, ROSTER_COL_NAME);
  item->ask_out = cw_db_column_int64 (stmt, ROSTER_COL_ASK_OUT) != 0;
  item->pending_in = cw_db_column_int64 (stmt, ROSTER_COL_PENDING_IN) != 0;
  item->version = MAX (cw_db_column_int64 (stmt, ROSTER_COL_VERSION), 0);
  *out = g_steal_pointer (&item);
  return TRUE;
}

static void
take_groups (CwRosterItem *item, GStrvBuilder *groups)
{
  if (item != NULL)
    item->groups = g_strv_builder_end (groups);
}

/* Steps a ROSTER_SELECT (one row per item and group, an item's rows
 * together) and returns the items with their groups. */
static GPtrArray *
collect_roster (CwGatewayStore *self, CwDbStmt *stmt, GError **error)
{
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_roster_item_free);
  g_autoptr (GStrvBuilder) groups = g_strv_builder_new ();
  CwRosterItem *item = NULL;
  CwDbStep step;

  while ((step = cw_db_step (stmt, _("Could not read the roster"), error)) == CW_DB_STEP_ROW)
    {
      const gchar *group = cw_db_column_text (stmt, ROSTER_COL_GROUP);

      if (item == NULL || g_strcmp0 (item->jid, cw_db_column_text (stmt, ROSTER_COL_JID)) != 0)
        {
          take_groups (item, groups);
          if (!roster_item_from_row (self, stmt, &item, error))
            return NULL;
          g_ptr_array_add (items, item);
        }
      if (group != NULL)
        g_strv_builder_add (groups, group);
    }
  if (step == CW_DB_STEP_ERROR)
    return NULL;
  take_groups (item, groups);
  return g_steal_pointer (&items);
}

/* Runs @sql (one row: the roster version) for @user. */
static gboolean
query_roster_version (CwGatewayStore *self, const gchar *sql, const gchar *failure,
                      const gchar *user, guint64 *version, GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, sql, error);
  gboolean found = FALSE;
  gint64 value = 0;

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  if (!cw_db_query_int64 (stmt, failure, &value, &found, error))
    return FALSE;
  if (version != NULL)
    *version = MAX (value, 0);
  return found || no_account (user, error);
}

static gboolean
roster_version (CwGatewayStore *self, const gchar *user, guint64 *version, GError **error)
{
  return query_roster_version (self, SQL_ROSTER_VERSION, _("Could not read the roster"), user,
                               version, error);
}

/* Raises @user's roster version by one, inside the caller's transaction. */
static gboolean
roster_bump (CwGatewayStore *self, const gchar *user, guint64 *version, GError **error)
{
  return query_roster_version (self, SQL_ROSTER_BUMP, _("Could not save the roster"), user,
                               version, error);
}

/* Runs a ROSTER_SELECT bound with ?1 = @user and ?2 = @arg_text or @arg_int. */
static GPtrArray *
roster_select (CwGatewayStore *self, const gchar *sql, const gchar *user, const gchar *arg_text,
               gint64 arg_int, GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, sql, error);

  if (stmt == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, user);
  if (arg_text != NULL)
    cw_db_bind_text (stmt, 2, arg_text);
  else
    cw_db_bind_int64 (stmt, 2, arg_int);
  return collect_roster (self, stmt, error);
}

GPtrArray *
cw_gateway_store_roster_get_all (CwGatewayStore *self, const gchar *username, guint64 *version,
                                 GError **error)
{
  g_autoptr (GPtrArray) items = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  user = normalize_user (username, error);
  /* One snapshot: the version must be the one of these items. */
  if (user == NULL || !cw_db_begin_read (self->db, error))
    return NULL;
  if (!roster_version (self, user, version, error)
      || (items = roster_select (self, SQL_ROSTER_ALL, user, NULL, -1, error)) == NULL
      || !cw_db_commit (self->db, error))
    {
      cw_db_rollback (self->db);
      return NULL;
    }
  return g_steal_pointer (&items);
}

CwRosterItem *
cw_gateway_store_roster_get_item (CwGatewayStore *self, const gchar *username, const gchar *jid,
                                  GError **error)
{
  g_autoptr (GPtrArray) items = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if ((user = normalize_user (username, error)) == NULL
      || (contact = normalize_bare (jid, error)) == NULL || !account_check (self, user, error))
    return NULL;
  items = roster_select (self, SQL_ROSTER_ITEM, user, contact, 0, error);
  if (items == NULL)
    return NULL;
  if (items->len == 0)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND,
                   _("%s has no roster item for %s"), user, contact);
      return NULL;
    }
  return g_ptr_array_steal_index (items, 0);
}

static gboolean
roster_put (CwGatewayStore *self, const gchar *user, const CwRosterItem *item, guint64 version,
            GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_ROSTER_PUT, error);

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, item->jid);
  cw_db_bind_text (stmt, 3, item->name);
  cw_db_bind_text (stmt, 4, cw_roster_subscription_to_string (item->subscription));
  cw_db_bind_int64 (stmt, 5, item->ask_out ? 1 : 0);
  cw_db_bind_int64 (stmt, 6, item->pending_in ? 1 : 0);
  cw_db_bind_int64 (stmt, 7, version);
  return cw_db_run (stmt, _("Could not save the roster"), error);
}

static gboolean
roster_put_groups (CwGatewayStore *self, const gchar *user, const CwRosterItem *item,
                   GError **error)
{
  const gchar *what = _("Could not save the roster");

  if (!run_user (self, SQL_GROUPS_CLEAR, user, item->jid, what, error))
    return FALSE;
  for (guint i = 0; item->groups != NULL && item->groups[i] != NULL; i++)
    {
      g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_GROUP_ADD, error);

      if (stmt == NULL)
        return FALSE;
      cw_db_bind_text (stmt, 1, user);
      cw_db_bind_text (stmt, 2, item->jid);
      cw_db_bind_text (stmt, 3, item->groups[i]);
      if (!cw_db_run (stmt, what, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
cw_gateway_store_roster_set_item (CwGatewayStore *self, const gchar *username, CwRosterItem *item,
                                  GError **error)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;
  guint64 version = 0;
  gboolean ok;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (item != NULL, FALSE);
  g_return_val_if_fail (item->subscription <= CW_ROSTER_SUBSCRIPTION_BOTH, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((user = normalize_user (username, error)) == NULL
      || (contact = normalize_bare (item->jid, error)) == NULL)
    return FALSE;
  g_free (item->jid);
  item->jid = g_steal_pointer (&contact);
  if (!cw_db_begin (self->db, error))
    return FALSE;
  ok = roster_bump (self, user, &version, error) && roster_put (self, user, item, version, error)
       && roster_put_groups (self, user, item, error)
       && run_user (self, SQL_TOMBSTONE_CLEAR, user, item->jid, _("Could not save the roster"),
                    error);
  if (!finish (self, ok, error))
    return FALSE;
  item->version = version;
  return TRUE;
}

static gboolean
tombstone_put (CwGatewayStore *self, const gchar *user, const gchar *jid, guint64 version,
               GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_TOMBSTONE_PUT, error);

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, jid);
  cw_db_bind_int64 (stmt, 3, version);
  return cw_db_run (stmt, _("Could not save the roster"), error);
}

/* Deletes the item inside the caller's transaction; NOT_FOUND if there was none. */
static gboolean
roster_delete (CwGatewayStore *self, const gchar *user, const gchar *jid, GError **error)
{
  if (!run_user (self, SQL_ROSTER_DELETE, user, jid, _("Could not save the roster"), error))
    return FALSE;
  if (cw_db_changes (self->db) > 0)
    return TRUE;
  g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND, _("%s has no roster item for %s"),
               user, jid);
  return FALSE;
}

gboolean
cw_gateway_store_roster_remove_item (CwGatewayStore *self, const gchar *username,
                                     const gchar *jid, guint64 *version, GError **error)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;
  guint64 new_version = 0;
  gboolean ok;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((user = normalize_user (username, error)) == NULL
      || (contact = normalize_bare (jid, error)) == NULL || !cw_db_begin (self->db, error))
    return FALSE;
  ok = roster_bump (self, user, &new_version, error) && roster_delete (self, user, contact, error)
       && tombstone_put (self, user, contact, new_version, error);
  if (!finish (self, ok, error))
    return FALSE;
  if (version != NULL)
    *version = new_version;
  return TRUE;
}

gboolean
cw_gateway_store_roster_get_version (CwGatewayStore *self, const gchar *username,
                                     guint64 *version, GError **error)
{
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (version != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, error);
  return user != NULL && roster_version (self, user, version, error);
}

/* Appends @user's tombstones newer than @since to @changes as REMOVE items. */
static gboolean
add_tombstones (CwGatewayStore *self, const gchar *user, guint64 since, GPtrArray *changes,
                GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_TOMBSTONES_SINCE, error);
  CwDbStep step;

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_int64 (stmt, 2, MIN (since, G_MAXINT64));
  while ((step = cw_db_step (stmt, _("Could not read the roster"), error)) == CW_DB_STEP_ROW)
    {
      CwRosterItem *item = cw_roster_item_new (cw_db_column_text (stmt, 0));

      item->subscription = CW_ROSTER_SUBSCRIPTION_REMOVE;
      item->version = MAX (cw_db_column_int64 (stmt, 1), 0);
      g_ptr_array_add (changes, item);
    }
  return step == CW_DB_STEP_DONE;
}

static gint
compare_versions (gconstpointer a, gconstpointer b)
{
  const CwRosterItem *x = *(CwRosterItem *const *) a;
  const CwRosterItem *y = *(CwRosterItem *const *) b;

  return x->version < y->version ? -1 : x->version > y->version;
}

GPtrArray *
cw_gateway_store_roster_changes_since (CwGatewayStore *self, const gchar *username, guint64 since,
                                       guint64 *version, GError **error)
{
  g_autoptr (GPtrArray) changes = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  user = normalize_user (username, error);
  if (user == NULL || !cw_db_begin_read (self->db, error))
    return NULL;
  if (!roster_version (self, user, version, error)
      || (changes = roster_select (self, SQL_ROSTER_SINCE, user, NULL, MIN (since, G_MAXINT64),
                                   error)) == NULL
      || !add_tombstones (self, user, since, changes, error) || !cw_db_commit (self->db, error))
    {
      cw_db_rollback (self->db);
      return NULL;
    }
  g_ptr_array_sort (changes, compare_versions);
  return g_steal_pointer (&changes);
}

/* Offline messages */

static gboolean
offline_count (CwGatewayStore *self, const gchar *user, guint *count, GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_OFFLINE_COUNT, error);
  gint64 value = 0;

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  if (!cw_db_query_int64 (stmt, _("Could not read offline messages"), &value, NULL, error))
    return FALSE;
  *count = CLAMP (value, 0, G_MAXUINT);
  return TRUE;
}

static gboolean
offline_insert (CwGatewayStore *self, const gchar *user, const gchar *stanza, guint max_messages,
                GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  guint count = 0;

  if (!offline_count (self, user, &count, error))
    return FALSE;
  if (count >= max_messages)
    {
      g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_QUOTA,
                   _("%s has %u offline messages, the most this server keeps"), user, count);
      return FALSE;
    }
  if ((stmt = cw_db_prepare (self->db, SQL_OFFLINE_PUSH, error)) == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, stanza);
  cw_db_bind_int64 (stmt, 3, g_get_real_time ());
  return cw_db_run (stmt, _("Could not save the offline message"), error);
}

gboolean
cw_gateway_store_offline_push (CwGatewayStore *self, const gchar *username, const gchar *stanza,
                               guint max_messages, GError **error)
{
  g_autofree gchar *user = NULL;
  gboolean ok;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (stanza != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, error);
  /* Count and insert under the write lock, so two writers cannot both
   * take the last place. */
  if (user == NULL || !cw_db_begin (self->db, error))
    return FALSE;
  ok = account_check (self, user, error) && offline_insert (self, user, stanza, max_messages, error);
  return finish (self, ok, error);
}

gboolean
cw_gateway_store_offline_count (CwGatewayStore *self, const gchar *username, guint *count,
                                GError **error)
{
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (count != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  user = normalize_user (username, error);
  return user != NULL && account_check (self, user, error)
         && offline_count (self, user, count, error);
}

static GPtrArray *
offline_read (CwGatewayStore *self, const gchar *user, GError **error)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_offline_message_free);
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_OFFLINE_ALL, error);
  CwDbStep step;

  if (stmt == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, user);
  while ((step = cw_db_step (stmt, _("Could not read offline messages"), error)) == CW_DB_STEP_ROW)
    {
      CwOfflineMessage *message = g_new0 (CwOfflineMessage, 1);

      message->id = cw_db_column_int64 (stmt, 0);
      message->stored_at = cw_db_column_int64 (stmt, 1);
      message->stanza = cw_db_column_dup_text (stmt, 2);
      g_ptr_array_add (messages, message);
    }
  return step == CW_DB_STEP_DONE ? g_steal_pointer (&messages) : NULL;
}

GPtrArray *
cw_gateway_store_offline_take_all (CwGatewayStore *self, const gchar *username, GError **error)
{
  g_autoptr (GPtrArray) messages = NULL;
  g_autofree gchar *user = NULL;
  gboolean ok;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  user = normalize_user (username, error);
  if (user == NULL || !cw_db_begin (self->db, error))
    return NULL;
  ok = account_check (self, user, error) && (messages = offline_read (self, user, error)) != NULL
       && run_user (self, SQL_OFFLINE_CLEAR, user, NULL, _("Could not delete offline messages"),
                    error);
  if (!finish (self, ok, error))
    return NULL;
  return g_steal_pointer (&messages);
}

/* Archive */

static const gchar *
direction_name (CwArchiveDirection direction)
{
  return direction == CW_ARCHIVE_DIRECTION_IN ? "in" : "out";
}

gboolean
cw_gateway_store_archive_append (CwGatewayStore *self, const gchar *username,
                                 CwArchiveEntry *entry, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *with = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (entry != NULL && entry->stanza != NULL, FALSE);
  g_return_val_if_fail (entry->direction <= CW_ARCHIVE_DIRECTION_OUT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((user = normalize_user (username, error)) == NULL
      || (with = normalize_bare (entry->with, error)) == NULL
      || (stmt = cw_db_prepare (self->db, SQL_ARCHIVE_APPEND, error)) == NULL)
    return FALSE;
  g_free (entry->with);
  entry->with = g_steal_pointer (&with);
  if (entry->id == NULL)
    entry->id = g_uuid_string_random ();
  if (entry->timestamp == 0)
    entry->timestamp = g_get_real_time ();
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, entry->id);
  cw_db_bind_int64 (stmt, 3, entry->timestamp);
  cw_db_bind_text (stmt, 4, entry->with);
  cw_db_bind_text (stmt, 5, direction_name (entry->direction));
  cw_db_bind_text (stmt, 6, entry->stanza);
  if (cw_db_run (stmt, _("Could not save to the archive"), &local_error))
    return TRUE;
  if (g_error_matches (local_error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS))
    g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS,
                 _("%s has an archived message %s already"), user, entry->id);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return explain_missing_account (user, error);
}

/* The archive order (seq) of @user's entry @id; NOT_FOUND if none. */
static gboolean
archive_seq (CwGatewayStore *self, const gchar *user, const gchar *id, gint64 *seq,
             GError **error)
{
  g_autoptr (CwDbStmt) stmt = cw_db_prepare (self->db, SQL_ARCHIVE_SEQ, error);
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, id);
  if (!cw_db_query_int64 (stmt, _("Could not read the archive"), seq, &found, error))
    return FALSE;
  if (!found)
    g_set_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND,
                 _("%s has no archived message %s"), user, id);
  return found;
}

/* Binds ?2 (with), ?3 (start), ?4 (end) of @query. */
static void
bind_archive_filter (CwDbStmt *stmt, const gchar *user, const gchar *with,
                     const CwArchiveQuery *query)
{
  cw_db_bind_text (stmt, 1, user);
  if (with != NULL)
    cw_db_bind_text (stmt, 2, with);
  cw_db_bind_int64 (stmt, 3, query->start != 0 ? query->start : G_MININT64);
  cw_db_bind_int64 (stmt, 4, query->end != 0 ? query->end : G_MAXINT64);
}

static CwArchiveEntry *
archive_entry_from_row (CwDbStmt *stmt)
{
  CwArchiveEntry *entry = g_new0 (CwArchiveEntry, 1);

  entry->id = cw_db_column_dup_text (stmt, 0);
  entry->timestamp = cw_db_column_int64 (stmt, 1);
  entry->with = cw_db_column_dup_text (stmt, 2);
  entry->direction = g_strcmp0 (cw_db_column_text (stmt, 3), "in") == 0
                       ? CW_ARCHIVE_DIRECTION_IN
                       : CW_ARCHIVE_DIRECTION_OUT;
  entry->stanza = cw_db_column_dup_text (stmt, 4);
  return entry;
}

/* One page between the excluded @low and @high seqs, reading max + 1 rows
 * to learn whether the page is the last in its direction. */
static GPtrArray *
archive_page (CwGatewayStore *self, const gchar *user, const gchar *with,
              const CwArchiveQuery *query, gint64 low, gint64 high, gboolean backward,
              gboolean *complete, GError **error)
{
  g_autoptr (GPtrArray) page = g_ptr_array_new_with_free_func ((GDestroyNotify) cw_archive_entry_free);
  g_autoptr (CwDbStmt) stmt = NULL;
  const gchar *sql;
  CwDbStep step;

  if (backward)
    sql = with != NULL ? SQL_ARCHIVE_BACKWARD_WITH : SQL_ARCHIVE_BACKWARD;
  else
    sql = with != NULL ? SQL_ARCHIVE_FORWARD_WITH : SQL_ARCHIVE_FORWARD;
  if ((stmt = cw_db_prepare (self->db, sql, error)) == NULL)
    return NULL;
  bind_archive_filter (stmt, user, with, query);
  cw_db_bind_int64 (stmt, 5, low);
  cw_db_bind_int64 (stmt, 6, high);
  cw_db_bind_int64 (stmt, 7, (gint64) query->max + 1);
  while ((step = cw_db_step (stmt, _("Could not read the archive"), error)) == CW_DB_STEP_ROW)
    g_ptr_array_add (page, archive_entry_from_row (stmt));
  if (step == CW_DB_STEP_ERROR)
    return NULL;
  *complete = page->len <= query->max;
  if (!*complete)
    g_ptr_array_set_size (page, query->max);
  if (backward)
    for (guint i = 0; i < page->len / 2; i++)
      {
        gpointer tmp = page->pdata[i];

        page->pdata[i] = page->pdata[page->len - 1 - i];
        page->pdata[page->len - 1 - i] = tmp;
      }
  return g_steal_pointer (&page);
}

/* Checks the account and normalises @query's with (NULL when none). */
static gboolean
archive_prepare (CwGatewayStore *self, const gchar *username, const CwArchiveQuery *query,
                 gchar **user, gchar **with, GError **error)
{
  if ((*user = normalize_user (username, error)) == NULL)
    return FALSE;
  if (query->with != NULL && (*with = normalize_bare (query->with, error)) == NULL)
    return FALSE;
  return account_check (self, *user, error);
}

GPtrArray *
cw_gateway_store_archive_query (CwGatewayStore *self, const gchar *username,
                                const CwArchiveQuery *query, gboolean *complete, GError **error)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *with = NULL;
  gint64 low = 0, high = G_MAXINT64;
  gboolean ok;
  GPtrArray *page = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (query != NULL && complete != NULL, NULL);
  g_return_val_if_fail (query->after == NULL || query->before == NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* One snapshot, so the ids looked up still bound the page read. */
  if (!archive_prepare (self, username, query, &user, &with, error)
      || !cw_db_begin_read (self->db, error))
    return NULL;
  ok = (query->after == NULL || archive_seq (self, user, query->after, &low, error))
       && (query->before == NULL || query->before[0] == '\0'
           || archive_seq (self, user, query->before, &high, error))
       && (page = archive_page (self, user, with, query, low, high, query->before != NULL,
                                complete, error)) != NULL
       && cw_db_commit (self->db, error);
  if (!ok)
    {
      cw_db_rollback (self->db);
      g_clear_pointer (&page, g_ptr_array_unref);
    }
  return page;
}

gboolean
cw_gateway_store_archive_count (CwGatewayStore *self, const gchar *username,
                                const CwArchiveQuery *query, guint *count, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *with = NULL;
  gint64 value = 0;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (query != NULL && count != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!archive_prepare (self, username, query, &user, &with, error)
      || (stmt = cw_db_prepare (self->db, with != NULL ? SQL_ARCHIVE_COUNT_WITH : SQL_ARCHIVE_COUNT,
                                error)) == NULL)
    return FALSE;
  bind_archive_filter (stmt, user, with, query);
  if (!cw_db_query_int64 (stmt, _("Could not read the archive"), &value, NULL, error))
    return FALSE;
  *count = CLAMP (value, 0, G_MAXUINT);
  return TRUE;
}

gboolean
cw_gateway_store_archive_expire (CwGatewayStore *self, gint64 before, guint limit,
                                 guint *n_deleted, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((stmt = cw_db_prepare (self->db, SQL_ARCHIVE_EXPIRE, error)) == NULL)
    return FALSE;
  cw_db_bind_int64 (stmt, 1, before);
  cw_db_bind_int64 (stmt, 2, limit != 0 ? (gint64) limit : -1);
  if (!cw_db_run (stmt, _("Could not delete from the archive"), error))
    return FALSE;
  if (n_deleted != NULL)
    *n_deleted = CLAMP (cw_db_changes (self->db), 0, G_MAXUINT);
  return TRUE;
}

/* Blocking */

/* Checks the account and normalises @jid (kept full when it is). */
static gboolean
block_prepare (CwGatewayStore *self, const gchar *username, const gchar *jid, gchar **user,
               gchar **contact, GError **error)
{
  if ((*user = normalize_user (username, error)) == NULL)
    return FALSE;
  if (jid != NULL)
    {
      g_autoptr (CwJid) parsed = parse_jid (jid, error);

      if (parsed == NULL)
        return FALSE;
      *contact = g_strdup (cw_jid_to_string (parsed));
    }
  return account_check (self, *user, error);
}

gboolean
cw_gateway_store_block_add (CwGatewayStore *self, const gchar *username, const gchar *jid,
                            GError **error)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!block_prepare (self, username, jid, &user, &contact, error))
    return FALSE;
  return run_user (self, SQL_BLOCK_ADD, user, contact, _("Could not change the block list"), error)
         || explain_missing_account (user, error);
}

gboolean
cw_gateway_store_block_remove (CwGatewayStore *self, const gchar *username, const gchar *jid,
                               GError **error)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return block_prepare (self, username, jid, &user, &contact, error)
         && run_user (self, SQL_BLOCK_REMOVE, user, contact, _("Could not change the block list"),
                      error);
}

gboolean
cw_gateway_store_block_clear (CwGatewayStore *self, const gchar *username, GError **error)
{
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return block_prepare (self, username, NULL, &user, &contact, error)
         && run_user (self, SQL_BLOCK_CLEAR, user, NULL, _("Could not change the block list"),
                      error);
}

GPtrArray *
cw_gateway_store_block_list (CwGatewayStore *self, const gchar *username, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *contact = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!block_prepare (self, username, NULL, &user, &contact, error)
      || (stmt = cw_db_prepare (self->db, SQL_BLOCK_LIST, error)) == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, user);
  return cw_db_collect_strings (stmt, _("Could not read the block list"), error);
}

gboolean
cw_gateway_store_block_is_blocked (CwGatewayStore *self, const gchar *username, const gchar *jid,
                                   gboolean *blocked, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autoptr (CwJid) parsed = NULL;
  g_autofree gchar *user = NULL;
  g_autofree gchar *domain_resource = NULL;
  const gchar *resource;
  gint64 one;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (blocked != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((user = normalize_user (username, error)) == NULL || (parsed = parse_jid (jid, error)) == NULL
      || !account_check (self, user, error)
      || (stmt = cw_db_prepare (self->db, SQL_BLOCK_MATCH, error)) == NULL)
    return FALSE;
  resource = cw_jid_get_resource (parsed);
  domain_resource = resource != NULL
                      ? g_strconcat (cw_jid_get_domain (parsed), "/", resource, NULL)
                      : g_strdup (cw_jid_get_domain (parsed));
  cw_db_bind_text (stmt, 1, user);
  cw_db_bind_text (stmt, 2, cw_jid_to_string (parsed));
  cw_db_bind_text (stmt, 3, cw_jid_get_bare_string (parsed));
  cw_db_bind_text (stmt, 4, domain_resource);
  cw_db_bind_text (stmt, 5, cw_jid_get_domain (parsed));
  return cw_db_query_int64 (stmt, _("Could not read the block list"), &one, blocked, error);
}

/* vcard-temp and private XML storage */

gboolean
cw_gateway_store_vcard_get (CwGatewayStore *self, const gchar *username, gchar **vcard,
                            GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (vcard != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *vcard = NULL;
  if ((user = normalize_user (username, error)) == NULL || !account_check (self, user, error)
      || (stmt = cw_db_prepare (self->db, SQL_VCARD_GET, error)) == NULL)
    return FALSE;
  cw_db_bind_text (stmt, 1, user);
  return cw_db_query_text (stmt, _("Could not read stored XML"), vcard, error);
}

gboolean
cw_gateway_store_vcard_set (CwGatewayStore *self, const gchar *username, const gchar *vcard,
                            GError **error)
{
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((user = normalize_user (username, error)) == NULL || !account_check (self, user, error))
    return FALSE;
  return run_user (self, vcard != NULL ? SQL_VCARD_PUT : SQL_VCARD_DELETE, user, vcard,
                   _("Could not save stored XML"), error)
         || explain_missing_account (user, error);
}

/* Binds ?1 user, ?2 element, ?3 ns. */
static CwDbStmt *
private_prepare (CwGatewayStore *self, const gchar *sql, const gchar *username,
                 const gchar *element, const gchar *ns, gchar **user, GError **error)
{
  CwDbStmt *stmt;

  if ((*user = normalize_user (username, error)) == NULL || !account_check (self, *user, error)
      || (stmt = cw_db_prepare (self->db, sql, error)) == NULL)
    return NULL;
  cw_db_bind_text (stmt, 1, *user);
  cw_db_bind_text (stmt, 2, element);
  cw_db_bind_text (stmt, 3, ns);
  return stmt;
}

gboolean
cw_gateway_store_private_get (CwGatewayStore *self, const gchar *username, const gchar *element,
                              const gchar *ns, gchar **xml, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (element != NULL && ns != NULL && xml != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *xml = NULL;
  stmt = private_prepare (self, SQL_PRIVATE_GET, username, element, ns, &user, error);
  return stmt != NULL && cw_db_query_text (stmt, _("Could not read stored XML"), xml, error);
}

gboolean
cw_gateway_store_private_set (CwGatewayStore *self, const gchar *username, const gchar *element,
                              const gchar *ns, const gchar *xml, GError **error)
{
  g_autoptr (CwDbStmt) stmt = NULL;
  g_autofree gchar *user = NULL;

  g_return_val_if_fail (CW_IS_GATEWAY_STORE (self), FALSE);
  g_return_val_if_fail (element != NULL && ns != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = private_prepare (self, xml != NULL ? SQL_PRIVATE_PUT : SQL_PRIVATE_DELETE, username,
                          element, ns, &user, error);
  if (stmt == NULL)
    return FALSE;
  if (xml != NULL)
    cw_db_bind_text (stmt, 4, xml);
  return cw_db_run (stmt, _("Could not save stored XML"), error)
         || explain_missing_account (user, error);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwGatewayStore on a real SQLite file: accounts, rosters, offline, archive, blocking. */
#include "config.h"
#include "store/gateway-store.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/db.h"
#include "store/gateway-migrations.h"
#include "store/store.h"
#include "test-tmpdir.h"

#define HEADER_WRITE_VERSION 18 /* 2 when the file is in WAL mode */
#define HEADER_USER_VERSION 60
#define HEADER_APPLICATION_ID 68

typedef struct
{
  gchar *dir;
  gchar *path;
  CwGatewayStore *store;
} Fixture;

static CwGatewayStore *
open_store (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  CwGatewayStore *store = cw_gateway_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("cw-gateway-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "gateway.db", NULL);
  f->store = open_store (f->path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  cw_test_tmpdir_remove (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* The server layer owns cw_scram_credentials_free (); this test links the
 * store only. */
static void
creds_free (CwScramCredentials *creds)
{
  g_bytes_unref (creds->salt);
  g_bytes_unref (creds->stored_key);
  g_bytes_unref (creds->server_key);
  g_free (creds);
}

typedef CwScramCredentials TestCreds;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestCreds, creds_free)

/* Fixed bytes stand in for derived keys: the store keeps, never derives. */
static CwScramCredentials *
make_creds (CwSaslHash hash, guint8 fill)
{
  CwScramCredentials *creds = g_new0 (CwScramCredentials, 1);
  gsize size = hash == CW_SASL_HASH_SHA1 ? 20 : 32;
  g_autofree guint8 *key = g_malloc (size);
  guint8 salt[16];

  memset (salt, fill, sizeof salt);
  memset (key, fill + 1, size);
  creds->hash = hash;
  creds->salt = g_bytes_new (salt, sizeof salt);
  creds->iterations = 4096 + fill;
  creds->stored_key = g_bytes_new (key, size);
  memset (key, fill + 2, size);
  creds->server_key = g_bytes_new (key, size);
  return creds;
}

static void
create_account (CwGatewayStore *store, const gchar *username, guint8 fill)
{
  g_autoptr (TestCreds) sha1 = make_creds (CW_SASL_HASH_SHA1, fill);
  g_autoptr (TestCreds) sha256 = make_creds (CW_SASL_HASH_SHA256, fill);
  g_autoptr (GError) error = NULL;

  g_assert_true (cw_gateway_store_account_create (store, username, sha1, sha256, &error));
  g_assert_no_error (error);
}

static void
assert_creds_equal (const CwScramCredentials *a, const CwScramCredentials *b)
{
  g_assert_cmpint (a->hash, ==, b->hash);
  g_assert_cmpuint (a->iterations, ==, b->iterations);
  g_assert_true (g_bytes_equal (a->salt, b->salt));
  g_assert_true (g_bytes_equal (a->stored_key, b->stored_key));
  g_assert_true (g_bytes_equal (a->server_key, b->server_key));
}

static void
set_item (CwGatewayStore *store, const gchar *user, const gchar *jid,
          CwRosterSubscription subscription, const gchar *const *groups)
{
  g_autoptr (CwRosterItem) item = cw_roster_item_new (jid);
  g_autoptr (GError) error = NULL;

  item->subscription = subscription;
  item->groups = g_strdupv ((gchar **) groups);
  g_assert_true (cw_gateway_store_roster_set_item (store, user, item, &error));
  g_assert_no_error (error);
}

static gchar *
append (CwGatewayStore *store, const gchar *user, const gchar *with, gint64 timestamp,
        const gchar *body)
{
  g_autoptr (CwArchiveEntry) entry = g_new0 (CwArchiveEntry, 1);
  g_autoptr (GError) error = NULL;

  entry->with = g_strdup (with);
  entry->timestamp = timestamp;
  entry->direction = CW_ARCHIVE_DIRECTION_OUT;
  entry->stanza = g_strdup_printf ("<message><body>%s</body></message>", body);
  g_assert_true (cw_gateway_store_archive_append (store, user, entry, &error));
  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (entry->id));
  return g_steal_pointer (&entry->id);
}

static guint32
header_u32 (const gchar *path, gsize offset)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *data = NULL;
  gsize length = 0;
  const guint8 *p;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >=, 100);
  p = (const guint8 *) data + offset;
  return (guint32) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* Opening */

static void
test_open_creates_schema (Fixture *f, gconstpointer data)
{
  GStatBuf st;

  g_assert_cmpstr (cw_gateway_store_get_path (f->store), ==, f->path);
  g_assert_cmpuint (cw_gateway_store_get_latest_schema_version (), >=, 2);
  g_assert_cmpuint (cw_gateway_store_get_schema_version (f->store), ==,
                    cw_gateway_store_get_latest_schema_version ());
  g_clear_object (&f->store);
  g_assert_cmpuint (header_u32 (f->path, HEADER_USER_VERSION), ==,
                    cw_gateway_store_get_latest_schema_version ());
  g_assert_cmpuint (header_u32 (f->path, HEADER_APPLICATION_ID), ==,
                    CW_GATEWAY_STORE_APPLICATION_ID);
  /* Account keys are private. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_refuses_other_files (Fixture *f, gconstpointer data)
{
  g_autofree gchar *junk = g_build_filename (f->dir, "junk.db", NULL);
  g_autofree gchar *peer = g_build_filename (f->dir, "peer.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwGatewayStore) store = NULL;
  g_autoptr (CwStore) peer_store = NULL;

  /* Not SQLite at all: a clear error naming the file. */
  g_file_set_contents (junk, "this is not a database, just some text long enough to matter. "
                             "this is not a database, just some text long enough to matter.",
                       -1, &error);
  g_assert_no_error (error);
  store = cw_gateway_store_open (junk, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE);
  g_assert_nonnull (strstr (error->message, junk));
  g_assert_null (store);
  g_clear_error (&error);

  /* The link-local peer's store is not a gateway store, nor the reverse. */
  peer_store = cw_store_open (peer, &error);
  g_assert_no_error (error);
  g_clear_object (&peer_store);
  store = cw_gateway_store_open (peer, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE);
  g_clear_error (&error);
  peer_store = cw_store_open (f->path, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE);
  g_assert_null (peer_store);
}

/* A gateway store whose pages after the header were overwritten: the
 * damage is reported as CW_STORE_ERROR_CORRUPT, at open or at first use. */
static void
test_open_reports_corruption (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autofree gchar *contents = NULL;
  gsize length = 0;

  for (guint i = 0; i < 50; i++)
    {
      g_autofree gchar *name = g_strdup_printf ("user%u", i);

      create_account (f->store, name, i);
    }
  /* Closing the last connection checkpoints the WAL into the file. */
  g_clear_object (&f->store);
  g_file_get_contents (f->path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 8192);
  memset (contents + 4096, 0xa5, length - 4096);
  g_file_set_contents (f->path, contents, length, &error);
  g_assert_no_error (error);

  f->store = cw_gateway_store_open (f->path, &error);
  if (f->store != NULL)
    accounts = cw_gateway_store_account_list (f->store, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CORRUPT);
  g_assert_null (accounts);
  g_assert_nonnull (strstr (error->message, f->path));
  g_test_message ("%s", error->message);
}

static void
test_open_refuses_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwDb) db = cw_db_open (f->path, cw_gateway_store_schema (), 0, &error);
  g_autoptr (CwGatewayStore) store = NULL;

  g_assert_no_error (error);
  g_assert_true (cw_db_exec (db, "PRAGMA user_version = 99", &error));
  g_clear_pointer (&db, cw_db_close);
  g_clear_object (&f->store);
  store = cw_gateway_store_open (f->path, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
}

/* A file as the first gateway release left it: schema 1, with an account
 * and a roster item. Opening migrates it and keeps the data. */
static void
test_open_migrates_v1 (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "v1.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwDb) db = cw_db_open (path, cw_gateway_store_schema (), 1, &error);
  g_autoptr (CwGatewayStore) store = NULL;
  g_autoptr (TestCreds) creds = NULL;
  g_autoptr (CwRosterItem) item = NULL;
  g_autofree gchar *id = NULL;
  gboolean complete = FALSE;
  g_autoptr (GPtrArray) page = NULL;
  CwArchiveQuery query = { .max = 10 };

  g_assert_no_error (error);
  g_assert_cmpuint (cw_db_get_schema_version (db), ==, 1);
  g_assert_true (cw_db_exec (db,
                             "INSERT INTO accounts (username, roster_version, created_at) "
                             "VALUES ('romeo', 1, 1);"
                             "INSERT INTO credentials VALUES ('romeo', 'sha256', x'0102', 4096, "
                             "x'03', x'04');"
                             "INSERT INTO roster_items (username, jid, subscription, version) "
                             "VALUES ('romeo', 'juliet@capulet.example', 'both', 1);",
                             &error));
  g_assert_no_error (error);
  /* Schema 2's tables are not there yet. */
  g_assert_false (cw_db_exec (db, "SELECT * FROM archive", &error));
  g_clear_error (&error);
  g_clear_pointer (&db, cw_db_close);
  g_assert_cmpuint (header_u32 (path, HEADER_USER_VERSION), ==, 1);

  store = open_store (path);
  g_assert_cmpuint (cw_gateway_store_get_schema_version (store), ==,
                    cw_gateway_store_get_latest_schema_version ());
  creds = cw_gateway_store_account_get_credential (store, "romeo", CW_SASL_HASH_SHA256, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (creds->iterations, ==, 4096);
  g_assert_cmpuint (g_bytes_get_size (creds->salt), ==, 2);
  item = cw_gateway_store_roster_get_item (store, "romeo", "juliet@capulet.example", &error);
  g_assert_no_error (error);
  g_assert_cmpint (item->subscription, ==, CW_ROSTER_SUBSCRIPTION_BOTH);
  /* Schema 2's records work on the migrated file. */
  id = append (store, "romeo", "juliet@capulet.example", 0, "hi");
  page = cw_gateway_store_archive_query (store, "romeo", &query, &complete, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_clear_object (&store);
  g_assert_cmpuint (header_u32 (path, HEADER_USER_VERSION), ==,
                    cw_gateway_store_get_latest_schema_version ());
}

static void
fill_everything (CwGatewayStore *store, const gchar *user)
{
  g_autoptr (GError) error = NULL;
  const gchar *groups[] = { "Friends", NULL };
  g_autofree gchar *id = NULL;

  set_item (store, user, "juliet@capulet.example", CW_ROSTER_SUBSCRIPTION_BOTH, groups);
  set_item (store, user, "nurse@capulet.example", CW_ROSTER_SUBSCRIPTION_TO, NULL);
  g_assert_true (cw_gateway_store_roster_remove_item (store, user, "nurse@capulet.example", NULL,
                                                      &error));
  g_assert_true (cw_gateway_store_offline_push (store, user, "<message/>", 10, &error));
  id = append (store, user, "juliet@capulet.example", 0, "hello");
  g_assert_true (cw_gateway_store_block_add (store, user, "tybalt@capulet.example", &error));
  g_assert_true (cw_gateway_store_vcard_set (store, user, "<vCard xmlns='vcard-temp'/>", &error));
  g_assert_true (cw_gateway_store_private_set (store, user, "storage", "storage:bookmarks",
                                               "<storage xmlns='storage:bookmarks'/>", &error));
  g_assert_no_error (error);
}

static void
test_reopen_keeps_data (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TestCreds) sha1 = make_creds (CW_SASL_HASH_SHA1, 7);
  g_autoptr (TestCreds) back = NULL;
  g_autoptr (GPtrArray) roster = NULL;
  g_autoptr (GPtrArray) changes = NULL;
  g_autoptr (GPtrArray) blocked = NULL;
  g_autoptr (GPtrArray) offline = NULL;
  g_autofree gchar *vcard = NULL;
  g_autofree gchar *bookmarks = NULL;
  guint64 version = 0;
  guint count = 0;
  CwArchiveQuery query = { .max = 10 };

  create_account (f->store, "romeo", 7);
  fill_everything (f->store, "romeo");
  g_clear_object (&f->store);

  f->store = open_store (f->path);
  back = cw_gateway_store_account_get_credential (f->store, "romeo", CW_SASL_HASH_SHA1, &error);
  g_assert_no_error (error);
  assert_creds_equal (back, sha1);
  roster = cw_gateway_store_roster_get_all (f->store, "romeo", &version, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roster->len, ==, 1);
  g_assert_cmpuint (version, ==, 3);
  changes = cw_gateway_store_roster_changes_since (f->store, "romeo", 0, NULL, &error);
  g_assert_cmpuint (changes->len, ==, 2); /* juliet, and nurse's tombstone */
  g_assert_true (cw_gateway_store_offline_count (f->store, "romeo", &count, &error));
  g_assert_cmpuint (count, ==, 1);
  g_assert_true (cw_gateway_store_archive_count (f->store, "romeo", &query, &count, &error));
  g_assert_cmpuint (count, ==, 1);
  blocked = cw_gateway_store_block_list (f->store, "romeo", &error);
  g_assert_cmpuint (blocked->len, ==, 1);
  g_assert_true (cw_gateway_store_vcard_get (f->store, "romeo", &vcard, &error));
  g_assert_cmpstr (vcard, ==, "<vCard xmlns='vcard-temp'/>");
  g_assert_true (cw_gateway_store_private_get (f->store, "romeo", "storage", "storage:bookmarks",
                                               &bookmarks, &error));
  g_assert_cmpstr (bookmarks, ==, "<storage xmlns='storage:bookmarks'/>");
  offline = cw_gateway_store_offline_take_all (f->store, "romeo", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (offline->len, ==, 1);
}

static void
test_second_open_shares_file (Fixture *f, gconstpointer data)
{
  g_autoptr (CwGatewayStore) other = open_store (f->path);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GError) error = NULL;
  guint count = 0;

  create_account (f->store, "romeo", 1);
  /* The second connection sees the first's commit at once (WAL readers). */
  accounts = cw_gateway_store_account_list (other, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);
  g_assert_true (cw_gateway_store_offline_push (other, "romeo", "<message/>", 5, &error));
  g_assert_true (cw_gateway_store_offline_count (f->store, "romeo", &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);
  /* The file is in WAL mode: header bytes 16-19 are page size, write and read versions. */
  g_assert_cmpuint (header_u32 (f->path, HEADER_WRITE_VERSION - 2) & 0xffff, ==, 0x0202);
}

/* Accounts */

static void
test_account_create_get_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwGatewayAccount) account = NULL;
  g_autoptr (GPtrArray) names = NULL;
  g_autoptr (TestCreds) sha1 = make_creds (CW_SASL_HASH_SHA1, 1);
  g_autoptr (TestCreds) sha256 = make_creds (CW_SASL_HASH_SHA256, 1);
  gint64 before = g_get_real_time ();

  create_account (f->store, "Romeo", 1);
  create_account (f->store, "benvolio", 2);
  /* Usernames are normalised localparts: "ROMEO" is the same account. */
  g_assert_false (cw_gateway_store_account_create (f->store, "ROMEO", sha1, sha256, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_account_create (f->store, "ro meo", sha1, sha256, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_account_create (f->store, "romeo@montague", sha1, sha256,
                                                   &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (cw_gateway_store_account_exists (f->store, "rOmEo", &error));
  g_assert_false (cw_gateway_store_account_exists (f->store, "mercutio", &error));
  g_assert_false (cw_gateway_store_account_exists (f->store, "no one", &error));
  g_assert_no_error (error);
  account = cw_gateway_store_account_get (f->store, "ROMEO", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->username, ==, "romeo");
  g_assert_false (account->disabled);
  g_assert_cmpint (account->created_at, >=, before);
  g_clear_pointer (&account, cw_gateway_account_free);
  account = cw_gateway_store_account_get (f->store, "mercutio", &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (account);
  g_clear_error (&error);

  names = cw_gateway_store_account_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (names->len, ==, 2);
  g_assert_cmpstr (names->pdata[0], ==, "benvolio");
  g_assert_cmpstr (names->pdata[1], ==, "romeo");
}

static void
test_account_credentials (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TestCreds) sha1 = make_creds (CW_SASL_HASH_SHA1, 9);
  g_autoptr (TestCreds) sha256 = make_creds (CW_SASL_HASH_SHA256, 9);
  g_autoptr (TestCreds) back1 = NULL;
  g_autoptr (TestCreds) back256 = NULL;
  g_autoptr (TestCreds) missing = NULL;

  create_account (f->store, "romeo", 1);
  /* A password change replaces both hashes. */
  g_assert_true (cw_gateway_store_account_set_credentials (f->store, "romeo", sha1, sha256,
                                                           &error));
  g_assert_no_error (error);
  back1 = cw_gateway_store_account_get_credential (f->store, "romeo", CW_SASL_HASH_SHA1, &error);
  back256 = cw_gateway_store_account_get_credential (f->store, "romeo", CW_SASL_HASH_SHA256,
                                                     &error);
  g_assert_no_error (error);
  assert_creds_equal (back1, sha1);
  assert_creds_equal (back256, sha256);
  g_assert_cmpuint (g_bytes_get_size (back1->stored_key), ==, 20);
  g_assert_cmpuint (g_bytes_get_size (back256->stored_key), ==, 32);

  missing = cw_gateway_store_account_get_credential (f->store, "juliet", CW_SASL_HASH_SHA256,
                                                     &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (missing);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_account_set_credentials (f->store, "juliet", sha1, sha256,
                                                            &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_false (cw_gateway_store_account_exists (f->store, "juliet", NULL));
}

static void
test_account_disabled (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwGatewayAccount) account = NULL;
  g_autoptr (TestCreds) creds = NULL;

  create_account (f->store, "romeo", 1);
  g_assert_true (cw_gateway_store_account_set_disabled (f->store, "romeo", TRUE, &error));
  account = cw_gateway_store_account_get (f->store, "romeo", &error);
  g_assert_no_error (error);
  g_assert_true (account->disabled);
  /* The keys stay: enabling again needs no new password. */
  creds = cw_gateway_store_account_get_credential (f->store, "romeo", CW_SASL_HASH_SHA1, &error);
  g_assert_no_error (error);
  g_assert_true (cw_gateway_store_account_set_disabled (f->store, "romeo", FALSE, &error));
  g_clear_pointer (&account, cw_gateway_account_free);
  account = cw_gateway_store_account_get (f->store, "romeo", &error);
  g_assert_false (account->disabled);
  g_assert_false (cw_gateway_store_account_set_disabled (f->store, "juliet", TRUE, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
}

static gint64
rows_left (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwDb) db = cw_db_open (path, cw_gateway_store_schema (), 0, &error);
  g_autoptr (CwDbStmt) stmt = NULL;
  static const gchar sql[] =
    "SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM credentials)"
    " + (SELECT count(*) FROM roster_items) + (SELECT count(*) FROM roster_groups)"
    " + (SELECT count(*) FROM roster_tombstones) + (SELECT count(*) FROM offline)"
    " + (SELECT count(*) FROM archive) + (SELECT count(*) FROM blocklist)"
    " + (SELECT count(*) FROM vcards) + (SELECT count(*) FROM private_xml)";
  gint64 n = -1;

  g_assert_no_error (error);
  stmt = cw_db_prepare (db, sql, &error);
  g_assert_no_error (error);
  g_assert_true (cw_db_query_int64 (stmt, "count", &n, NULL, &error));
  g_assert_no_error (error);
  return n;
}

static void
test_account_delete_cascades (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) roster = NULL;
  g_autofree gchar *vcard = NULL;
  guint64 version = 99;
  guint count = 99;
  CwArchiveQuery query = { 0 };

  create_account (f->store, "romeo", 1);
  fill_everything (f->store, "romeo");
  g_assert_cmpint (rows_left (f->path), >, 0);
  g_assert_true (cw_gateway_store_account_delete (f->store, "Romeo", &error));
  g_assert_no_error (error);
  g_assert_cmpint (rows_left (f->path), ==, 0);
  g_assert_false (cw_gateway_store_account_delete (f->store, "romeo", &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A new account of the same name starts empty. */
  create_account (f->store, "romeo", 2);
  roster = cw_gateway_store_roster_get_all (f->store, "romeo", &version, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (roster->len, ==, 0);
  g_assert_cmpuint (version, ==, 0);
  g_assert_true (cw_gateway_store_offline_count (f->store, "romeo", &count, &error));
  g_assert_cmpuint (count, ==, 0);
  g_assert_true (cw_gateway_store_archive_count (f->store, "romeo", &query, &count, &error));
  g_assert_cmpuint (count, ==, 0);
  g_assert_true (cw_gateway_store_vcard_get (f->store, "romeo", &vcard, &error));
  g_assert_null (vcard);
}

/* Rosters */

static void
test_roster_set_get (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwRosterItem) item = cw_roster_item_new ("Juliet@Capulet.example/balcony");
  g_autoptr (CwRosterItem) back = NULL;
  g_autoptr (GPtrArray) all = NULL;
  const gchar *groups[] = { "Friends", NULL };
  guint64 version = 0;

  create_account (f->store, "romeo", 1);
  item->name = g_strdup ("Juliet");
  item->subscription = CW_ROSTER_SUBSCRIPTION_FROM;
  item->ask_out = TRUE;
  item->pending_in = TRUE;
  item->groups = g_strsplit ("Lovers,Capulets,Lovers", ",", -1);
  g_assert_true (cw_gateway_store_roster_set_item (f->store, "romeo", item, &error));
  g_assert_no_error (error);
  /* Stored under the normalised bare JID. */
  g_assert_cmpstr (item->jid, ==, "juliet@capulet.example");
  g_assert_cmpuint (item->version, ==, 1);

  back = cw_gateway_store_roster_get_item (f->store, "romeo", "JULIET@capulet.example", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->jid, ==, "juliet@capulet.example");
  g_assert_cmpstr (back->name, ==, "Juliet");
  g_assert_cmpint (back->subscription, ==, CW_ROSTER_SUBSCRIPTION_FROM);
  g_assert_true (back->ask_out);
  g_assert_true (back->pending_in);
  g_assert_cmpuint (g_strv_length (back->groups), ==, 2);
  g_assert_cmpstr (back->groups[0], ==, "Capulets");
  g_assert_cmpstr (back->groups[1], ==, "Lovers");
  g_assert_cmpuint (back->version, ==, 1);

  /* Setting again replaces everything, groups included. */
  set_item (f->store, "romeo", "juliet@capulet.example", CW_ROSTER_SUBSCRIPTION_BOTH, groups);
  set_item (f->store, "romeo", "benvolio@montague.example", CW_ROSTER_SUBSCRIPTION_NONE, NULL);
  all = cw_gateway_store_roster_get_all (f->store, "romeo", &version, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 3);
  g_assert_cmpuint (all->len, ==, 2);
  g_clear_pointer (&back, cw_roster_item_free);
  back = g_ptr_array_steal_index (all, 1);
  g_assert_cmpstr (back->jid, ==, "juliet@capulet.example");
  g_assert_null (back->name);
  g_assert_cmpint (back->subscription, ==, CW_ROSTER_SUBSCRIPTION_BOTH);
  g_assert_false (back->ask_out);
  g_assert_false (back->pending_in);
  g_assert_cmpstrv (back->groups, groups);
  g_assert_cmpstr (((CwRosterItem *) all->pdata[0])->jid, ==, "benvolio@montague.example");
  g_assert_cmpuint (g_strv_length (((CwRosterItem *) all->pdata[0])->groups), ==, 0);
}

static void
test_roster_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CwRosterItem) item = cw_roster_item_new ("juliet@capulet.example");
  g_autoptr (CwRosterItem) back = NULL;
  g_autoptr (GPtrArray) all = NULL;
  guint64 version = 0;

  /* No account. */
  g_assert_false (cw_gateway_store_roster_set_item (f->store, "romeo", item, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  all = cw_gateway_store_roster_get_all (f->store, "romeo", NULL, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (all);
  g_clear_error (&error);

  create_account (f->store, "romeo", 1);
  back = cw_gateway_store_roster_get_item (f->store, "romeo", "juliet@capulet.example", &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_roster_remove_item (f->store, "romeo", "juliet@capulet.example",
                                                       NULL, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_free (item->jid);
  item->jid = g_strdup ("not a <jid>");
  g_assert_false (cw_gateway_store_roster_set_item (f->store, "romeo", item, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_INVALID);
  /* Failed changes leave the version alone. */
  g_assert_true (cw_gateway_store_roster_get_version (f->store, "romeo", &version, NULL));
  g_assert_cmpuint (version, ==, 0);
}

static void
assert_change (GPtrArray *changes, guint i, const gchar *jid, CwRosterSubscription subscription,
               guint64 version)
{
  const CwRosterItem *item = changes->pdata[i];

  g_assert_cmpstr (item->jid, ==, jid);
  g_assert_cmpint (item->subscription, ==, subscription);
  g_assert_cmpuint (item->version, ==, version);
}

static void
test_roster_versions_and_tombstones (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) changes = NULL;
  guint64 version = 0;

  create_account (f->store, "romeo", 1);
  set_item (f->store, "romeo", "juliet@capulet.example", CW_ROSTER_SUBSCRIPTION_NONE, NULL); /* 1 */
  set_item (f->store, "romeo", "nurse@capulet.example", CW_ROSTER_SUBSCRIPTION_TO, NULL);    /* 2 */
  set_item (f->store, "romeo", "tybalt@capulet.example", CW_ROSTER_SUBSCRIPTION_TO, NULL);   /* 3 */
  g_assert_true (cw_gateway_store_roster_remove_item (f->store, "romeo", "tybalt@capulet.example",
                                                      &version, &error)); /* 4 */
  g_assert_cmpuint (version, ==, 4);
  set_item (f->store, "romeo", "juliet@capulet.example", CW_ROSTER_SUBSCRIPTION_BOTH, NULL); /* 5 */

  /* A client at version 2 learns of tybalt's removal and juliet's change, in order. */
  changes = cw_gateway_store_roster_changes_since (f->store, "romeo", 2, &version, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (version, ==, 5);
  g_assert_cmpuint (changes->len, ==, 2);
  assert_change (changes, 0, "tybalt@capulet.example", CW_ROSTER_SUBSCRIPTION_REMOVE, 4);
  assert_change (changes, 1, "juliet@capulet.example", CW_ROSTER_SUBSCRIPTION_BOTH, 5);
  g_clear_pointer (&changes, g_ptr_array_unref);

  /* Up to date: nothing. */
  changes = cw_gateway_store_roster_changes_since (f->store, "romeo", 5, NULL, &error);
  g_assert_cmpuint (changes->len, ==, 0);
  g_clear_pointer (&changes, g_ptr_array_unref);

  /* Re-adding a removed contact replaces its tombstone. */
  set_item (f->store, "romeo", "tybalt@capulet.example", CW_ROSTER_SUBSCRIPTION_NONE, NULL); /* 6 */
  changes = cw_gateway_store_roster_changes_since (f->store, "romeo", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 3);
  assert_change (changes, 0, "nurse@capulet.example", CW_ROSTER_SUBSCRIPTION_TO, 2);
  assert_change (changes, 1, "juliet@capulet.example", CW_ROSTER_SUBSCRIPTION_BOTH, 5);
  assert_change (changes, 2, "tybalt@capulet.example", CW_ROSTER_SUBSCRIPTION_NONE, 6);
}

/* Offline */

static void
test_offline_cap_and_order (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) taken = NULL;
  gint64 before = g_get_real_time ();
  guint count = 0;

  create_account (f->store, "juliet", 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree gchar *stanza = g_strdup_printf ("<message id='m%u'/>", i);

      g_assert_true (cw_gateway_store_offline_push (f->store, "juliet", stanza, 3, &error));
      g_assert_no_error (error);
    }
  g_assert_false (cw_gateway_store_offline_push (f->store, "juliet", "<message id='m3'/>", 3,
                                                 &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_QUOTA);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_offline_push (f->store, "nobody", "<message/>", 3, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (cw_gateway_store_offline_count (f->store, "juliet", &count, &error));
  g_assert_cmpuint (count, ==, 3);

  taken = cw_gateway_store_offline_take_all (f->store, "juliet", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (taken->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const CwOfflineMessage *message = taken->pdata[i];
      g_autofree gchar *stanza = g_strdup_printf ("<message id='m%u'/>", i);

      g_assert_cmpstr (message->stanza, ==, stanza);
      g_assert_cmpint (message->stored_at, >=, before);
    }
  g_clear_pointer (&taken, g_ptr_array_unref);
  /* Taken means gone; the cap has room again. */
  g_assert_true (cw_gateway_store_offline_count (f->store, "juliet", &count, &error));
  g_assert_cmpuint (count, ==, 0);
  taken = cw_gateway_store_offline_take_all (f->store, "juliet", &error);
  g_assert_cmpuint (taken->len, ==, 0);
  g_assert_true (cw_gateway_store_offline_push (f->store, "juliet", "<message/>", 3, &error));
}

/* Archive */

/* Ten messages, alternately with juliet and nurse, at t = 1000 … 10000. */
static GPtrArray *
fill_archive (CwGatewayStore *store)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);

  create_account (store, "romeo", 1);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree gchar *body = g_strdup_printf ("%u", i);

      g_ptr_array_add (ids, append (store, "romeo",
                                    i % 2 == 0 ? "juliet@capulet.example/balcony"
                                               : "nurse@capulet.example",
                                    (i + 1) * 1000, body));
    }
  return ids;
}

static GPtrArray *
query (CwGatewayStore *store, const CwArchiveQuery *q, gboolean *complete)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *page = cw_gateway_store_archive_query (store, "romeo", q, complete, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  return page;
}

/* Checks that @page holds the entries with these ids, in this order. */
static void
assert_page (GPtrArray *page, GPtrArray *ids, const guint *expected, guint n)
{
  g_assert_cmpuint (page->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (((CwArchiveEntry *) page->pdata[i])->id, ==, ids->pdata[expected[i]]);
}

static void
test_archive_entries (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = fill_archive (f->store);
  g_autoptr (GPtrArray) page = NULL;
  CwArchiveQuery q = { .max = 1 };
  const CwArchiveEntry *entry;
  gboolean complete = TRUE;

  page = query (f->store, &q, &complete);
  g_assert_false (complete);
  entry = page->pdata[0];
  g_assert_cmpstr (entry->id, ==, ids->pdata[0]);
  g_assert_cmpint (entry->timestamp, ==, 1000);
  /* Kept as the bare JID. */
  g_assert_cmpstr (entry->with, ==, "juliet@capulet.example");
  g_assert_cmpint (entry->direction, ==, CW_ARCHIVE_DIRECTION_OUT);
  g_assert_cmpstr (entry->stanza, ==, "<message><body>0</body></message>");
}

static void
test_archive_paging_forward (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = fill_archive (f->store);
  CwArchiveQuery q = { .max = 4 };
  gboolean complete = TRUE;
  GPtrArray *page;

  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 0, 1, 2, 3 }, 4);
  g_assert_false (complete);
  g_ptr_array_unref (page);

  q.after = ids->pdata[3];
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 4, 5, 6, 7 }, 4);
  g_assert_false (complete);
  g_ptr_array_unref (page);

  q.after = ids->pdata[7];
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 8, 9 }, 2);
  g_assert_true (complete);
  g_ptr_array_unref (page);

  /* Exactly max left: complete, because nothing follows. */
  q.after = ids->pdata[5];
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 6, 7, 8, 9 }, 4);
  g_assert_true (complete);
  g_ptr_array_unref (page);
}

static void
test_archive_paging_backward (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = fill_archive (f->store);
  CwArchiveQuery q = { .max = 4, .before = "" };
  gboolean complete = TRUE;
  GPtrArray *page;

  /* <before/>: the last page, still in chronological order. */
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 6, 7, 8, 9 }, 4);
  g_assert_false (complete);
  g_ptr_array_unref (page);

  q.before = ids->pdata[6];
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 2, 3, 4, 5 }, 4);
  g_assert_false (complete);
  g_ptr_array_unref (page);

  q.before = ids->pdata[2];
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 0, 1 }, 2);
  g_assert_true (complete);
  g_ptr_array_unref (page);
}

static void
test_archive_filters_and_count (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = fill_archive (f->store);
  g_autoptr (GError) error = NULL;
  CwArchiveQuery q = { .max = 10, .with = "Juliet@capulet.example" };
  gboolean complete = FALSE;
  guint count = 0;
  GPtrArray *page;

  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 0, 2, 4, 6, 8 }, 5);
  g_assert_true (complete);
  g_ptr_array_unref (page);

  /* start and end are inclusive: t = 3000 … 7000 is entries 2 … 6. */
  q.start = 3000;
  q.end = 7000;
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 2, 4, 6 }, 3);
  g_ptr_array_unref (page);
  g_assert_true (cw_gateway_store_archive_count (f->store, "romeo", &q, &count, &error));
  g_assert_cmpuint (count, ==, 3);
  q.with = NULL;
  g_assert_true (cw_gateway_store_archive_count (f->store, "romeo", &q, &count, &error));
  g_assert_cmpuint (count, ==, 5);
  q.start = q.end = 0;
  g_assert_true (cw_gateway_store_archive_count (f->store, "romeo", &q, &count, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 10);

  /* max 0: no entries, only whether there are any. */
  q.max = 0;
  page = query (f->store, &q, &complete);
  g_assert_cmpuint (page->len, ==, 0);
  g_assert_false (complete);
  g_ptr_array_unref (page);
  q.with = "mercutio@verona.example";
  page = query (f->store, &q, &complete);
  g_assert_true (complete);
  g_ptr_array_unref (page);
}

static void
test_archive_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = fill_archive (f->store);
  g_autoptr (CwArchiveEntry) entry = g_new0 (CwArchiveEntry, 1);
  g_autoptr (GError) error = NULL;
  CwArchiveQuery q = { .max = 10, .after = "no-such-id" };
  gboolean complete;
  GPtrArray *page;

  page = cw_gateway_store_archive_query (f->store, "romeo", &q, &complete, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (page);
  g_clear_error (&error);

  /* An id is unique per user. */
  entry->id = g_strdup (ids->pdata[0]);
  entry->with = g_strdup ("juliet@capulet.example");
  entry->stanza = g_strdup ("<message/>");
  g_assert_false (cw_gateway_store_archive_append (f->store, "romeo", entry, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_archive_append (f->store, "nobody", entry, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Another user's ids are not this one's cursors. */
  create_account (f->store, "juliet", 2);
  q.after = ids->pdata[0];
  page = cw_gateway_store_archive_query (f->store, "juliet", &q, &complete, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (page);
}

static void
test_archive_expire (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) ids = fill_archive (f->store);
  g_autoptr (GError) error = NULL;
  CwArchiveQuery q = { .max = 10 };
  gboolean complete;
  guint n = 0;
  GPtrArray *page;

  /* In steps of at most 2: entries before t = 6000 are 0 … 4. */
  g_assert_true (cw_gateway_store_archive_expire (f->store, 6000, 2, &n, &error));
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (cw_gateway_store_archive_expire (f->store, 6000, 0, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (cw_gateway_store_archive_expire (f->store, 6000, 0, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);
  page = query (f->store, &q, &complete);
  assert_page (page, ids, (guint[]){ 5, 6, 7, 8, 9 }, 5);
  g_ptr_array_unref (page);
}

/* Blocking */

static gboolean
is_blocked (CwGatewayStore *store, const gchar *jid)
{
  g_autoptr (GError) error = NULL;
  gboolean blocked = FALSE;

  g_assert_true (cw_gateway_store_block_is_blocked (store, "romeo", jid, &blocked, &error));
  g_assert_no_error (error);
  return blocked;
}

static void
test_blocklist (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = NULL;

  create_account (f->store, "romeo", 1);
  g_assert_true (cw_gateway_store_block_add (f->store, "romeo", "Tybalt@Capulet.example", &error));
  g_assert_true (cw_gateway_store_block_add (f->store, "romeo", "tybalt@capulet.example", &error));
  g_assert_true (cw_gateway_store_block_add (f->store, "romeo", "spam.example", &error));
  g_assert_true (cw_gateway_store_block_add (f->store, "romeo", "nurse@capulet.example/kitchen",
                                             &error));
  g_assert_true (cw_gateway_store_block_add (f->store, "romeo", "montague.example/bot", &error));
  g_assert_no_error (error);
  list = cw_gateway_store_block_list (f->store, "romeo", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 4);
  g_assert_cmpstr (list->pdata[0], ==, "montague.example/bot");
  g_assert_cmpstr (list->pdata[1], ==, "nurse@capulet.example/kitchen");
  g_assert_cmpstr (list->pdata[2], ==, "spam.example");
  g_assert_cmpstr (list->pdata[3], ==, "tybalt@capulet.example");

  /* XEP-0191 §3.4 matching: a bare JID covers its resources, a domain
   * covers everyone there, a full JID only itself. */
  g_assert_true (is_blocked (f->store, "tybalt@capulet.example/sword"));
  g_assert_true (is_blocked (f->store, "TYBALT@capulet.example"));
  g_assert_true (is_blocked (f->store, "anyone@spam.example/x"));
  g_assert_true (is_blocked (f->store, "spam.example"));
  g_assert_true (is_blocked (f->store, "nurse@capulet.example/kitchen"));
  g_assert_false (is_blocked (f->store, "nurse@capulet.example"));
  g_assert_false (is_blocked (f->store, "nurse@capulet.example/garden"));
  g_assert_false (is_blocked (f->store, "juliet@capulet.example"));
  /* domain/resource: that resource of anyone at the domain (XEP-0016 §2.1). */
  g_assert_true (is_blocked (f->store, "balthasar@montague.example/bot"));
  g_assert_false (is_blocked (f->store, "balthasar@montague.example/phone"));

  /* Unblocking one that is not blocked is no error. */
  g_assert_true (cw_gateway_store_block_remove (f->store, "romeo", "tybalt@capulet.example", &error));
  g_assert_true (cw_gateway_store_block_remove (f->store, "romeo", "tybalt@capulet.example", &error));
  g_assert_no_error (error);
  g_assert_false (is_blocked (f->store, "tybalt@capulet.example/sword"));
  g_assert_true (cw_gateway_store_block_clear (f->store, "romeo", &error));
  g_assert_false (is_blocked (f->store, "anyone@spam.example"));
  g_clear_pointer (&list, g_ptr_array_unref);
  list = cw_gateway_store_block_list (f->store, "romeo", &error);
  g_assert_cmpuint (list->len, ==, 0);

  g_assert_false (cw_gateway_store_block_add (f->store, "romeo", "bad jid@", &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_block_add (f->store, "nobody", "spam.example", &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
}

/* vcard-temp, private XML */

static void
test_vcard_and_private (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *xml = NULL;

  create_account (f->store, "romeo", 1);
  g_assert_true (cw_gateway_store_vcard_get (f->store, "romeo", &xml, &error));
  g_assert_null (xml);
  g_assert_true (cw_gateway_store_vcard_set (f->store, "romeo", "<vCard><FN>Romeo</FN></vCard>",
                                             &error));
  g_assert_true (cw_gateway_store_vcard_set (f->store, "romeo", "<vCard><FN>R.</FN></vCard>",
                                             &error));
  g_assert_true (cw_gateway_store_vcard_get (f->store, "romeo", &xml, &error));
  g_assert_cmpstr (xml, ==, "<vCard><FN>R.</FN></vCard>");
  g_clear_pointer (&xml, g_free);
  g_assert_true (cw_gateway_store_vcard_set (f->store, "romeo", NULL, &error));
  g_assert_true (cw_gateway_store_vcard_get (f->store, "romeo", &xml, &error));
  g_assert_null (xml);
  g_assert_no_error (error);

  /* Private storage is keyed by element and namespace. */
  g_assert_true (cw_gateway_store_private_set (f->store, "romeo", "storage", "storage:bookmarks",
                                               "<storage xmlns='storage:bookmarks'/>", &error));
  g_assert_true (cw_gateway_store_private_set (f->store, "romeo", "storage", "storage:rosternotes",
                                               "<storage xmlns='storage:rosternotes'/>", &error));
  g_assert_true (cw_gateway_store_private_get (f->store, "romeo", "storage", "storage:bookmarks",
                                               &xml, &error));
  g_assert_cmpstr (xml, ==, "<storage xmlns='storage:bookmarks'/>");
  g_clear_pointer (&xml, g_free);
  g_assert_true (cw_gateway_store_private_get (f->store, "romeo", "other", "storage:bookmarks",
                                               &xml, &error));
  g_assert_null (xml);
  g_assert_true (cw_gateway_store_private_set (f->store, "romeo", "storage", "storage:bookmarks",
                                               NULL, &error));
  g_assert_true (cw_gateway_store_private_get (f->store, "romeo", "storage", "storage:bookmarks",
                                               &xml, &error));
  g_assert_null (xml);
  g_assert_true (cw_gateway_store_private_get (f->store, "romeo", "storage", "storage:rosternotes",
                                               &xml, &error));
  g_assert_nonnull (xml);
  g_assert_no_error (error);
  g_clear_pointer (&xml, g_free);

  g_assert_false (cw_gateway_store_vcard_get (f->store, "nobody", &xml, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (cw_gateway_store_private_set (f->store, "nobody", "a", "b", "<a/>", &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
}

static void
test_subscription_names (void)
{
  CwRosterSubscription s;

  for (guint i = CW_ROSTER_SUBSCRIPTION_NONE; i <= CW_ROSTER_SUBSCRIPTION_REMOVE; i++)
    {
      g_assert_true (cw_roster_subscription_from_string (cw_roster_subscription_to_string (i), &s));
      g_assert_cmpuint (s, ==, i);
    }
  g_assert_cmpstr (cw_roster_subscription_to_string (CW_ROSTER_SUBSCRIPTION_BOTH), ==, "both");
  g_assert_false (cw_roster_subscription_from_string ("Both", &s));
  g_assert_false (cw_roster_subscription_from_string (NULL, &s));
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/gateway-store/open/creates-schema", test_open_creates_schema);
  ADD ("/gateway-store/open/refuses-other-files", test_open_refuses_other_files);
  ADD ("/gateway-store/open/refuses-newer-schema", test_open_refuses_newer_schema);
  ADD ("/gateway-store/open/reports-corruption", test_open_reports_corruption);
  ADD ("/gateway-store/open/migrates-v1", test_open_migrates_v1);
  ADD ("/gateway-store/open/reopen-keeps-data", test_reopen_keeps_data);
  ADD ("/gateway-store/open/second-open-shares-file", test_second_open_shares_file);
  ADD ("/gateway-store/account/create-get-list", test_account_create_get_list);
  ADD ("/gateway-store/account/credentials", test_account_credentials);
  ADD ("/gateway-store/account/disabled", test_account_disabled);
  ADD ("/gateway-store/account/delete-cascades", test_account_delete_cascades);
  ADD ("/gateway-store/roster/set-get", test_roster_set_get);
  ADD ("/gateway-store/roster/errors", test_roster_errors);
  ADD ("/gateway-store/roster/versions-and-tombstones", test_roster_versions_and_tombstones);
  ADD ("/gateway-store/offline/cap-and-order", test_offline_cap_and_order);
  ADD ("/gateway-store/archive/entries", test_archive_entries);
  ADD ("/gateway-store/archive/paging-forward", test_archive_paging_forward);
  ADD ("/gateway-store/archive/paging-backward", test_archive_paging_backward);
  ADD ("/gateway-store/archive/filters-and-count", test_archive_filters_and_count);
  ADD ("/gateway-store/archive/errors", test_archive_errors);
  ADD ("/gateway-store/archive/expire", test_archive_expire);
  ADD ("/gateway-store/block/list-and-match", test_blocklist);
  ADD ("/gateway-store/xml/vcard-and-private", test_vcard_and_private);
  g_test_add_func ("/gateway-store/records/subscription-names", test_subscription_names);

  return g_test_run ();
}

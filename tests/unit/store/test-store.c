/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwStore on a real SQLite file: opening, migrations, message records. */
#include "config.h"
#include "store/store.h"

#include <glib/gstdio.h>

#include "test-tmpdir.h"
#include <string.h>
#include <sys/stat.h>

#include "store/migrations.h"

/* Offsets in the SQLite file header (https://sqlite.org/fileformat.html). */
#define HEADER_WRITE_VERSION 18 /* 2 when the file is in WAL mode */
#define HEADER_READ_VERSION 19
#define HEADER_USER_VERSION 60  /* 4 bytes, big-endian */
#define HEADER_APPLICATION_ID 68

typedef struct
{
  gchar *dir;
  gchar *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("cw-store-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "chinwag.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  cw_test_tmpdir_remove (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static CwStore *
open_store (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  CwStore *store = cw_store_open (f->path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static GBytes *
read_file (const gchar *path)
{
  g_autoptr (GError) error = NULL;
  gchar *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static guint32
header_u32 (const gchar *path, gsize offset)
{
  g_autoptr (GBytes) bytes = read_file (path);
  const guint8 *data = g_bytes_get_data (bytes, NULL);

  g_assert_cmpuint (g_bytes_get_size (bytes), >=, 100);
  return (guint32) data[offset] << 24 | data[offset + 1] << 16 | data[offset + 2] << 8
         | data[offset + 3];
}

/* Rewrites a field of a closed database's header, as another program or a
 * newer chinwag would have left it. */
static void
patch_header_u32 (const gchar *path, gsize offset, guint32 value)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = read_file (path);
  gsize size;
  g_autofree guint8 *data = g_bytes_unref_to_data (g_steal_pointer (&bytes), &size);

  data[offset] = value >> 24;
  data[offset + 1] = value >> 16;
  data[offset + 2] = value >> 8;
  data[offset + 3] = value;
  g_file_set_contents (path, (const gchar *) data, size, &error);
  g_assert_no_error (error);
}

static CwMessage *
outgoing (const gchar *peer, const gchar *stanza_id, const gchar *body)
{
  CwMessage *message = cw_message_new (peer, CW_MESSAGE_DIRECTION_OUT);

  message->stanza_id = g_strdup (stanza_id);
  message->body = g_strdup (body);
  return message;
}

static gint64
insert (CwStore *store, CwMessage *message)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cw_store_message_insert (store, message, &error));
  g_assert_no_error (error);
  return message->id;
}

static void
test_migrations_are_ordered (void)
{
  guint n = 0;
  const CwStoreMigration *steps = cw_store_migrations (&n);

  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (cw_store_get_latest_schema_version (), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (steps[i].version, ==, i + 1);
      g_assert_nonnull (steps[i].summary);
      g_assert_nonnull (steps[i].sql);
    }
}

static void
test_open_creates_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  GStatBuf st;

  g_assert_cmpstr (cw_store_get_path (store), ==, f->path);
  g_assert_cmpuint (cw_store_get_schema_version (store), ==, cw_store_get_latest_schema_version ());
  g_clear_object (&store);

  /* What a newer or older chinwag will read from the file itself. */
  g_assert_cmpuint (header_u32 (f->path, HEADER_USER_VERSION), ==,
                    cw_store_get_latest_schema_version ());
  g_assert_cmpuint (header_u32 (f->path, HEADER_APPLICATION_ID), ==, CW_STORE_APPLICATION_ID);
  /* History is private. */
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
}

static void
test_open_uses_wal (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (CwMessage) message = outgoing ("juliet@capulet", "s1", "hi");
  g_autofree gchar *wal = g_strconcat (f->path, "-wal", NULL);
  g_autoptr (GBytes) header = NULL;
  const guint8 *bytes;

  insert (store, message);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  header = read_file (f->path);
  bytes = g_bytes_get_data (header, NULL);
  g_assert_cmpuint (bytes[HEADER_WRITE_VERSION], ==, 2);
  g_assert_cmpuint (bytes[HEADER_READ_VERSION], ==, 2);
}

static void
test_reopen_keeps_data (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (CwMessage) message = outgoing ("juliet@capulet", "s1", "Wherefore art thou? ☾");
  g_autoptr (CwMessage) back = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id;

  message->thread = g_strdup ("balcony");
  g_free (message->type);
  message->type = g_strdup ("normal");
  id = insert (store, message);
  g_clear_object (&store);

  store = open_store (f);
  g_assert_cmpuint (cw_store_get_schema_version (store), ==, cw_store_get_latest_schema_version ());
  back = cw_store_message_get (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->id, ==, id);
  g_assert_cmpstr (back->peer, ==, "juliet@capulet");
  g_assert_cmpint (back->direction, ==, CW_MESSAGE_DIRECTION_OUT);
  g_assert_cmpstr (back->stanza_id, ==, "s1");
  g_assert_cmpstr (back->type, ==, "normal");
  g_assert_cmpstr (back->body, ==, "Wherefore art thou? ☾");
  g_assert_cmpstr (back->thread, ==, "balcony");
  g_assert_cmpint (back->state, ==, CW_MESSAGE_STATE_QUEUED);
  g_assert_null (back->error);
  g_assert_cmpint (back->created_at, ==, message->created_at);
  g_assert_cmpint (back->updated_at, ==, message->updated_at);
}

static void
test_refuses_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autoptr (GBytes) after = NULL;
  guint future = cw_store_get_latest_schema_version () + 1;

  g_clear_object (&store);
  patch_header_u32 (f->path, HEADER_USER_VERSION, future);
  before = read_file (f->path);

  store = cw_store_open (f->path, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, f->path));
  /* Refused without being touched: the newer chinwag can still use it. */
  after = read_file (f->path);
  g_assert_true (g_bytes_equal (before, after));
}

static void
test_refuses_foreign_files (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (GError) error = NULL;
  g_autofree gchar *junk = g_build_filename (f->dir, "junk.db", NULL);

  /* Another program's SQLite database. */
  g_clear_object (&store);
  patch_header_u32 (f->path, HEADER_APPLICATION_ID, 0x12345678);
  store = cw_store_open (f->path, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE);
  g_assert_null (store);
  g_clear_error (&error);

  /* Not SQLite at all. */
  g_file_set_contents (junk, "this is not a database, just some text long enough to matter. "
                             "this is not a database, just some text long enough to matter.",
                       -1, &error);
  g_assert_no_error (error);
  store = cw_store_open (junk, &error);
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_A_STORE);
  g_assert_null (store);
}

static void
test_unopenable_path (Fixture *f, gconstpointer data)
{
  g_autofree gchar *path = g_build_filename (f->dir, "missing", "chinwag.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwStore) store = cw_store_open (path, &error);

  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_IO);
  g_assert_null (store);
}

static void
test_second_connection_sees_commit (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) writer = open_store (f);
  g_autoptr (CwStore) reader = open_store (f);
  g_autoptr (CwMessage) message = outgoing ("juliet@capulet", "s1", "hi");
  g_autoptr (CwMessage) seen = NULL;
  g_autoptr (GError) error = NULL;

  insert (writer, message);
  seen = cw_store_message_get (reader, message->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seen->body, ==, "hi");
}

static void
test_message_ids_increase (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  gint64 last = 0;

  for (guint i = 0; i < 5; i++)
    {
      g_autoptr (CwMessage) message = outgoing ("juliet@capulet", NULL, NULL);
      gint64 id = insert (store, message);

      g_assert_cmpint (id, >, last);
      g_assert_cmpint (message->created_at, >, 0);
      last = id;
    }
}

static void
test_message_get_missing (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwMessage) message = cw_store_message_get (store, 42, &error);

  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_assert_null (message);
}

static void
test_message_update_is_compare_and_swap (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (CwMessage) message = outgoing ("juliet@capulet", "s1", "hi");
  g_autoptr (CwMessage) back = NULL;
  g_autoptr (GError) error = NULL;

  insert (store, message);
  message->state = CW_MESSAGE_STATE_SENT;
  message->receipt_requested = TRUE;
  message->attempts = 1;
  g_assert_true (cw_store_message_update (store, message,
                                          CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_QUEUED), &error));
  g_assert_no_error (error);

  /* Still expecting QUEUED: someone else's change must not be overwritten. */
  message->state = CW_MESSAGE_STATE_FAILED;
  message->error = g_strdup ("nope");
  g_assert_false (cw_store_message_update (store, message,
                                           CW_MESSAGE_STATE_BIT (CW_MESSAGE_STATE_QUEUED), &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  back = cw_store_message_get (store, message->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->state, ==, CW_MESSAGE_STATE_SENT);
  g_assert_true (back->receipt_requested);
  g_assert_cmpuint (back->attempts, ==, 1);
  g_assert_null (back->error);

  message->id = 9999;
  g_assert_false (cw_store_message_update (store, message, ~0u, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
}

static void
test_message_schema_rejects_nonsense (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (CwMessage) message = outgoing ("juliet@capulet", "s1", "hi");
  g_autoptr (GError) error = NULL;

  /* An outgoing message cannot be "received". */
  message->state = CW_MESSAGE_STATE_RECEIVED;
  g_assert_false (cw_store_message_insert (store, message, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONSTRAINT);
  g_assert_cmpint (message->id, ==, 0);
}

static void
test_message_list_by_state (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (GPtrArray) juliet = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *peers[] = { "juliet@capulet", "romeo@montague", "juliet@capulet" };

  for (guint i = 0; i < G_N_ELEMENTS (peers); i++)
    {
      g_autoptr (CwMessage) message = outgoing (peers[i], NULL, NULL);

      message->body = g_strdup_printf ("%u", i);
      insert (store, message);
    }

  juliet = cw_store_message_list_by_state (store, "juliet@capulet", CW_MESSAGE_STATE_QUEUED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (juliet->len, ==, 2);
  g_assert_cmpstr (((CwMessage *) juliet->pdata[0])->body, ==, "0");
  g_assert_cmpstr (((CwMessage *) juliet->pdata[1])->body, ==, "2");

  all = cw_store_message_list_by_state (store, NULL, CW_MESSAGE_STATE_QUEUED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = cw_store_message_list_by_state (store, NULL, CW_MESSAGE_STATE_SENT, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 0);
}

static void
test_message_find_by_stanza_id (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (CwMessage) to_juliet = outgoing ("juliet@capulet", "same", "a");
  g_autoptr (CwMessage) to_romeo = outgoing ("romeo@montague", "same", "b");
  g_autoptr (CwMessage) from_juliet = cw_message_new ("juliet@capulet", CW_MESSAGE_DIRECTION_IN);
  g_autoptr (GPtrArray) found = NULL;
  g_autoptr (GError) error = NULL;

  from_juliet->stanza_id = g_strdup ("same");
  insert (store, to_juliet);
  insert (store, to_romeo);
  insert (store, from_juliet);

  found = cw_store_message_find_by_stanza_id (store, "juliet@capulet", CW_MESSAGE_DIRECTION_OUT,
                                              "same", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (((CwMessage *) found->pdata[0])->id, ==, to_juliet->id);
  g_clear_pointer (&found, g_ptr_array_unref);

  found = cw_store_message_find_by_stanza_id (store, "juliet@capulet", CW_MESSAGE_DIRECTION_IN,
                                              "same", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (((CwMessage *) found->pdata[0])->id, ==, from_juliet->id);
}

static void
test_message_history_pages (Fixture *f, gconstpointer data)
{
  g_autoptr (CwStore) store = open_store (f);
  g_autoptr (GPtrArray) page = NULL;
  g_autoptr (GError) error = NULL;
  gint64 ids[5];

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr (CwMessage) message = outgoing (i == 2 ? "romeo@montague" : "juliet@capulet",
                                                NULL, NULL);
      ids[i] = insert (store, message);
    }

  page = cw_store_message_history (store, "juliet@capulet", 0, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (((CwMessage *) page->pdata[0])->id, ==, ids[4]);
  g_assert_cmpint (((CwMessage *) page->pdata[1])->id, ==, ids[3]);
  g_clear_pointer (&page, g_ptr_array_unref);

  page = cw_store_message_history (store, "juliet@capulet", ids[3], 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (((CwMessage *) page->pdata[0])->id, ==, ids[1]);
  g_assert_cmpint (((CwMessage *) page->pdata[1])->id, ==, ids[0]);
}

static void
test_message_names (void)
{
  CwMessageState state;
  CwMessageDirection direction;
  g_autoptr (GEnumClass) states = g_type_class_ref (CW_TYPE_MESSAGE_STATE);

  for (guint s = CW_MESSAGE_STATE_QUEUED; s <= CW_MESSAGE_STATE_RECEIVED; s++)
    {
      const gchar *name = cw_message_state_to_string (s);

      g_assert_true (cw_message_state_from_string (name, &state));
      g_assert_cmpint (state, ==, s);
      /* The GType nicks (D-Bus, GValue) and the stored names are one set. */
      g_assert_cmpstr (g_enum_get_value (states, s)->value_nick, ==, name);
    }
  g_assert_false (cw_message_state_from_string ("lost", NULL));
  g_assert_false (cw_message_state_from_string (NULL, NULL));
  g_assert_true (cw_message_direction_from_string ("in", &direction));
  g_assert_cmpint (direction, ==, CW_MESSAGE_DIRECTION_IN);
  g_assert_cmpstr (cw_message_direction_to_string (CW_MESSAGE_DIRECTION_OUT), ==, "out");
  g_assert_false (cw_message_direction_from_string ("sideways", NULL));
}

static void
test_message_copy (void)
{
  g_autoptr (CwMessage) message = outgoing ("juliet@capulet", "s1", "hi");
  g_autoptr (CwMessage) copy = NULL;

  message->error = g_strdup ("why");
  message->id = 7;
  copy = g_boxed_copy (CW_TYPE_MESSAGE, message);
  g_assert_true (copy->peer != message->peer);
  g_assert_cmpstr (copy->peer, ==, "juliet@capulet");
  g_assert_cmpstr (copy->stanza_id, ==, "s1");
  g_assert_cmpstr (copy->body, ==, "hi");
  g_assert_cmpstr (copy->error, ==, "why");
  g_assert_cmpstr (copy->type, ==, "chat");
  g_assert_null (copy->thread);
  g_assert_cmpint (copy->id, ==, 7);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/migrations/ordered", test_migrations_are_ordered);
  ADD ("/store/open/creates-schema", test_open_creates_schema);
  ADD ("/store/open/uses-wal", test_open_uses_wal);
  ADD ("/store/open/reopen-keeps-data", test_reopen_keeps_data);
  ADD ("/store/open/refuses-newer-schema", test_refuses_newer_schema);
  ADD ("/store/open/refuses-foreign-files", test_refuses_foreign_files);
  ADD ("/store/open/unopenable-path", test_unopenable_path);
  ADD ("/store/open/second-connection-sees-commit", test_second_connection_sees_commit);
  ADD ("/store/message/ids-increase", test_message_ids_increase);
  ADD ("/store/message/get-missing", test_message_get_missing);
  ADD ("/store/message/update-is-compare-and-swap", test_message_update_is_compare_and_swap);
  ADD ("/store/message/schema-rejects-nonsense", test_message_schema_rejects_nonsense);
  ADD ("/store/message/list-by-state", test_message_list_by_state);
  ADD ("/store/message/find-by-stanza-id", test_message_find_by_stanza_id);
  ADD ("/store/message/history-pages", test_message_history_pages);
  g_test_add_func ("/store/message/names", test_message_names);
  g_test_add_func ("/store/message/copy", test_message_copy);

  return g_test_run ();
}

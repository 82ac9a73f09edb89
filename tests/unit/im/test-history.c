/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwHistory on a real SQLite file: paging, incoming dedupe across restarts. */
#include "config.h"
#include "im/history.h"

#include <glib/gstdio.h>

#include "test-tmpdir.h"

#include "im/message-queue.h"

#define JULIET "juliet@capulet"
#define ROMEO "romeo@montague"

typedef struct
{
  gchar *dir;
  gchar *path;
  CwStore *store;
  CwHistory *history;
  CwMessageQueue *queue;
} Fixture;

static void
fixture_open (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  f->store = cw_store_open (f->path, &error);
  g_assert_no_error (error);
  f->queue = cw_message_queue_new (f->store, &error);
  g_assert_no_error (error);
  f->history = cw_history_new (f->store);
}

static void
fixture_close (Fixture *f)
{
  g_clear_object (&f->history);
  g_clear_object (&f->queue);
  g_assert_finalize_object (f->store);
  f->store = NULL;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("cw-history-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "chinwag.db", NULL);
  fixture_open (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  fixture_close (f);
  cw_test_tmpdir_remove (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static CwMessage *
receive (Fixture *f, const gchar *peer, const gchar *stanza_id, const gchar *body,
         gboolean *duplicate)
{
  g_autoptr (GError) error = NULL;
  CwMessage *message = cw_history_record_incoming (f->history, peer, stanza_id, NULL, body, NULL,
                                                   duplicate, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static GPtrArray *
page (Fixture *f, const gchar *peer, gint64 before_id, guint limit)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = cw_history_get_page (f->history, peer, before_id, limit, &error);

  g_assert_no_error (error);
  g_assert_nonnull (messages);
  return messages;
}

/* Adds a conversation with Juliet, both directions, with Romeo's messages
 * interleaved; returns Juliet's ids in the order they were stored. */
static GArray *
fill (Fixture *f, guint n)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *body = g_strdup_printf ("%u", i);
      g_autofree gchar *stanza_id = g_strdup_printf ("in-%u", i);
      g_autoptr (CwMessage) message = NULL;
      g_autoptr (GError) error = NULL;

      if (i % 2 == 0)
        message = receive (f, JULIET, stanza_id, body, NULL);
      else
        message = cw_message_queue_enqueue (f->queue, JULIET, body, NULL, NULL, &error);
      g_assert_no_error (error);
      g_array_append_val (ids, message->id);
      if (i % 7 == 0)
        cw_message_free (receive (f, ROMEO, NULL, body, NULL));
    }
  return ids;
}

static void
test_paging_newest_first (Fixture *f, gconstpointer data)
{
  const guint n = 250, limit = 100;
  g_autoptr (GArray) ids = fill (f, n);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  guint expected_sizes[] = { 100, 100, 50, 0 };
  gint64 before = 0;
  guint k = n;

  for (guint p = 0; p < G_N_ELEMENTS (expected_sizes); p++)
    {
      GPtrArray *messages = page (f, JULIET, before, limit);

      g_ptr_array_add (pages, messages);
      g_assert_cmpuint (messages->len, ==, expected_sizes[p]);
      for (guint i = 0; i < messages->len; i++)
        {
          CwMessage *message = messages->pdata[i];

          /* Newest first, no gap, no repeat, only Juliet's. */
          g_assert_cmpint (message->id, ==, g_array_index (ids, gint64, --k));
          g_assert_cmpstr (message->peer, ==, JULIET);
          g_assert_true (g_hash_table_add (seen, &message->id));
          before = message->id;
        }
    }
  g_assert_cmpuint (k, ==, 0);
  g_assert_cmpuint (g_hash_table_size (seen), ==, n);
}

static void
test_paging_while_messages_arrive (Fixture *f, gconstpointer data)
{
  g_autoptr (GArray) ids = fill (f, 30);
  g_autoptr (GPtrArray) first = page (f, JULIET, 0, 10);
  g_autoptr (GPtrArray) second = NULL;
  gint64 last = ((CwMessage *) first->pdata[first->len - 1])->id;

  /* New messages go on top; the older pages do not shift under the reader. */
  g_array_unref (fill (f, 5));
  second = page (f, JULIET, last, 10);
  g_assert_cmpuint (second->len, ==, 10);
  g_assert_cmpint (((CwMessage *) second->pdata[0])->id, ==, g_array_index (ids, gint64, 19));
  g_assert_cmpint (((CwMessage *) second->pdata[9])->id, ==, g_array_index (ids, gint64, 10));
}

static void
test_history_has_both_directions (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) in = receive (f, JULIET, "j1", "hello", NULL);
  g_autoptr (CwMessage) out = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;

  out = cw_message_queue_enqueue (f->queue, JULIET, "hi back", NULL, NULL, &error);
  g_assert_no_error (error);
  messages = page (f, JULIET, 0, 10);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpint (((CwMessage *) messages->pdata[0])->direction, ==, CW_MESSAGE_DIRECTION_OUT);
  g_assert_cmpstr (((CwMessage *) messages->pdata[0])->body, ==, "hi back");
  g_assert_cmpint (((CwMessage *) messages->pdata[1])->direction, ==, CW_MESSAGE_DIRECTION_IN);
  g_assert_cmpint (((CwMessage *) messages->pdata[1])->state, ==, CW_MESSAGE_STATE_RECEIVED);
  g_assert_cmpstr (((CwMessage *) messages->pdata[1])->stanza_id, ==, "j1");
}

static void
test_incoming_dedupe (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) first = NULL;
  g_autoptr (CwMessage) again = NULL;
  g_autoptr (CwMessage) other_peer = NULL;
  g_autoptr (CwMessage) reused_id = NULL;
  g_autoptr (CwMessage) no_id_1 = NULL;
  g_autoptr (CwMessage) no_id_2 = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean duplicate = TRUE;

  first = receive (f, JULIET, "abc", "hello", &duplicate);
  g_assert_false (duplicate);

  /* Juliet's chinwag crashed after writing it and sends it again. */
  again = receive (f, JULIET, "abc", "hello", &duplicate);
  g_assert_true (duplicate);
  g_assert_cmpint (again->id, ==, first->id);

  /* Ids are only unique per sender. */
  other_peer = receive (f, ROMEO, "abc", "hello", &duplicate);
  g_assert_false (duplicate);
  /* A client that restarts its id counter: a new message, not a resend. */
  reused_id = receive (f, JULIET, "abc", "something else", &duplicate);
  g_assert_false (duplicate);
  g_assert_cmpint (reused_id->id, !=, first->id);
  /* Without an id nothing can be matched, so nothing is dropped. */
  no_id_1 = receive (f, JULIET, NULL, "ok", &duplicate);
  no_id_2 = receive (f, JULIET, NULL, "ok", &duplicate);
  g_assert_false (duplicate);
  g_assert_cmpint (no_id_1->id, !=, no_id_2->id);

  messages = page (f, JULIET, 0, 100);
  g_assert_cmpuint (messages->len, ==, 4);
}

static void
test_incoming_dedupe_survives_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) first = receive (f, JULIET, "abc", "hello", NULL);
  g_autoptr (CwMessage) again = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gboolean duplicate = FALSE;

  fixture_close (f);
  fixture_open (f);
  again = receive (f, JULIET, "abc", "hello", &duplicate);
  g_assert_true (duplicate);
  g_assert_cmpint (again->id, ==, first->id);
  messages = page (f, JULIET, 0, 100);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (((CwMessage *) messages->pdata[0])->body, ==, "hello");
}

static void
test_unknown_peer_has_empty_history (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) messages = page (f, "nobody@nowhere", 0, 100);

  g_assert_cmpuint (messages->len, ==, 0);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/im/history/paging-newest-first", test_paging_newest_first);
  ADD ("/im/history/paging-while-messages-arrive", test_paging_while_messages_arrive);
  ADD ("/im/history/both-directions", test_history_has_both_directions);
  ADD ("/im/history/incoming-dedupe", test_incoming_dedupe);
  ADD ("/im/history/incoming-dedupe-survives-restart", test_incoming_dedupe_survives_restart);
  ADD ("/im/history/unknown-peer-is-empty", test_unknown_peer_has_empty_history);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for CwMessageQueue on a real SQLite file: persistence, receipts, restarts, kill -9. */
#include "config.h"
#include "im/message-queue.h"

#include <glib/gstdio.h>

#include "test-tmpdir.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define JULIET "juliet@capulet"
#define ROMEO "romeo@montague"

typedef struct
{
  gchar *dir;
  gchar *path;
  CwStore *store;
  CwMessageQueue *queue;
  GArray *changes; /* (StateChange) seen through "state-changed" */
} Fixture;

typedef struct
{
  gint64 id;
  CwMessageState state;
} StateChange;

static void
on_state_changed (CwMessageQueue *queue, gint64 id, CwMessageState state, CwMessage *message,
                  Fixture *f)
{
  StateChange change = { id, state };

  /* The record handed out is the stored one, already in its new state. */
  g_assert_cmpint (message->id, ==, id);
  g_assert_cmpint (message->state, ==, state);
  g_array_append_val (f->changes, change);
}

/* Opens store and queue as the daemon does at start-up. */
static void
fixture_open (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  f->store = cw_store_open (f->path, &error);
  g_assert_no_error (error);
  f->queue = cw_message_queue_new (f->store, &error);
  g_assert_no_error (error);
  g_assert_true (cw_message_queue_get_store (f->queue) == f->store);
  g_signal_connect (f->queue, "state-changed", G_CALLBACK (on_state_changed), f);
  g_array_set_size (f->changes, 0);
}

static void
fixture_close (Fixture *f)
{
  g_clear_object (&f->queue);
  g_assert_finalize_object (f->store);
  f->store = NULL;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("cw-queue-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "chinwag.db", NULL);
  f->changes = g_array_new (FALSE, FALSE, sizeof (StateChange));
  fixture_open (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  fixture_close (f);
  cw_test_tmpdir_remove (f->dir);
  g_array_unref (f->changes);
  g_free (f->path);
  g_free (f->dir);
}

static CwMessage *
enqueue (Fixture *f, const gchar *peer, const gchar *body)
{
  g_autoptr (GError) error = NULL;
  CwMessage *message = cw_message_queue_enqueue (f->queue, peer, body, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static void
mark_sent (Fixture *f, gint64 id, gboolean receipt_requested)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cw_message_queue_mark_sent (f->queue, id, receipt_requested, &error));
  g_assert_no_error (error);
}

static CwMessage *
get (Fixture *f, gint64 id)
{
  g_autoptr (GError) error = NULL;
  CwMessage *message = cw_message_queue_get (f->queue, id, &error);

  g_assert_no_error (error);
  return message;
}

static CwMessageState
state_of (Fixture *f, gint64 id)
{
  g_autoptr (CwMessage) message = get (f, id);

  return message->state;
}

static gint64
receipt (Fixture *f, const gchar *peer, const gchar *stanza_id)
{
  g_autoptr (GError) error = NULL;
  gint64 id = -1;

  g_assert_true (cw_message_queue_mark_delivered_by_stanza_id (f->queue, peer, stanza_id, &id,
                                                               &error));
  g_assert_no_error (error);
  return id;
}

static GPtrArray *
pending (Fixture *f, const gchar *peer)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *messages = cw_message_queue_pending_for_peer (f->queue, peer, &error);

  g_assert_no_error (error);
  return messages;
}

static void
test_enqueue_persists_before_returning (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) message = NULL;
  g_autoptr (CwMessage) seen = NULL;
  g_autoptr (CwStore) other = NULL;
  g_autoptr (GError) error = NULL;

  message = cw_message_queue_enqueue (f->queue, JULIET, "hello", "t1", "normal", &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->id, >, 0);
  g_assert_nonnull (message->stanza_id);
  g_assert_cmpint (message->state, ==, CW_MESSAGE_STATE_QUEUED);

  /* Another connection, as a restarted daemon would see the file. */
  other = cw_store_open (f->path, &error);
  g_assert_no_error (error);
  seen = cw_store_message_get (other, message->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (seen->peer, ==, JULIET);
  g_assert_cmpint (seen->direction, ==, CW_MESSAGE_DIRECTION_OUT);
  g_assert_cmpstr (seen->stanza_id, ==, message->stanza_id);
  g_assert_cmpstr (seen->body, ==, "hello");
  g_assert_cmpstr (seen->thread, ==, "t1");
  g_assert_cmpstr (seen->type, ==, "normal");
  g_assert_cmpint (seen->state, ==, CW_MESSAGE_STATE_QUEUED);

  g_assert_cmpuint (f->changes->len, ==, 1);
  g_assert_cmpint (g_array_index (f->changes, StateChange, 0).id, ==, message->id);
  g_assert_cmpint (g_array_index (f->changes, StateChange, 0).state, ==, CW_MESSAGE_STATE_QUEUED);
}

static void
test_stanza_ids_are_unique (Fixture *f, gconstpointer data)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 100; i++)
    {
      g_autoptr (CwMessage) message = enqueue (f, JULIET, "x");

      g_assert_cmpstr (message->type, ==, "chat");
      g_assert_cmpuint (strlen (message->stanza_id), >=, 16);
      g_assert_true (g_hash_table_add (seen, g_strdup (message->stanza_id)));
    }
}

static void
test_pending_in_order (Fixture *f, gconstpointer data)
{
  const gchar *bodies[] = { "one", "two", "three", "four" };
  g_autoptr (CwMessage) for_romeo = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  gint64 ids[G_N_ELEMENTS (bodies)];

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (CwMessage) message = enqueue (f, JULIET, bodies[i]);

      ids[i] = message->id;
      if (i == 1)
        for_romeo = enqueue (f, ROMEO, "elsewhere");
    }

  messages = pending (f, JULIET);
  g_assert_cmpuint (messages->len, ==, 4);
  for (guint i = 0; i < messages->len; i++)
    g_assert_cmpstr (((CwMessage *) messages->pdata[i])->body, ==, bodies[i]);
  g_clear_pointer (&messages, g_ptr_array_unref);

  /* Written ones leave the pending list; the rest keep their order. */
  mark_sent (f, ids[1], TRUE);
  messages = pending (f, JULIET);
  g_assert_cmpuint (messages->len, ==, 3);
  g_assert_cmpint (((CwMessage *) messages->pdata[0])->id, ==, ids[0]);
  g_assert_cmpint (((CwMessage *) messages->pdata[1])->id, ==, ids[2]);
  g_assert_cmpint (((CwMessage *) messages->pdata[2])->id, ==, ids[3]);
  g_clear_pointer (&messages, g_ptr_array_unref);

  messages = pending (f, "nobody@nowhere");
  g_assert_cmpuint (messages->len, ==, 0);
}

static void
test_receipt_only_from_the_right_peer (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) message = enqueue (f, JULIET, "hi");
  g_autoptr (CwMessage) delivered = NULL;

  mark_sent (f, message->id, TRUE);
  g_array_set_size (f->changes, 0);

  /* Romeo cannot acknowledge a message sent to Juliet, even by guessing its id. */
  g_assert_cmpint (receipt (f, ROMEO, message->stanza_id), ==, 0);
  g_assert_cmpint (state_of (f, message->id), ==, CW_MESSAGE_STATE_SENT);
  g_assert_cmpint (receipt (f, JULIET, "no-such-id"), ==, 0);
  g_assert_cmpuint (f->changes->len, ==, 0);

  g_assert_cmpint (receipt (f, JULIET, message->stanza_id), ==, message->id);
  delivered = get (f, message->id);
  g_assert_cmpint (delivered->state, ==, CW_MESSAGE_STATE_DELIVERED);
  g_assert_cmpuint (f->changes->len, ==, 1);
  g_assert_cmpint (g_array_index (f->changes, StateChange, 0).state, ==,
                   CW_MESSAGE_STATE_DELIVERED);

  /* A second receipt changes nothing and says so. */
  g_assert_cmpint (receipt (f, JULIET, message->stanza_id), ==, 0);
  g_assert_cmpuint (f->changes->len, ==, 1);
}

static void
test_state_changes_are_checked (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) message = enqueue (f, JULIET, "hi");
  g_autoptr (GError) error = NULL;

  mark_sent (f, message->id, FALSE);
  g_assert_false (cw_message_queue_mark_sent (f->queue, message->id, FALSE, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONFLICT);
  g_clear_error (&error);

  g_assert_false (cw_message_queue_mark_sent (f->queue, message->id + 100, FALSE, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  receipt (f, JULIET, message->stanza_id);
  g_assert_false (cw_message_queue_mark_failed (f->queue, message->id, "late", &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (cw_message_queue_retry (f->queue, message->id, &error));
  g_assert_error (error, CW_STORE_ERROR, CW_STORE_ERROR_CONFLICT);
}

static void
test_failed_then_retried (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) message = enqueue (f, JULIET, "hi");
  g_autoptr (CwMessage) failed = NULL;
  g_autoptr (CwMessage) retried = NULL;
  g_autoptr (GPtrArray) messages = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (cw_message_queue_mark_failed (f->queue, message->id, "peer refused", &error));
  g_assert_no_error (error);
  failed = get (f, message->id);
  g_assert_cmpint (failed->state, ==, CW_MESSAGE_STATE_FAILED);
  g_assert_cmpstr (failed->error, ==, "peer refused");
  messages = pending (f, JULIET);
  g_assert_cmpuint (messages->len, ==, 0);

  g_assert_true (cw_message_queue_retry (f->queue, message->id, &error));
  g_assert_no_error (error);
  retried = get (f, message->id);
  g_assert_cmpint (retried->state, ==, CW_MESSAGE_STATE_QUEUED);
  g_assert_null (retried->error);
  g_assert_cmpstr (retried->stanza_id, ==, message->stanza_id);
}

static void
test_stream_ended (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) with_receipt = enqueue (f, JULIET, "a");
  g_autoptr (CwMessage) without_receipt = enqueue (f, JULIET, "b");
  g_autoptr (CwMessage) to_romeo = enqueue (f, ROMEO, "c");
  g_autoptr (GError) error = NULL;

  mark_sent (f, with_receipt->id, TRUE);
  mark_sent (f, without_receipt->id, FALSE);
  mark_sent (f, to_romeo->id, FALSE);

  g_assert_true (cw_message_queue_stream_ended (f->queue, JULIET, TRUE, &error));
  g_assert_no_error (error);
  /* Juliet closed cleanly after reading everything, but owes a receipt for "a". */
  g_assert_cmpint (state_of (f, with_receipt->id), ==, CW_MESSAGE_STATE_QUEUED);
  g_assert_cmpint (state_of (f, without_receipt->id), ==, CW_MESSAGE_STATE_DELIVERED);
  g_assert_cmpint (state_of (f, to_romeo->id), ==, CW_MESSAGE_STATE_SENT);

  g_assert_true (cw_message_queue_stream_ended (f->queue, ROMEO, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpint (state_of (f, to_romeo->id), ==, CW_MESSAGE_STATE_FAILED);
}

static void
test_gives_up_without_receipts (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) message = enqueue (f, JULIET, "a");
  g_autoptr (CwMessage) failed = NULL;
  g_autoptr (GError) error = NULL;

  for (guint i = 1; i <= CW_MESSAGE_QUEUE_MAX_ATTEMPTS; i++)
    {
      g_assert_cmpint (state_of (f, message->id), ==, CW_MESSAGE_STATE_QUEUED);
      mark_sent (f, message->id, TRUE);
      g_assert_true (cw_message_queue_stream_ended (f->queue, JULIET, TRUE, &error));
      g_assert_no_error (error);
    }
  failed = get (f, message->id);
  g_assert_cmpint (failed->state, ==, CW_MESSAGE_STATE_FAILED);
  g_assert_cmpuint (failed->attempts, ==, CW_MESSAGE_QUEUE_MAX_ATTEMPTS);
  g_assert_nonnull (failed->error);
}

static void
test_restart_settles_sent (Fixture *f, gconstpointer data)
{
  g_autoptr (CwMessage) with_receipt = enqueue (f, JULIET, "a");
  g_autoptr (CwMessage) without_receipt = enqueue (f, JULIET, "b");
  g_autoptr (CwMessage) queued = enqueue (f, JULIET, "c");
  g_autoptr (CwMessage) delivered = enqueue (f, JULIET, "d");
  g_autoptr (CwMessage) requeued = NULL;
  g_autoptr (CwMessage) unsure = NULL;
  g_autoptr (GPtrArray) messages = NULL;

  mark_sent (f, with_receipt->id, TRUE);
  mark_sent (f, without_receipt->id, FALSE);
  mark_sent (f, delivered->id, TRUE);
  receipt (f, JULIET, delivered->stanza_id);

  fixture_close (f);
  fixture_open (f);

  /* Written before the "crash" with a receipt request: written again, with
   * the same stanza id so that the receiver can drop the copy. */
  requeued = get (f, with_receipt->id);
  g_assert_cmpint (requeued->state, ==, CW_MESSAGE_STATE_QUEUED);
  g_assert_cmpstr (requeued->stanza_id, ==, with_receipt->stanza_id);
  /* No receipt to wait for and no clean close: the user is told. */
  unsure = get (f, without_receipt->id);
  g_assert_cmpint (unsure->state, ==, CW_MESSAGE_STATE_FAILED);
  g_assert_nonnull (unsure->error);
  g_assert_cmpint (state_of (f, queued->id), ==, CW_MESSAGE_STATE_QUEUED);
  g_assert_cmpint (state_of (f, delivered->id), ==, CW_MESSAGE_STATE_DELIVERED);

  messages = pending (f, JULIET);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpint (((CwMessage *) messages->pdata[0])->id, ==, with_receipt->id);
  g_assert_cmpint (((CwMessage *) messages->pdata[1])->id, ==, queued->id);

  /* The receipt for the first write may still come: then no second write. */
  g_assert_cmpint (receipt (f, JULIET, with_receipt->stanza_id), ==, with_receipt->id);
  g_clear_pointer (&messages, g_ptr_array_unref);
  messages = pending (f, JULIET);
  g_assert_cmpuint (messages->len, ==, 1);
}

/* The child of the kill -9 test: enqueues until killed, writing each id to
 * @fd only once enqueue has returned, as SendMessage would answer D-Bus. */
G_NORETURN static void
crash_child (const gchar *path, int fd, guint n)
{
  g_autoptr (GError) error = NULL;
  CwStore *store = cw_store_open (path, &error);
  CwMessageQueue *queue = store != NULL ? cw_message_queue_new (store, &error) : NULL;

  if (queue == NULL)
    _exit (2);
  for (guint i = 0; i < n; i++)
    {
      g_autofree gchar *body = g_strdup_printf ("message %u", i);
      CwMessage *message = cw_message_queue_enqueue (queue, JULIET, body, NULL, NULL, &error);
      g_autofree gchar *line = NULL;

      if (message == NULL)
        _exit (3);
      line = g_strdup_printf ("%" G_GINT64_FORMAT " %u\n", message->id, i);
      if (write (fd, line, strlen (line)) != (gssize) strlen (line))
        _exit (4);
      cw_message_free (message);
    }
  _exit (0);
}

static void
test_kill_loses_no_acknowledged_message (Fixture *f, gconstpointer data)
{
  const guint n = 100000, kill_after = 40;
  g_autoptr (GHashTable) acknowledged = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) stored = NULL;
  g_autoptr (GError) error = NULL;
  gchar line[64];
  int fds[2], status;
  FILE *from_child;
  pid_t pid;

  fixture_close (f);
  g_assert_cmpint (pipe (fds), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (fds[0]);
      crash_child (f->path, fds[1], n);
    }
  close (fds[1]);
  from_child = fdopen (fds[0], "r");

  /* Kill while the child is busy enqueueing, then keep every id it managed
   * to write: each one was acknowledged before the kill. */
  while (fgets (line, sizeof line, from_child) != NULL)
    {
      gint64 id = g_ascii_strtoll (line, NULL, 10);

      g_array_append_val (ids, id);
      if (ids->len == kill_after)
        g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
    }
  fclose (from_child);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  g_assert_cmpuint (ids->len, >=, kill_after);
  g_assert_cmpuint (ids->len, <, n);

  fixture_open (f);
  stored = pending (f, JULIET);
  for (guint i = 0; i < stored->len; i++)
    {
      CwMessage *message = stored->pdata[i];
      g_autofree gchar *body = g_strdup_printf ("message %u", i);

      /* Nothing half-written: the n-th row is the n-th message, whole. */
      g_assert_cmpstr (message->body, ==, body);
      g_hash_table_add (acknowledged, &message->id);
    }
  for (guint i = 0; i < ids->len; i++)
    if (!g_hash_table_contains (acknowledged, &g_array_index (ids, gint64, i)))
      g_error ("message %u (id %" G_GINT64_FORMAT ") was acknowledged, then lost", i,
               g_array_index (ids, gint64, i));
  /* At most the one in flight at the kill is there without an acknowledgement. */
  g_assert_cmpuint (stored->len, <=, ids->len + 1);
  g_test_message ("%u acknowledged before SIGKILL, %u stored", ids->len, stored->len);
}

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD ("/im/queue/enqueue-persists-before-returning", test_enqueue_persists_before_returning);
  ADD ("/im/queue/stanza-ids-are-unique", test_stanza_ids_are_unique);
  ADD ("/im/queue/pending-in-order", test_pending_in_order);
  ADD ("/im/queue/receipt-only-from-the-right-peer", test_receipt_only_from_the_right_peer);
  ADD ("/im/queue/state-changes-are-checked", test_state_changes_are_checked);
  ADD ("/im/queue/failed-then-retried", test_failed_then_retried);
  ADD ("/im/queue/stream-ended", test_stream_ended);
  ADD ("/im/queue/gives-up-without-receipts", test_gives_up_without_receipts);
  ADD ("/im/queue/restart-settles-sent", test_restart_settles_sent);
  ADD ("/im/queue/kill-loses-no-acknowledged-message", test_kill_loses_no_acknowledged_message);

  return g_test_run ();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tests for the CwElement tree. */
#include "config.h"

#include "xml/element.h"

static void
test_build_and_inspect (void)
{
  g_autoptr (CwElement) msg = cw_element_new ("message", "jabber:client");
  CwElement *body;

  cw_element_set_attr (msg, "to", "romeo@montague");
  body = cw_element_add_text_child (msg, "body", NULL, "hello");
  cw_element_add (msg, "active", "http://jabber.org/protocol/chatstates");
  g_assert_cmpstr (cw_element_get_ns (body), ==, "jabber:client");
  g_assert_true (body->parent == msg);
  g_assert_cmpstr (cw_element_get_child_text (msg, "body", "jabber:client"), ==, "hello");
  g_assert_null (cw_element_get_child (msg, "body", "urn:other"));
  g_assert_nonnull (cw_element_get_child_in_ns (msg, "http://jabber.org/protocol/chatstates"));
  g_assert_cmpuint (cw_element_n_children (msg), ==, 2);
  g_assert_cmpstr (cw_element_get_attr (msg, "to"), ==, "romeo@montague");
  cw_element_set_attr (msg, "to", "juliet@capulet");
  g_assert_cmpstr (cw_element_get_attr (msg, "to"), ==, "juliet@capulet");
  cw_element_set_attr (msg, "to", NULL);
  g_assert_null (cw_element_get_attr (msg, "to"));
  g_assert_cmpuint (msg->n_attrs, ==, 0);
}

static void
test_text_nodes (void)
{
  g_autoptr (CwElement) p = cw_element_new ("p", "urn:x");

  g_assert_cmpstr (cw_element_get_text (p), ==, "");
  cw_element_append_text (p, "a", -1);
  cw_element_append_text (p, "bc", 1);
  cw_element_add (p, "em", NULL);
  cw_element_append_text (p, "d", -1);
  /* Mixed content keeps its shape until text is asked for as a whole. */
  g_assert_cmpstr (cw_element_get_text (p), ==, "abd");
  cw_element_set_text (p, "new");
  g_assert_cmpstr (cw_element_get_text (p), ==, "new");
  g_assert_nonnull (cw_element_get_child (p, "em", NULL));
}

static void
test_equal_and_copy (void)
{
  g_autoptr (CwElement) a = cw_element_new ("x", "urn:x");
  g_autoptr (CwElement) b = NULL;

  cw_element_set_attr (a, "one", "1");
  cw_element_set_attr (a, "two", "2");
  cw_element_add_text_child (a, "y", NULL, "text");
  b = cw_element_copy (a);
  g_assert_true (cw_element_equal (a, b));
  /* Attribute order does not matter... */
  cw_element_set_attr (b, "one", NULL);
  cw_element_set_attr (b, "one", "1");
  g_assert_true (cw_element_equal (a, b));
  /* ...but values, namespaces and text do. */
  cw_element_set_attr (b, "one", "uno");
  g_assert_false (cw_element_equal (a, b));
  cw_element_set_attr (b, "one", "1");
  cw_element_set_text (cw_element_get_child (b, "y", NULL), "other");
  g_assert_false (cw_element_equal (a, b));
  cw_element_set_text (cw_element_get_child (b, "y", NULL), "text");
  cw_element_add (b, "z", "urn:z");
  g_assert_false (cw_element_equal (a, b));
}

static void
test_remove_and_refs (void)
{
  g_autoptr (CwElement) root = cw_element_new ("r", "urn:r");
  CwElement *a = cw_element_add (root, "a", NULL);
  CwElement *b = cw_element_add (root, "b", NULL);
  CwElement *c = cw_element_add (root, "c", NULL);

  cw_element_ref (b);
  cw_element_remove_child (root, b);
  g_assert_null (b->parent);
  g_assert_true (cw_element_first (root) == a);
  g_assert_true (cw_element_next (a) == c);
  cw_element_remove_child (root, c);
  g_assert_true (root->last_child == a);
  cw_element_add_child (root, b);
  g_assert_true (cw_element_next (a) == b);
}

/* Freeing a stanza with very many children must not recurse per sibling. */
static void
test_wide_tree (void)
{
  CwElement *root = cw_element_new ("r", "urn:r");

  for (guint i = 0; i < 200000; i++)
    cw_element_add (root, "i", NULL);
  g_assert_cmpuint (cw_element_n_children (root), ==, 200000);
  cw_element_unref (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/xml/element/build-and-inspect", test_build_and_inspect);
  g_test_add_func ("/xml/element/text-nodes", test_text_nodes);
  g_test_add_func ("/xml/element/equal-and-copy", test_equal_and_copy);
  g_test_add_func ("/xml/element/remove-and-refs", test_remove_and_refs);
  g_test_add_func ("/xml/element/wide-tree", test_wide_tree);
  return g_test_run ();
}

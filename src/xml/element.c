/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwElement: a reference-counted XML element tree with resolved namespaces. */
#include "config.h"
#include "xml/element.h"

#include <string.h>

static CwElement *
element_alloc (void)
{
  CwElement *el = g_slice_new0 (CwElement);

  el->ref_count = 1;
  return el;
}

CwElement *
cw_element_new (const gchar *name, const gchar *ns)
{
  CwElement *el;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);
  el = element_alloc ();
  el->name = g_strdup (name);
  el->ns = ns != NULL ? g_strdup (ns) : NULL;
  return el;
}

static CwElement *
text_node_new (const gchar *text, gssize len)
{
  CwElement *el = element_alloc ();

  el->text = len < 0 ? g_strdup (text) : g_strndup (text, len);
  return el;
}

CwElement *
cw_element_ref (CwElement *el)
{
  g_return_val_if_fail (el != NULL, NULL);
  g_atomic_int_inc (&el->ref_count);
  return el;
}

static void
element_free (CwElement *el)
{
  /* Iterative over siblings so long child lists cannot exhaust the stack;
   * depth is bounded by the reader's depth limit. */
  CwElement *c = el->first_child;

  while (c != NULL)
    {
      CwElement *next = c->next;

      c->parent = NULL;
      c->next = NULL;
      cw_element_unref (c);
      c = next;
    }
  for (guint i = 0; i < el->n_attrs; i++)
    {
      g_free (el->attrs[i].ns);
      g_free (el->attrs[i].name);
      g_free (el->attrs[i].value);
    }
  g_free (el->attrs);
  g_free (el->name);
  g_free (el->ns);
  g_free (el->text);
  g_slice_free (CwElement, el);
}

void
cw_element_unref (CwElement *el)
{
  g_return_if_fail (el != NULL);
  if (g_atomic_int_dec_and_test (&el->ref_count))
    element_free (el);
}

CwElement *
cw_element_copy (const CwElement *el)
{
  CwElement *copy;

  g_return_val_if_fail (el != NULL, NULL);
  if (el->name == NULL)
    return text_node_new (el->text, -1);
  copy = cw_element_new (el->name, el->ns);
  for (guint i = 0; i < el->n_attrs; i++)
    cw_element_take_attr (copy, g_strdup (el->attrs[i].ns), g_strdup (el->attrs[i].name),
                          g_strdup (el->attrs[i].value));
  for (CwElement *c = el->first_child; c != NULL; c = c->next)
    cw_element_add_child (copy, cw_element_copy (c));
  return copy;
}

const gchar *
cw_element_get_name (const CwElement *el)
{
  return el->name;
}

const gchar *
cw_element_get_ns (const CwElement *el)
{
  return el->ns != NULL ? el->ns : "";
}

gboolean
cw_element_is (const CwElement *el, const gchar *name, const gchar *ns)
{
  if (el == NULL || el->name == NULL)
    return FALSE;
  if (name != NULL && strcmp (el->name, name) != 0)
    return FALSE;
  return ns == NULL || strcmp (cw_element_get_ns (el), ns) == 0;
}

static gboolean
str_equal0 (const gchar *a, const gchar *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp (a, b) == 0;
}

static CwAttr *
find_attr (const CwElement *el, const gchar *name, const gchar *ns)
{
  for (guint i = 0; i < el->n_attrs; i++)
    if (strcmp (el->attrs[i].name, name) == 0 && str_equal0 (el->attrs[i].ns, ns))
      return &el->attrs[i];
  return NULL;
}

const gchar *
cw_element_get_attr (const CwElement *el, const gchar *name)
{
  return cw_element_get_attr_ns (el, name, NULL);
}

const gchar *
cw_element_get_attr_ns (const CwElement *el, const gchar *name, const gchar *ns)
{
  CwAttr *a;

  g_return_val_if_fail (el != NULL && name != NULL, NULL);
  a = find_attr (el, name, ns);
  return a != NULL ? a->value : NULL;
}

void
cw_element_take_attr (CwElement *el, gchar *ns, gchar *name, gchar *value)
{
  CwAttr *a;

  if (el->n_attrs == el->attrs_alloc)
    {
      el->attrs_alloc = el->attrs_alloc == 0 ? 4 : el->attrs_alloc * 2;
      el->attrs = g_renew (CwAttr, el->attrs, el->attrs_alloc);
    }
  a = &el->attrs[el->n_attrs++];
  a->ns = ns;
  a->name = name;
  a->value = value;
}

void
cw_element_set_attr_ns (CwElement *el, const gchar *name, const gchar *ns, const gchar *value)
{
  CwAttr *a;

  g_return_if_fail (el != NULL && el->name != NULL && name != NULL);
  a = find_attr (el, name, ns);
  if (a != NULL && value != NULL)
    {
      gchar *old = a->value;

      a->value = g_strdup (value);
      g_free (old);
    }
  else if (a != NULL)
    {
      guint idx = a - el->attrs;

      g_free (a->ns);
      g_free (a->name);
      g_free (a->value);
      memmove (a, a + 1, (el->n_attrs - idx - 1) * sizeof (CwAttr));
      el->n_attrs--;
    }
  else if (value != NULL)
    cw_element_take_attr (el, g_strdup (ns), g_strdup (name), g_strdup (value));
}

void
cw_element_set_attr (CwElement *el, const gchar *name, const gchar *value)
{
  cw_element_set_attr_ns (el, name, NULL, value);
}

static void
fill_inherited_ns (CwElement *child, const CwElement *parent)
{
  if (child->name != NULL && child->ns == NULL)
    child->ns = g_strdup (cw_element_get_ns (parent));
}

CwElement *
cw_element_add_child (CwElement *el, CwElement *child)
{
  g_return_val_if_fail (el != NULL && el->name != NULL, NULL);
  g_return_val_if_fail (child != NULL && child->parent == NULL, NULL);
  fill_inherited_ns (child, el);
  child->parent = el;
  if (el->last_child != NULL)
    el->last_child->next = child;
  else
    el->first_child = child;
  el->last_child = child;
  return child;
}

CwElement *
cw_element_add (CwElement *el, const gchar *name, const gchar *ns)
{
  return cw_element_add_child (el, cw_element_new (name, ns));
}

CwElement *
cw_element_add_text_child (CwElement *el, const gchar *name, const gchar *ns, const gchar *text)
{
  CwElement *child = cw_element_add (el, name, ns);

  if (text != NULL && *text != '\0')
    cw_element_append_text (child, text, -1);
  return child;
}

void
cw_element_append_text (CwElement *el, const gchar *text, gssize len)
{
  CwElement *last;

  g_return_if_fail (el != NULL && el->name != NULL);
  if (len < 0)
    len = strlen (text);
  if (len == 0)
    return;
  last = el->last_child;
  if (last != NULL && last->name == NULL)
    {
      gsize old = strlen (last->text);

      last->text = g_realloc (last->text, old + len + 1);
      memcpy (last->text + old, text, len);
      last->text[old + len] = '\0';
      return;
    }
  cw_element_add_child (el, text_node_new (text, len));
}

void
cw_element_remove_child (CwElement *el, CwElement *child)
{
  CwElement *prev = NULL;

  g_return_if_fail (child != NULL && child->parent == el);
  for (CwElement *c = el->first_child; c != child; c = c->next)
    prev = c;
  if (prev != NULL)
    prev->next = child->next;
  else
    el->first_child = child->next;
  if (el->last_child == child)
    el->last_child = prev;
  child->parent = NULL;
  child->next = NULL;
  cw_element_unref (child);
}

void
cw_element_set_text (CwElement *el, const gchar *text)
{
  CwElement *c = el->first_child;

  while (c != NULL)
    {
      CwElement *next = c->next;

      if (c->name == NULL)
        cw_element_remove_child (el, c);
      c = next;
    }
  if (text != NULL)
    cw_element_append_text (el, text, -1);
}

const gchar *
cw_element_get_text (CwElement *el)
{
  CwElement *first = NULL;
  guint n = 0;

  g_return_val_if_fail (el != NULL, NULL);
  if (el->name == NULL)
    return el->text;
  for (CwElement *c = el->first_child; c != NULL; c = c->next)
    if (c->name == NULL && n++ == 0)
      first = c;
  if (n == 0)
    return "";
  if (n > 1)
    {
      /* Text split by child elements: merge into the first text node. The
       * document changes shape, not meaning, for callers asking for text. */
      GString *s = g_string_new (NULL);
      CwElement *c = el->first_child;

      while (c != NULL)
        {
          CwElement *next = c->next;

          if (c->name == NULL)
            {
              g_string_append (s, c->text);
              if (c != first)
                cw_element_remove_child (el, c);
            }
          c = next;
        }
      g_free (first->text);
      first->text = g_string_free (s, FALSE);
    }
  return first->text;
}

CwElement *
cw_element_first (const CwElement *el)
{
  CwElement *c = el->first_child;

  while (c != NULL && c->name == NULL)
    c = c->next;
  return c;
}

CwElement *
cw_element_next (const CwElement *el)
{
  CwElement *c = el->next;

  while (c != NULL && c->name == NULL)
    c = c->next;
  return c;
}

CwElement *
cw_element_get_child (const CwElement *el, const gchar *name, const gchar *ns)
{
  g_return_val_if_fail (el != NULL, NULL);
  for (CwElement *c = cw_element_first (el); c != NULL; c = cw_element_next (c))
    if (cw_element_is (c, name, ns))
      return c;
  return NULL;
}

CwElement *
cw_element_get_child_in_ns (const CwElement *el, const gchar *ns)
{
  return cw_element_get_child (el, NULL, ns);
}

const gchar *
cw_element_get_child_text (const CwElement *el, const gchar *name, const gchar *ns)
{
  CwElement *c = cw_element_get_child (el, name, ns);

  return c != NULL ? cw_element_get_text (c) : NULL;
}

guint
cw_element_n_children (const CwElement *el)
{
  guint n = 0;

  for (CwElement *c = cw_element_first (el); c != NULL; c = cw_element_next (c))
    n++;
  return n;
}

static gboolean
attrs_equal (const CwElement *a, const CwElement *b)
{
  if (a->n_attrs != b->n_attrs)
    return FALSE;
  for (guint i = 0; i < a->n_attrs; i++)
    {
      CwAttr *other = find_attr (b, a->attrs[i].name, a->attrs[i].ns);

      if (other == NULL || strcmp (other->value, a->attrs[i].value) != 0)
        return FALSE;
    }
  return TRUE;
}

/* Compares a run of adjacent text nodes starting at *pa / *pb, advancing
 * both past it. Empty runs match empty runs. */
static gboolean
text_runs_equal (const CwElement **pa, const CwElement **pb)
{
  GString *sa = g_string_new (NULL), *sb = g_string_new (NULL);
  gboolean eq;

  for (; *pa != NULL && (*pa)->name == NULL; *pa = (*pa)->next)
    g_string_append (sa, (*pa)->text);
  for (; *pb != NULL && (*pb)->name == NULL; *pb = (*pb)->next)
    g_string_append (sb, (*pb)->text);
  eq = g_string_equal (sa, sb);
  g_string_free (sa, TRUE);
  g_string_free (sb, TRUE);
  return eq;
}

gboolean
cw_element_equal (const CwElement *a, const CwElement *b)
{
  const CwElement *ca, *cb;

  if (a == b)
    return TRUE;
  if (a == NULL || b == NULL)
    return FALSE;
  if (!str_equal0 (a->name, b->name))
    return FALSE;
  if (a->name == NULL)
    return strcmp (a->text, b->text) == 0;
  if (strcmp (cw_element_get_ns (a), cw_element_get_ns (b)) != 0 || !attrs_equal (a, b))
    return FALSE;
  ca = a->first_child;
  cb = b->first_child;
  for (;;)
    {
      if (!text_runs_equal (&ca, &cb))
        return FALSE;
      if (ca == NULL || cb == NULL)
        return ca == cb;
      if (!cw_element_equal (ca, cb))
        return FALSE;
      ca = ca->next;
      cb = cb->next;
    }
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwElement: a reference-counted XML element tree with resolved namespaces. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CwElement CwElement;
typedef struct _CwAttr CwAttr;

/* One attribute. Unqualified attributes (the usual case) have ns == NULL. */
struct _CwAttr
{
  gchar *ns;     /* owned, nullable: namespace name for prefixed attributes */
  gchar *name;   /* owned: local name */
  gchar *value;  /* owned: unescaped value, UTF-8 */
};

/* An element node. Text is kept as text nodes (name == NULL) among the
 * children, so mixed content keeps its order. Read fields directly; change
 * them only through the functions below. */
struct _CwElement
{
  gint ref_count;
  CwElement *parent;       /* unowned */
  CwElement *next;         /* owned by parent: next sibling */
  CwElement *first_child;  /* owned */
  CwElement *last_child;   /* unowned */
  gchar *name;             /* owned: local name; NULL for a text node */
  gchar *ns;               /* owned: namespace name ("" for none) */
  gchar *text;             /* owned: content of a text node, else NULL */
  CwAttr *attrs;           /* owned array of n_attrs */
  guint n_attrs;
  guint attrs_alloc;
};

CwElement *cw_element_new (const gchar *name, const gchar *ns);
CwElement *cw_element_ref (CwElement *el);
void cw_element_unref (CwElement *el);
CwElement *cw_element_copy (const CwElement *el);

/* Namespace: NULL means "inherit the parent's" when the element is added as
 * a child; at the top it means no namespace. */
const gchar *cw_element_get_name (const CwElement *el);
const gchar *cw_element_get_ns (const CwElement *el);
gboolean cw_element_is (const CwElement *el, const gchar *name, const gchar *ns);

/* Attributes. ns NULL = unqualified attribute. set with value NULL removes. */
const gchar *cw_element_get_attr (const CwElement *el, const gchar *name);
const gchar *cw_element_get_attr_ns (const CwElement *el, const gchar *name, const gchar *ns);
void cw_element_set_attr (CwElement *el, const gchar *name, const gchar *value);
void cw_element_set_attr_ns (CwElement *el, const gchar *name, const gchar *ns, const gchar *value);
/* Takes ownership of name/ns/value: used by the parser to avoid copies. */
void cw_element_take_attr (CwElement *el, gchar *ns, gchar *name, gchar *value);

/* Children. add_child takes ownership of @child and returns it (unowned),
 * so calls chain: cw_element_add_child (msg, cw_element_new ("body", NULL)). */
CwElement *cw_element_add_child (CwElement *el, CwElement *child);
/* New child element; ns NULL inherits. Returns it (owned by @el). */
CwElement *cw_element_add (CwElement *el, const gchar *name, const gchar *ns);
/* New child element with text content. Returns it (owned by @el). */
CwElement *cw_element_add_text_child (CwElement *el, const gchar *name, const gchar *ns, const gchar *text);
/* Appends text; merges with a trailing text node. @len may be -1. */
void cw_element_append_text (CwElement *el, const gchar *text, gssize len);
/* Replaces all text children with @text (NULL removes them). */
void cw_element_set_text (CwElement *el, const gchar *text);
/* Unlinks @child from its parent and drops the parent's reference. */
void cw_element_remove_child (CwElement *el, CwElement *child);

/* Concatenated text of the direct text children; "" when none. Owned by
 * the element when there is one text node, otherwise cached until changed;
 * copy it if you keep it. */
const gchar *cw_element_get_text (CwElement *el);
/* First child element with this name and namespace (ns NULL: any). */
CwElement *cw_element_get_child (const CwElement *el, const gchar *name, const gchar *ns);
/* First child element in @ns, any name. */
CwElement *cw_element_get_child_in_ns (const CwElement *el, const gchar *ns);
/* Text of the first matching child, or NULL. */
const gchar *cw_element_get_child_text (const CwElement *el, const gchar *name, const gchar *ns);
guint cw_element_n_children (const CwElement *el);

/* Iteration over child elements (text nodes skipped):
 *   for (c = cw_element_first (el); c; c = cw_element_next (c)) */
CwElement *cw_element_first (const CwElement *el);
CwElement *cw_element_next (const CwElement *el);
static inline gboolean
cw_element_is_text (const CwElement *el)
{
  return el->name == NULL;
}

/* Deep structural equality: names, namespaces, attributes (any order),
 * children and text in order. Adjacent text nodes compare as one. */
gboolean cw_element_equal (const CwElement *a, const CwElement *b);

/* Serialisation (see writer.h for stream-aware output). */
gchar *cw_element_to_string (const CwElement *el);
/* Parses one complete XML document (restricted XML, like a stream). */
CwElement *cw_element_parse (const gchar *xml, gssize len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwElement, cw_element_unref)

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XEP-0115 entity capabilities: the verification string and the <c/> element. */
#include "config.h"
#include "xml/caps.h"

#include <string.h>

#include "common/namespaces.h"
#include "common/xmpp-error.h"

/* XEP-0004 data forms. */

/* One form field's part of S: "var<value<value<". */
typedef struct
{
  const gchar *var; /* unowned: the attribute in the tree */
  GString *s;       /* owned */
} FieldPart;

/* One form's part of S, after its FORM_TYPE. */
typedef struct
{
  const gchar *form_type; /* unowned: text in the tree, kept alive by it */
  GString *s;             /* owned */
} FormPart;

static void
field_part_clear (gpointer p)
{
  FieldPart *f = p;

  g_string_free (f->s, TRUE);
}

static void
form_part_clear (gpointer p)
{
  FormPart *f = p;

  g_string_free (f->s, TRUE);
}

static gboolean ill_formed (GError **error, const gchar *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
ill_formed (GError **error, const gchar *format, ...)
{
  va_list args;
  g_autofree gchar *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, CW_STANZA_ERROR, CW_STANZA_ERROR_BAD_REQUEST,
               "ill-formed disco#info for entity capabilities: %s", msg);
  return FALSE;
}

/* '<' separates factors in S; see caps.h. */
static gboolean
check_factor (const gchar *factor, const gchar *what, GError **error)
{
  if (factor != NULL && strchr (factor, '<') != NULL)
    return ill_formed (error, "%s contains '<'", what);
  return TRUE;
}

/* strcmp compares as unsigned char: the "i;octet" collation of §5.1. */
static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *)a, *(const gchar *const *)b);
}

static gint
compare_field_parts (gconstpointer a, gconstpointer b)
{
  return strcmp (((const FieldPart *)a)->var, ((const FieldPart *)b)->var);
}

static gint
compare_form_parts (gconstpointer a, gconstpointer b)
{
  return strcmp (((const FormPart *)a)->form_type, ((const FormPart *)b)->form_type);
}

/* Sorts @strings and fails on a repeat. */
static gboolean
sort_unique (GPtrArray *strings, const gchar *what, GError **error)
{
  g_ptr_array_sort (strings, compare_strings);
  for (guint i = 1; i < strings->len; i++)
    if (strcmp (g_ptr_array_index (strings, i - 1), g_ptr_array_index (strings, i)) == 0)
      return ill_formed (error, "repeated %s '%s'", what,
                         (const gchar *)g_ptr_array_index (strings, i));
  return TRUE;
}

static gboolean
collect_identity (CwElement *el, GPtrArray *out, GError **error)
{
  const gchar *category = cw_element_get_attr (el, "category");
  const gchar *type = cw_element_get_attr (el, "type");
  const gchar *lang = cw_element_get_attr_ns (el, "lang", CW_NS_XML);
  const gchar *name = cw_element_get_attr (el, "name");

  /* XEP-0030: category and type are required. */
  if (category == NULL || *category == '\0' || type == NULL || *type == '\0')
    return ill_formed (error, "identity without category or type");
  if (!check_factor (category, "identity category", error)
      || !check_factor (type, "identity type", error)
      || !check_factor (lang, "identity xml:lang", error)
      || !check_factor (name, "identity name", error))
    return FALSE;
  g_ptr_array_add (out, g_strdup_printf ("%s/%s/%s/%s", category, type, lang != NULL ? lang : "",
                                         name != NULL ? name : ""));
  return TRUE;
}

static gboolean
collect_feature (CwElement *el, GPtrArray *out, GError **error)
{
  const gchar *var = cw_element_get_attr (el, "var");

  if (var == NULL)
    return ill_formed (error, "feature without var");
  if (!check_factor (var, "feature", error))
    return FALSE;
  g_ptr_array_add (out, g_strdup (var));
  return TRUE;
}

/* The form's FORM_TYPE, or NULL when §5.4 says to ignore the form
 * (no FORM_TYPE field, not hidden, or no value). */
static gboolean
find_form_type (CwElement *x, const gchar **form_type, GError **error)
{
  CwElement *field = NULL;

  *form_type = NULL;
  for (CwElement *c = cw_element_first (x); c != NULL; c = cw_element_next (c))
    if (cw_element_is (c, "field", CW_NS_DATA_FORMS)
        && g_strcmp0 (cw_element_get_attr (c, "var"), "FORM_TYPE") == 0)
      {
        if (field != NULL)
          return ill_formed (error, "form with two FORM_TYPE fields");
        field = c;
      }
  if (field == NULL || g_strcmp0 (cw_element_get_attr (field, "type"), "hidden") != 0)
    return TRUE;
  for (CwElement *v = cw_element_first (field); v != NULL; v = cw_element_next (v))
    {
      const gchar *text;

      if (!cw_element_is (v, "value", CW_NS_DATA_FORMS))
        continue;
      text = cw_element_get_text (v);
      if (*form_type != NULL && strcmp (*form_type, text) != 0)
        return ill_formed (error, "FORM_TYPE with differing values");
      *form_type = text;
    }
  return check_factor (*form_type, "FORM_TYPE", error);
}

static gboolean
collect_field (CwElement *field, GArray *out, GError **error)
{
  const gchar *var = cw_element_get_attr (field, "var");
  g_autoptr (GPtrArray) values = g_ptr_array_new ();
  FieldPart part;

  if (var == NULL)
    return ill_formed (error, "form field without var");
  if (!check_factor (var, "form field var", error))
    return FALSE;
  for (CwElement *v = cw_element_first (field); v != NULL; v = cw_element_next (v))
    if (cw_element_is (v, "value", CW_NS_DATA_FORMS))
      {
        const gchar *text = cw_element_get_text (v);

        if (!check_factor (text, "form field value", error))
          return FALSE;
        g_ptr_array_add (values, (gpointer)text);
      }
  g_ptr_array_sort (values, compare_strings);
  part.var = var;
  part.s = g_string_new (var);
  g_string_append_c (part.s, '<');
  for (guint i = 0; i < values->len; i++)
    {
      g_string_append (part.s, g_ptr_array_index (values, i));
      g_string_append_c (part.s, '<');
    }
  g_array_append_val (out, part);
  return TRUE;
}

/* Adds @x to @out unless §5.4 says to skip it. */
static gboolean
collect_form (CwElement *x, GArray *out, GError **error)
{
  g_autoptr (GArray) parts = g_array_new (FALSE, FALSE, sizeof (FieldPart));
  FormPart form;

  g_array_set_clear_func (parts, field_part_clear);
  if (!find_form_type (x, &form.form_type, error))
    return FALSE;
  if (form.form_type == NULL)
    return TRUE;
  for (CwElement *c = cw_element_first (x); c != NULL; c = cw_element_next (c))
    if (cw_element_is (c, "field", CW_NS_DATA_FORMS)
        && g_strcmp0 (cw_element_get_attr (c, "var"), "FORM_TYPE") != 0
        && !collect_field (c, parts, error))
      return FALSE;
  g_array_sort (parts, compare_field_parts);
  form.s = g_string_new (NULL);
  for (guint i = 0; i < parts->len; i++)
    {
      FieldPart *p = &g_array_index (parts, FieldPart, i);

      if (i > 0 && strcmp (g_array_index (parts, FieldPart, i - 1).var, p->var) == 0)
        {
          g_string_free (form.s, TRUE);
          return ill_formed (error, "repeated field '%s' in form '%s'", p->var, form.form_type);
        }
      g_string_append_len (form.s, p->s->str, p->s->len);
    }
  g_array_append_val (out, form);
  return TRUE;
}

static gboolean
append_forms (GString *s, GArray *forms, GError **error)
{
  g_array_sort (forms, compare_form_parts);
  for (guint i = 0; i < forms->len; i++)
    {
      FormPart *f = &g_array_index (forms, FormPart, i);

      if (i > 0 && strcmp (g_array_index (forms, FormPart, i - 1).form_type, f->form_type) == 0)
        return ill_formed (error, "repeated FORM_TYPE '%s'", f->form_type);
      g_string_append (s, f->form_type);
      g_string_append_c (s, '<');
      g_string_append_len (s, f->s->str, f->s->len);
    }
  return TRUE;
}

static void
append_all (GString *s, GPtrArray *strings)
{
  for (guint i = 0; i < strings->len; i++)
    {
      g_string_append (s, g_ptr_array_index (strings, i));
      g_string_append_c (s, '<');
    }
}

/* Builds S of §5.1. */
static GString *
build_s (CwElement *query, GError **error)
{
  g_autoptr (GPtrArray) identities = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) features = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) forms = g_array_new (FALSE, FALSE, sizeof (FormPart));
  g_autoptr (GString) s = g_string_new (NULL);

  g_array_set_clear_func (forms, form_part_clear);
  for (CwElement *c = cw_element_first (query); c != NULL; c = cw_element_next (c))
    {
      gboolean ok = TRUE;

      if (cw_element_is (c, "identity", CW_NS_DISCO_INFO))
        ok = collect_identity (c, identities, error);
      else if (cw_element_is (c, "feature", CW_NS_DISCO_INFO))
        ok = collect_feature (c, features, error);
      else if (cw_element_is (c, "x", CW_NS_DATA_FORMS))
        ok = collect_form (c, forms, error);
      if (!ok)
        return NULL;
    }
  if (!sort_unique (identities, "identity", error) || !sort_unique (features, "feature", error))
    return NULL;
  append_all (s, identities);
  append_all (s, features);
  if (!append_forms (s, forms, error))
    return NULL;
  return g_steal_pointer (&s);
}

gchar *
cw_caps_compute_ver (CwElement *disco_info_query, GError **error)
{
  g_autoptr (GString) s = NULL;
  g_autoptr (GChecksum) sha1 = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  g_return_val_if_fail (disco_info_query != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (!cw_element_is (disco_info_query, "query", CW_NS_DISCO_INFO))
    {
      ill_formed (error, "not a disco#info query");
      return NULL;
    }
  s = build_s (disco_info_query, error);
  if (s == NULL)
    return NULL;
  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *)s->str, s->len);
  g_checksum_get_digest (sha1, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

CwElement *
cw_caps_element_new (const gchar *node, const gchar *ver)
{
  CwElement *c;

  g_return_val_if_fail (node != NULL && ver != NULL, NULL);
  c = cw_element_new ("c", CW_NS_CAPS);
  cw_element_set_attr (c, "hash", CW_CAPS_HASH_SHA1);
  cw_element_set_attr (c, "node", node);
  cw_element_set_attr (c, "ver", ver);
  return c;
}

static gboolean
caps_attr_ok (const gchar *value, gsize max_len)
{
  return value != NULL && value[0] != '\0' && strlen (value) <= max_len;
}

CwCaps *
cw_caps_from_element (CwElement *c, gsize max_len)
{
  const gchar *hash, *node, *ver;
  CwCaps *caps;

  g_return_val_if_fail (c != NULL, NULL);
  if (!cw_element_is (c, "c", CW_NS_CAPS))
    return NULL;
  hash = cw_element_get_attr (c, "hash");
  node = cw_element_get_attr (c, "node");
  ver = cw_element_get_attr (c, "ver");
  if (!caps_attr_ok (hash, max_len) || !caps_attr_ok (node, max_len)
      || !caps_attr_ok (ver, max_len))
    return NULL;
  caps = g_new0 (CwCaps, 1);
  caps->hash = g_strdup (hash);
  caps->node = g_strdup (node);
  caps->ver = g_strdup (ver);
  return caps;
}

void
cw_caps_free (CwCaps *caps)
{
  if (caps == NULL)
    return;
  g_free (caps->hash);
  g_free (caps->node);
  g_free (caps->ver);
  g_free (caps);
}

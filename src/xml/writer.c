/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XML writer: element trees and stream headers to UTF-8 text. */
#include "config.h"
#include "xml/writer.h"

#include <string.h>

#include "common/namespaces.h"

typedef struct
{
  GString *out;
  gboolean stream_prefix_bound;  /* "stream:" usable without declaring it */
} WriteCtx;

/* 1 for bytes that need escaping (or replacing) in text; 2 also in attrs. */
static const guint8 special[256] = {
  [0 ... 0x1f] = 1, ['&'] = 1, ['<'] = 1, ['>'] = 1, ['\''] = 2, ['"'] = 2,
};

static void
append_escaped_valid (GString *out, const gchar *text, gboolean attr)
{
  const guchar *p = (const guchar *) text;

  while (*p != '\0')
    {
      const guchar *start = p;

      while (*p != '\0' && (special[*p] == 0 || (!attr && special[*p] == 2)))
        p++;
      g_string_append_len (out, (const gchar *) start, p - start);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '\'': g_string_append (out, "&apos;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\r': g_string_append (out, "&#xD;"); break;
        case '\n':
          g_string_append (out, attr ? "&#xA;" : "\n");
          break;
        case '\t':
          g_string_append (out, attr ? "&#x9;" : "\t");
          break;
        default:
          /* Not representable in XML 1.0. */
          g_string_append (out, "\xef\xbf\xbd");
          break;
        }
      p++;
    }
}

void
cw_writer_append_escaped (GString *out, const gchar *text, gboolean attr)
{
  if (G_LIKELY (g_utf8_validate (text, -1, NULL)))
    append_escaped_valid (out, text, attr);
  else
    {
      g_autofree gchar *valid = g_utf8_make_valid (text, -1);

      append_escaped_valid (out, valid, attr);
    }
}

static void
append_attr (GString *out, const gchar *qname_prefix, const gchar *name, const gchar *value)
{
  g_string_append_c (out, ' ');
  if (qname_prefix != NULL)
    {
      g_string_append (out, qname_prefix);
      g_string_append_c (out, ':');
    }
  g_string_append (out, name);
  g_string_append (out, "='");
  cw_writer_append_escaped (out, value, TRUE);
  g_string_append_c (out, '\'');
}

/* Writes the attributes of @el, declaring a prefix for each foreign
 * attribute namespace (xml: is always bound). */
static void
append_attrs (GString *out, const CwElement *el)
{
  guint next_prefix = 0;

  for (guint i = 0; i < el->n_attrs; i++)
    {
      const CwAttr *a = &el->attrs[i];

      if (a->ns == NULL || *a->ns == '\0')
        append_attr (out, NULL, a->name, a->value);
      else if (strcmp (a->ns, CW_NS_XML) == 0)
        append_attr (out, "xml", a->name, a->value);
      else
        {
          g_autofree gchar *prefix = g_strdup_printf ("ns%u", ++next_prefix);

          append_attr (out, "xmlns", prefix, a->ns);
          append_attr (out, prefix, a->name, a->value);
        }
    }
}

static void
write_element (WriteCtx *ctx, const CwElement *el, const gchar *default_ns)
{
  const gchar *ns = cw_element_get_ns (el);
  gboolean stream_ns = strcmp (ns, CW_NS_STREAM) == 0;
  gboolean bound_here = FALSE;
  const gchar *child_ns = default_ns;

  g_string_append_c (ctx->out, '<');
  if (stream_ns)
    {
      g_string_append (ctx->out, "stream:");
      g_string_append (ctx->out, el->name);
      if (!ctx->stream_prefix_bound)
        {
          append_attr (ctx->out, "xmlns", "stream", CW_NS_STREAM);
          ctx->stream_prefix_bound = bound_here = TRUE;
        }
    }
  else
    {
      g_string_append (ctx->out, el->name);
      if (g_strcmp0 (ns, default_ns) != 0)
        append_attr (ctx->out, NULL, "xmlns", ns);
      child_ns = ns;
    }
  append_attrs (ctx->out, el);
  if (el->first_child == NULL)
    g_string_append (ctx->out, "/>");
  else
    {
      g_string_append_c (ctx->out, '>');
      for (const CwElement *c = el->first_child; c != NULL; c = c->next)
        {
          if (c->name == NULL)
            cw_writer_append_escaped (ctx->out, c->text, FALSE);
          else
            write_element (ctx, c, child_ns);
        }
      g_string_append (ctx->out, "</");
      if (stream_ns)
        g_string_append (ctx->out, "stream:");
      g_string_append (ctx->out, el->name);
      g_string_append_c (ctx->out, '>');
    }
  if (bound_here)
    ctx->stream_prefix_bound = FALSE;
}

void
cw_writer_append_stanza (GString *out, const CwElement *el, const gchar *default_ns)
{
  WriteCtx ctx = { out, TRUE };

  g_return_if_fail (el != NULL && el->name != NULL);
  write_element (&ctx, el, default_ns != NULL ? default_ns : "");
}

void
cw_writer_append_element (GString *out, const CwElement *el)
{
  WriteCtx ctx = { out, FALSE };

  g_return_if_fail (el != NULL && el->name != NULL);
  write_element (&ctx, el, "");
}

gchar *
cw_element_to_string (const CwElement *el)
{
  GString *out = g_string_new (NULL);

  cw_writer_append_element (out, el);
  return g_string_free (out, FALSE);
}

gchar *
cw_writer_stream_open (const CwElement *header, const gchar *default_ns)
{
  GString *out = g_string_new ("<?xml version='1.0'?><stream:stream");

  append_attr (out, "xmlns", "stream", CW_NS_STREAM);
  if (default_ns != NULL)
    append_attr (out, NULL, "xmlns", default_ns);
  if (header != NULL)
    append_attrs (out, header);
  g_string_append_c (out, '>');
  return g_string_free (out, FALSE);
}

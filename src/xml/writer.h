/* SPDX-License-Identifier: GPL-3.0-or-later */
/* XML writer: element trees and stream headers to UTF-8 text, no I/O. */
#pragma once

#include <glib.h>

#include "xml/element.h"

G_BEGIN_DECLS

#define CW_WRITER_STREAM_CLOSE "</stream:stream>"

/* Appends @el to @out as it goes on a stream whose default (content)
 * namespace is @default_ns and where the "stream" prefix is bound. The
 * element's namespace is declared only where it differs from the one in
 * scope. Characters XML cannot carry (control characters, invalid UTF-8)
 * are replaced by U+FFFD. */
void cw_writer_append_stanza (GString *out, const CwElement *el, const gchar *default_ns);

/* Appends a standalone serialisation that declares every namespace used. */
void cw_writer_append_element (GString *out, const CwElement *el);

/* The opening of a stream: XML declaration and <stream:stream> start tag
 * with the attributes of @header (its name and namespace are ignored) and
 * @default_ns as the content namespace. */
gchar *cw_writer_stream_open (const CwElement *header, const gchar *default_ns);

/* Escapes text for element content (@attr FALSE) or a single-quoted
 * attribute value (@attr TRUE). */
void cw_writer_append_escaped (GString *out, const gchar *text, gboolean attr);

G_END_DECLS

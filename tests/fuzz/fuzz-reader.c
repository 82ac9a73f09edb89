/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the stream reader: any bytes, any chunking, then write back. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "xml/reader.h"
#include "xml/writer.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The first byte picks the chunk size, so the fuzzer explores chunking too.
 * Every stanza that comes out must survive write -> parse unchanged. */
static void
check_stanza (CwElement *el)
{
  g_autofree gchar *s = cw_element_to_string (el);
  g_autoptr (GError) error = NULL;
  g_autoptr (CwElement) back = cw_element_parse (s, -1, &error);

  if (back == NULL || !cw_element_equal (el, back))
    g_error ("round trip failed for %s: %s", s, error != NULL ? error->message : "differs");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  CwReaderLimits limits;
  g_autoptr (CwReader) r = NULL;
  gsize chunk;
  CwElement *el;
  CwReaderEventType type;

  if (size < 1)
    return 0;
  chunk = (data[0] % 64) + 1;
  data++;
  size--;
  cw_reader_limits_init_default (&limits);
  limits.max_stanza_size = 64 * 1024;
  r = cw_reader_new (CW_READER_MODE_STREAM, &limits);
  for (gsize pos = 0; pos < size; pos += chunk)
    {
      gboolean ok = cw_reader_feed (r, data + pos, MIN (chunk, size - pos), NULL);

      while ((type = cw_reader_pop (r, &el)) != CW_READER_EVENT_NONE)
        {
          if (type == CW_READER_EVENT_STANZA)
            check_stanza (el);
          g_clear_pointer (&el, cw_element_unref);
        }
      if (!ok)
        break;
    }
  return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Replays a committed fuzz corpus through a target's entry point, as TAP. */
#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(gchar * const *) a, *(gchar * const *) b);
}

int
main (int argc, char **argv)
{
  const gchar *srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autofree gchar *dir = g_build_filename (srcdir != NULL ? srcdir : ".", "tests", "fuzz",
                                            "corpus", CW_FUZZ_CORPUS, NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &error);
  const gchar *name;

  if (d == NULL)
    {
      printf ("1..0 # SKIP no corpus: %s\n", error->message);
      return 0;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (files, g_build_filename (dir, name, NULL));
  g_ptr_array_sort (files, compare_names);
  printf ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree gchar *contents = NULL;
      gsize len = 0;
      const gchar *path = g_ptr_array_index (files, i);

      if (!g_file_get_contents (path, &contents, &len, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, path, error->message);
          g_clear_error (&error);
          continue;
        }
      /* A crash or sanitizer report aborts the binary: the TAP driver then
       * reports the missing points as an error. */
      LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
      g_autofree gchar *base = g_path_get_basename (path);

      printf ("ok %u - %s/%s\n", i + 1, CW_FUZZ_CORPUS, base);
      fflush (stdout);
    }
  return 0;
}

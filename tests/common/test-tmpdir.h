/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helper: remove a scratch directory made with g_dir_make_tmp and its files. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>

/* Removes the plain files in @dir, then @dir; fails the test if anything
 * cannot be removed (a test that leaves a subdirectory has a bug). */
static inline void
cw_test_tmpdir_remove (const gchar *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree gchar *file = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_remove (file), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

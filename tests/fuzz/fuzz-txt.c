/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the XEP-0174 TXT codec: decode, re-encode, decode again, check invariants.
 */
#include "config.h"

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "ll/txt-record.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* g_assert_true and g_assert_cmp* abort even under G_DISABLE_ASSERT. */

static const gsize string_offsets[] = {
  G_STRUCT_OFFSET (CwLlTxt, msg),   G_STRUCT_OFFSET (CwLlTxt, nick),
  G_STRUCT_OFFSET (CwLlTxt, first), G_STRUCT_OFFSET (CwLlTxt, last),
  G_STRUCT_OFFSET (CwLlTxt, email), G_STRUCT_OFFSET (CwLlTxt, jid),
  G_STRUCT_OFFSET (CwLlTxt, node),  G_STRUCT_OFFSET (CwLlTxt, hash),
  G_STRUCT_OFFSET (CwLlTxt, ver),   G_STRUCT_OFFSET (CwLlTxt, ext),
  G_STRUCT_OFFSET (CwLlTxt, phsh),  G_STRUCT_OFFSET (CwLlTxt, vc),
};
/* msg, nick, 1st and last are human text: re-encoding may cut them. */
#define N_TEXT_FIELDS 4

#define FIELD(txt, i) G_STRUCT_MEMBER (const gchar *, (txt), string_offsets[i])

/* DNS TXT RDATA: each string is one length byte and that many bytes; a
 * short last string takes what is left. */
static GPtrArray *
split_rdata (const guint8 *data, gsize size)
{
  GPtrArray *strings = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  gsize pos = 0;

  while (pos < size)
    {
      gsize len = MIN ((gsize)data[pos], size - pos - 1);

      g_ptr_array_add (strings, g_bytes_new (data + pos + 1, len));
      pos += 1 + len;
    }
  return strings;
}

static CwLlTxt *
decode_ok (GPtrArray *strings)
{
  g_autoptr (GError) error = NULL;
  CwLlTxt *txt = cw_ll_txt_decode (strings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (txt);
  return txt;
}

/* What cw_ll_txt_decode promises about every string it returns. */
static void
check_decoded (const CwLlTxt *txt)
{
  g_assert_cmpint (txt->status, >=, CW_LL_STATUS_AVAIL);
  g_assert_cmpint (txt->status, <=, CW_LL_STATUS_DND);
  for (guint i = 0; i < G_N_ELEMENTS (string_offsets); i++)
    {
      const gchar *s = FIELD (txt, i);

      if (s == NULL)
        continue;
      g_assert_cmpuint (strlen (s), >, 0);
      g_assert_true (g_utf8_validate (s, -1, NULL));
      for (const gchar *p = s; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          g_assert_false (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xfffe || c == 0xffff);
        }
    }
}

static void
check_encoded (GPtrArray *strings)
{
  gsize len;
  const gchar *first;

  g_assert_cmpuint (strings->len, >=, 2);
  first = g_bytes_get_data (g_ptr_array_index (strings, 0), &len);
  g_assert_true (len == 9 && memcmp (first, "txtvers=1", 9) == 0);
  for (guint i = 0; i < strings->len; i++)
    {
      const gchar *s = g_bytes_get_data (g_ptr_array_index (strings, i), &len);

      g_assert_cmpuint (len, <=, CW_LL_TXT_MAX_STRING);
      g_assert_true (g_utf8_validate_len (s, len, NULL));
      g_assert_nonnull (memchr (s, '=', len));
    }
}

/* @again came from encoding @txt: identifiers survive intact, text may be
 * cut at a character boundary, txtvers becomes 1. */
static void
check_reencoded (const CwLlTxt *txt, const CwLlTxt *again)
{
  g_assert_cmpuint (again->txtvers, ==, 1);
  g_assert_cmpuint (again->port_p2pj, ==, txt->port_p2pj);
  g_assert_cmpint (again->status, ==, txt->status);
  for (guint i = 0; i < G_N_ELEMENTS (string_offsets); i++)
    {
      const gchar *a = FIELD (txt, i), *b = FIELD (again, i);

      if (i >= N_TEXT_FIELDS || a == NULL)
        {
          g_assert_cmpstr (b, ==, a);
          continue;
        }
      g_assert_nonnull (b);
      g_assert_true (g_str_has_prefix (a, b));
      if (strlen (a) <= 250)
        g_assert_cmpstr (b, ==, a);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) strings = split_rdata (data, size);
  g_autoptr (CwLlTxt) txt = decode_ok (strings);
  g_autoptr (CwLlTxt) copy = cw_ll_txt_copy (txt);
  g_autoptr (GPtrArray) encoded = NULL;
  g_autoptr (GPtrArray) encoded_again = NULL;
  g_autoptr (GPtrArray) encoded_private = NULL;
  g_autoptr (CwLlTxt) again = NULL;
  g_autoptr (CwLlTxt) fixpoint = NULL;
  g_autoptr (CwLlTxt) private = NULL;

  check_decoded (txt);
  g_assert_true (cw_ll_txt_equal (txt, copy));

  encoded = cw_ll_txt_encode (txt, TRUE);
  check_encoded (encoded);
  again = decode_ok (encoded);
  check_decoded (again);
  check_reencoded (txt, again);

  /* After one trip the record is normalised: the next trip is exact. */
  encoded_again = cw_ll_txt_encode (again, TRUE);
  fixpoint = decode_ok (encoded_again);
  g_assert_true (cw_ll_txt_equal (again, fixpoint));

  /* Private publishing drops exactly the personal fields. */
  encoded_private = cw_ll_txt_encode (again, FALSE);
  check_encoded (encoded_private);
  private = decode_ok (encoded_private);
  g_assert_null (private->first);
  g_assert_null (private->last);
  g_assert_null (private->email);
  g_assert_null (private->jid);
  g_clear_pointer (&again->first, g_free);
  g_clear_pointer (&again->last, g_free);
  g_clear_pointer (&again->email, g_free);
  g_clear_pointer (&again->jid, g_free);
  g_assert_true (cw_ll_txt_equal (again, private));
  return 0;
}

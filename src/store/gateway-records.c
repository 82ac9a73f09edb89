/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The records a CwGatewayStore keeps: accounts, roster items, offline messages, archive entries. */
#include "config.h"
#include "store/gateway-records.h"

void
cw_gateway_account_free (CwGatewayAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->username);
  g_free (account);
}

static const gchar *const subscription_names[] = { "none", "to", "from", "both", "remove" };

const gchar *
cw_roster_subscription_to_string (CwRosterSubscription subscription)
{
  g_return_val_if_fail (subscription < G_N_ELEMENTS (subscription_names), NULL);
  return subscription_names[subscription];
}

gboolean
cw_roster_subscription_from_string (const gchar *text, CwRosterSubscription *out)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (subscription_names); i++)
    if (g_str_equal (text, subscription_names[i]))
      {
        *out = i;
        return TRUE;
      }
  return FALSE;
}

CwRosterItem *
cw_roster_item_new (const gchar *jid)
{
  CwRosterItem *item = g_new0 (CwRosterItem, 1);

  item->jid = g_strdup (jid);
  item->subscription = CW_ROSTER_SUBSCRIPTION_NONE;
  return item;
}

void
cw_roster_item_free (CwRosterItem *item)
{
  if (item == NULL)
    return;
  g_free (item->jid);
  g_free (item->name);
  g_strfreev (item->groups);
  g_free (item);
}

void
cw_offline_message_free (CwOfflineMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->stanza);
  g_free (message);
}

void
cw_archive_entry_free (CwArchiveEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->id);
  g_free (entry->with);
  g_free (entry->stanza);
  g_free (entry);
}

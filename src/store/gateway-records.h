/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The records a CwGatewayStore keeps: accounts, roster items, offline messages, archive entries. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Times are microseconds since the Unix epoch (g_get_real_time ()). */

typedef struct
{
  gchar *username;   /* owned: the normalised localpart */
  gboolean disabled; /* a disabled account keeps its data but may not log in */
  gint64 created_at;
} CwGatewayAccount;

void cw_gateway_account_free (CwGatewayAccount *account);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwGatewayAccount, cw_gateway_account_free)

/* RFC 6121 §2.1.2.5. REMOVE appears only in roster changes (a tombstone:
 * the item was removed at that version), never in a stored item. */
typedef enum
{
  CW_ROSTER_SUBSCRIPTION_NONE,
  CW_ROSTER_SUBSCRIPTION_TO,
  CW_ROSTER_SUBSCRIPTION_FROM,
  CW_ROSTER_SUBSCRIPTION_BOTH,
  CW_ROSTER_SUBSCRIPTION_REMOVE,
} CwRosterSubscription;

/* Returns: (transfer none): "none", "to", "from", "both", "remove". */
const gchar *cw_roster_subscription_to_string (CwRosterSubscription subscription);
gboolean cw_roster_subscription_from_string (const gchar *text, CwRosterSubscription *out);

typedef struct
{
  gchar *jid;    /* owned: the contact's normalised bare JID */
  gchar *name;   /* owned, nullable */
  CwRosterSubscription subscription;
  gboolean ask_out;    /* "pending out": we sent subscribe, no answer yet (ask='subscribe') */
  gboolean pending_in; /* "pending in": the contact asked, the user has not answered */
  gchar **groups;      /* owned, NULL-terminated, nullable for none; sorted when read */
  guint64 version;     /* set by the store: the roster version that last changed it */
} CwRosterItem;

/* Returns: (transfer full): an item with subscription none, no groups. */
CwRosterItem *cw_roster_item_new (const gchar *jid);
void cw_roster_item_free (CwRosterItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwRosterItem, cw_roster_item_free)

typedef struct
{
  gint64 id;        /* orders the user's queue */
  gint64 stored_at; /* for the XEP-0203 <delay/> on delivery */
  gchar *stanza;    /* owned: the serialised <message/> */
} CwOfflineMessage;

void cw_offline_message_free (CwOfflineMessage *message);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwOfflineMessage, cw_offline_message_free)

typedef enum
{
  CW_ARCHIVE_DIRECTION_IN,  /* received by the user */
  CW_ARCHIVE_DIRECTION_OUT, /* sent by the user */
} CwArchiveDirection;

typedef struct
{
  gchar *id;        /* owned: a UUID, the XEP-0359 stanza-id and XEP-0313 result id */
  gint64 timestamp;
  gchar *with;      /* owned: the other party's normalised bare JID */
  CwArchiveDirection direction;
  gchar *stanza;    /* owned: the serialised <message/> */
} CwArchiveEntry;

void cw_archive_entry_free (CwArchiveEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CwArchiveEntry, cw_archive_entry_free)

/* A XEP-0313 query with XEP-0059 paging. Entries are in archive order
 * (the order they were appended; timestamps follow it). */
typedef struct
{
  const gchar *with;  /* nullable: only entries with this bare JID */
  gint64 start;       /* 0, or only entries with timestamp >= start */
  gint64 end;         /* 0, or only entries with timestamp <= end */
  const gchar *after; /* nullable: the page after this id */
  /* nullable: the page before this id; "" for the last page (<before/>).
   * Not together with @after. */
  const gchar *before;
  guint max;          /* page size; 0 returns no entries, only whether there are any */
} CwArchiveQuery;

G_END_DECLS

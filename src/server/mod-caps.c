/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mod-caps: remembers the XEP-0115 caps each bound client advertises in its presence. */
#include "config.h"

#include "server/module.h"

#include "common/namespaces.h"
#include "xml/caps.h"
#include "xml/stanza.h"

/* Longest hash, node or ver kept: a SHA-1 ver is 28 bytes, nodes are URIs. */
#define CAPS_MAX_ATTR 512

typedef struct
{
  CwCaps *caps;          /* owned */
  CwC2sSession *session; /* unowned, only compared: who said it */
} Entry;

typedef struct
{
  const CwModuleHost *host;
  /* owned: full JID (gchar*) -> Entry; one entry per bound resource at
   * most, gone with its session or its unavailable presence. */
  GHashTable *clients;
} Caps;

static void
entry_free (gpointer p)
{
  Entry *entry = p;

  cw_caps_free (entry->caps);
  g_free (entry);
}

static gpointer
caps_create (const CwModuleHost *host)
{
  Caps *self = g_new0 (Caps, 1);

  self->host = host;
  self->clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  return self;
}

static void
caps_free (gpointer state)
{
  Caps *self = state;

  g_hash_table_destroy (self->clients);
  g_free (self);
}

/* A broadcast presence (no 'to') replaces what the resource said before:
 * available with a well-formed <c/> sets it, anything else forgets it. */
static CwModuleResult
caps_client_stanza (gpointer state, CwC2sSession *session, CwElement *stanza)
{
  Caps *self = state;
  const gchar *from = cw_stanza_get_from (stanza);
  CwElement *c;
  CwCaps *caps = NULL;

  if (cw_stanza_get_kind (stanza) != CW_STANZA_KIND_PRESENCE || cw_stanza_get_to (stanza) != NULL
      || from == NULL)
    return CW_MODULE_PASS;
  c = cw_element_get_child (stanza, "c", CW_NS_CAPS);
  if (cw_stanza_get_type (stanza) == NULL && c != NULL)
    caps = cw_caps_from_element (c, CAPS_MAX_ATTR);
  if (caps != NULL)
    {
      Entry *entry = g_new0 (Entry, 1);

      entry->caps = caps;
      entry->session = session;
      g_hash_table_insert (self->clients, g_strdup (from), entry);
    }
  else
    g_hash_table_remove (self->clients, from);
  return CW_MODULE_PASS;
}

/* Not the entry of a newer session that took over the full JID. */
static void
caps_session_closed (gpointer state, CwC2sSession *session)
{
  Caps *self = state;
  CwJid *jid = cw_c2s_session_get_jid (session);
  Entry *entry = jid != NULL ? g_hash_table_lookup (self->clients, cw_jid_to_string (jid)) : NULL;

  if (entry != NULL && entry->session == session)
    g_hash_table_remove (self->clients, cw_jid_to_string (jid));
}

const CwCaps *
cw_mod_caps_lookup (gpointer caps_state, const CwJid *full_jid)
{
  Caps *self = caps_state;

  Entry *entry;

  g_return_val_if_fail (self != NULL && full_jid != NULL, NULL);
  entry = g_hash_table_lookup (self->clients, cw_jid_to_string (full_jid));
  return entry != NULL ? entry->caps : NULL;
}

const CwModule cw_mod_caps = {
  .name = "caps",
  .create = caps_create,
  .free = caps_free,
  .client_stanza = caps_client_stanza,
  .session_closed = caps_session_closed,
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CwModule: one server feature as a static table of hooks that say handled or pass. */
#pragma once

#include <glib.h>

#include "common/xmpp-error.h"
#include "server/c2s-session.h"
#include "server/limits.h"
#include "server/router.h"
#include "store/gateway-store.h"
#include "xml/caps.h"
#include "xml/element.h"

G_BEGIN_DECLS

typedef enum
{
  CW_MODULE_PASS,    /* not mine: the next module (then the default) sees it */
  CW_MODULE_HANDLED, /* answered or consumed: dispatch stops */
} CwModuleResult;

/* What the gateway lends every module; valid while the module lives. */
typedef struct
{
  const gchar *domain; /* normalised */
  CwRouter *router;
  const CwServerLimits *limits;
  const struct _CwModule *const *modules; /* NULL-terminated: every module loaded */
  CwGatewayStore *store;                  /* nullable: the accounts' data */
} CwModuleHost;

typedef struct _CwModule
{
  const gchar *name;
  /* disco#info features this module adds (NULL-terminated, nullable). */
  const gchar *const *features;
  /* Returns the module's state (nullable); freed with free(). */
  gpointer (*create) (const CwModuleHost *host);
  void (*free) (gpointer state);
  /* A stanza from a bound client (its 'from' stamped) before routing:
   * presence broadcast, carbons and the like. Nullable. */
  CwModuleResult (*client_stanza) (gpointer state, CwC2sSession *session, CwElement *stanza);
  /* A stanza for the server itself, or an IQ or presence to a local bare
   * JID that the server handles for the account. Nullable. */
  CwModuleResult (*server_stanza) (gpointer state, CwElement *stanza);
  /* A session bound its resource / ended. Nullable. */
  void (*session_bound) (gpointer state, CwC2sSession *session);
  void (*session_closed) (gpointer state, CwC2sSession *session);
  /* A message about to reach the local account @to (bare JID) through the
   * router, @targets (CwRouterResource *) the resources it goes to, maybe
   * none (see CwRouterMessageFunc). PASS lets it on (a module may add to
   * it); HANDLED takes it: no delivery, no bounce. Nullable. */
  CwModuleResult (*local_message) (gpointer state, CwElement *stanza, const CwJid *to,
                                   GPtrArray *targets);
  /* disco#info features of every account's bare JID (NULL-terminated,
   * nullable), e.g. urn:xmpp:mam:2. */
  const gchar *const *account_features;
} CwModule;

/* The modules, in dispatch order. */
extern const CwModule cw_mod_ping;
extern const CwModule cw_mod_version;
extern const CwModule cw_mod_disco;
extern const CwModule cw_mod_presence;
extern const CwModule cw_mod_offline;
extern const CwModule cw_mod_carbons;
extern const CwModule cw_mod_mam;
extern const CwModule cw_mod_blocking;
extern const CwModule cw_mod_vcard;
extern const CwModule cw_mod_private;
extern const CwModule cw_mod_register;
extern const CwModule cw_mod_caps;

/* XEP-0115 node of the server's own caps (mod-disco). */
#define CW_SERVER_CAPS_NODE "https://chinwag.invalid"
/* Returns: (transfer full): the <c/> for the stream features after
 * authentication: the ver of the server's disco#info with @host's modules. */
CwElement *cw_mod_disco_caps_new (const CwModuleHost *host);
/* Returns: (transfer none) (nullable): the caps the client bound as
 * @full_jid gave in its last available broadcast presence (mod-caps
 * state), valid until its next presence or the end of its session. */
const CwCaps *cw_mod_caps_lookup (gpointer caps_state, const CwJid *full_jid);

/* Replies to a get/set @request with a result carrying @payload (transfer
 * full, nullable), routed back to the sender. */
void cw_module_reply_result (const CwModuleHost *host, CwElement *request, CwElement *payload);
/* TRUE when @stanza is an IQ of @type with a payload @name in @ns
 * addressed to the server (no 'to', or our bare domain). */
gboolean cw_module_is_server_iq (const CwModuleHost *host, CwElement *stanza, const gchar *type,
                                 const gchar *name, const gchar *ns);
/* The local account an IQ to the server or to a local bare JID is about:
 * the addressee, or the sender when there is no 'to'.
 * @own: whether that is the sender's own. NULL for a sender or addressee
 * that is not a local account's (bare) JID. */
gchar *cw_module_iq_account (const CwModuleHost *host, CwElement *stanza, gboolean *own);
/* Answers @request with a stanza error of @condition (its default type). */
void cw_module_reply_error (const CwModuleHost *host, CwElement *request, CwStanzaError condition);
/* The same with @error as for cw_stanza_error_reply(). */
void cw_module_reply_gerror (const CwModuleHost *host, CwElement *request, const GError *error);

/* The state of a module that keeps a set of sessions (carbons enabled,
 * offline queue delivered): use the three functions as its create, free
 * and session_closed; a session leaves the set when it closes. */
typedef struct
{
  const CwModuleHost *host;
  GHashTable *sessions; /* owned: CwC2sSession (unowned) set */
} CwModuleSessions;

gpointer cw_module_sessions_create (const CwModuleHost *host);
void cw_module_sessions_free (gpointer state);
void cw_module_sessions_closed (gpointer state, CwC2sSession *session);

/* Returns: (transfer full): a XEP-0203 <delay from=@from stamp=…/> for
 * @stamp (microseconds since the epoch, UTC). */
CwElement *cw_module_delay_new (const gchar *from, gint64 stamp);
/* XEP-0191: whether the local account @user (a JID; its bare part counts)
 * blocks @jid. FALSE when @user is not an account here or there is no store. */
gboolean cw_module_is_blocked (const CwModuleHost *host, const gchar *user, const gchar *jid);
/* Whether presence from @from to @to must not flow (§3.5, §3.6): either
 * end, when it is a local account, blocks the other. */
gboolean cw_module_presence_blocked (const CwModuleHost *host, const gchar *from, const gchar *to);
/* Returns: (transfer none) (nullable): the bound resource with this full JID. */
CwRouterResource *cw_module_find_resource (const CwModuleHost *host, CwJid *full_jid);

G_END_DECLS

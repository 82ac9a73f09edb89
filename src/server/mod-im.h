/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rules of the IM modules (offline storage, carbons, MAM) that need no connection. */
#pragma once

#include <glib.h>

#include "store/gateway-records.h"
#include "xml/element.h"

G_BEGIN_DECLS

#define CW_NS_MSGOFFLINE "msgoffline"
#define CW_NS_CARBONS "urn:xmpp:carbons:2"
#define CW_NS_FORWARD "urn:xmpp:forward:0"
#define CW_NS_HINTS "urn:xmpp:hints"
#define CW_NS_MAM "urn:xmpp:mam:2"
#define CW_NS_RSM "http://jabber.org/protocol/rsm"
#define CW_NS_SID "urn:xmpp:sid:0"

/* XEP-0160: a message of type chat or normal (or none) is kept for an
 * account that has no available resource; others are not. */
gboolean cw_offline_is_storable (const CwElement *message);

/* XEP-0280 §5: chat, or normal with a <body/>; not one with <private/> or
 * a XEP-0334 <no-copy/>, not a carbon itself, not from a MUC (muc#user). */
gboolean cw_carbons_is_eligible (const CwElement *message);
/* Returns: (transfer full): <message from=@bare to=@to type=…><@kind
 * xmlns=carbons><forwarded>a copy of @message…, @kind "sent" or "received". */
CwElement *cw_carbons_wrap (const CwElement *message, const gchar *kind, const gchar *bare,
                            const gchar *to);

/* XEP-0313 for one-to-one chats: chat or normal (or none) with a <body/>,
 * without a XEP-0334 <no-store/> or <no-permanent-store/> hint. */
gboolean cw_mam_is_archivable (const CwElement *message);

/* Page sizes: without <max/>, and the most a client may ask for. */
#define CW_MAM_DEFAULT_MAX 50
#define CW_MAM_LIMIT_MAX 250

/* A parsed <query xmlns='urn:xmpp:mam:2'/>. */
typedef struct
{
  gchar *queryid; /* owned, nullable */
  gchar *with;    /* owned, nullable: a normalised bare JID */
  gint64 start;   /* 0 or microseconds since the epoch */
  gint64 end;
  gchar *after;  /* owned, nullable */
  gchar *before; /* owned, nullable: "" for <before/> (the last page) */
  guint max;
} CwMamRequest;

void cw_mam_request_clear (CwMamRequest *request);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CwMamRequest, cw_mam_request_clear)
/**
 * cw_mam_request_parse:
 *
 * Reads the data form (FORM_TYPE, with, start, end) and the XEP-0059
 * <set/> (max, after, before). Fails in CW_STANZA_ERROR: bad-request for
 * an unknown field or form type, a bad date, max or both after and
 * before; jid-malformed for a bad 'with'.
 */
gboolean cw_mam_request_parse (const CwElement *query, CwMamRequest *request, GError **error);
/* Points @query (borrowing strings) at @request's filters and page. */
void cw_mam_request_to_query (const CwMamRequest *request, CwArchiveQuery *query);

G_END_DECLS

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What chinwag says about itself: disco#info, caps, and the simple IQ responders. */
#pragma once

#include <glib.h>

#include "xml/element.h"

G_BEGIN_DECLS

/* XEP-0115 node: where our software lives. */
#define CW_IM_CAPS_NODE "https://chinwag.invalid/caps"

/* A new <query xmlns='…disco#info'/> describing this client: identity
 * client/pc and every feature we implement. @node is echoed when given. */
CwElement *cw_im_disco_info_new (const gchar *node);
/* The XEP-0115 verification string of cw_im_disco_info_new() (cached). */
const gchar *cw_im_caps_ver (void);

/* Answers the IQs every peer should answer: disco#info (ours, or ours at
 * "node#ver"), disco#items (empty), XEP-0092 version, XEP-0202 time and
 * XEP-0199 ping. Returns the result stanza, or NULL when @iq is not one of
 * them (the caller answers service-unavailable). Errors (a disco#info for
 * a node we do not have) come back as an error reply stanza. */
CwElement *cw_im_answer_iq (const CwElement *iq);

G_END_DECLS

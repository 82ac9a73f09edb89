/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The store layer's error domain, shared by the peer and the gateway store. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CW_STORE_ERROR (cw_store_error_quark ())
GQuark cw_store_error_quark (void);

/* Codes are stable. */
typedef enum
{
  CW_STORE_ERROR_FAILED,      /* anything not below */
  CW_STORE_ERROR_IO,          /* the file cannot be created, opened, read or written */
  CW_STORE_ERROR_NOT_A_STORE, /* not a SQLite file, or another program's database */
  CW_STORE_ERROR_TOO_NEW,     /* written by a newer chinwag: its schema is unknown here */
  CW_STORE_ERROR_CORRUPT,
  CW_STORE_ERROR_BUSY,        /* another process held a lock past the busy timeout */
  CW_STORE_ERROR_FULL,        /* the disk is full */
  CW_STORE_ERROR_CONSTRAINT,  /* the change breaks a rule of the schema */
  CW_STORE_ERROR_NOT_FOUND,   /* no such record (or no such account for a per-user record) */
  CW_STORE_ERROR_CONFLICT,    /* the record is not in a state that allows the change */
  CW_STORE_ERROR_EXISTS,      /* a record with that key is there already */
  CW_STORE_ERROR_QUOTA,       /* a per-user limit is reached */
  CW_STORE_ERROR_INVALID,     /* a name or address that is not valid (bad username or JID) */
} CwStoreError;

G_END_DECLS

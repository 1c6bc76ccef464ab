/* SPDX-License-Identifier: GPL-2.0-only */
/* A named API error on its way to the caller: the Varlink error name and
 * its parameters. The innermost layer that knows what went wrong sets it;
 * only the API layer turns it into a reply. */
#ifndef ZFWD_ZERR_H
#define ZFWD_ZERR_H

#include <jansson.h>

#include "zfwd_api.h"

struct zerr {
	const char *name;
	json_t *params;
};

/* Takes ownership of @params (may be NULL). First error wins. */
static inline void zerr_set(struct zerr *e, const char *name, json_t *params)
{
	if (e->name) {
		json_decref(params);
		return;
	}
	e->name = name;
	e->params = params;
}

static inline void zerr_clear(struct zerr *e)
{
	json_decref(e->params);
	e->name = NULL;
	e->params = NULL;
}

#endif

// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "varlink.h"
#include "zfwd_api.h"

void vl_buf_init(struct vl_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void vl_buf_free(struct vl_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

size_t vl_buf_pending(const struct vl_buf *b)
{
	return b->len - b->start;
}

int vl_buf_reserve(struct vl_buf *b, size_t want, char **where, size_t *room)
{
	/* Drop consumed bytes before growing. */
	if (b->start && (b->start == b->len || b->len + want > b->cap)) {
		memmove(b->data, b->data + b->start, b->len - b->start);
		b->len -= b->start;
		b->start = 0;
	}
	if (b->len + want > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + want)
			cap *= 2;
		/* One byte past max, so an over-long message is detectable. */
		if (cap > b->max + 1)
			cap = b->max + 1;
		if (cap <= b->len)
			return -EMSGSIZE;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	*where = b->data + b->len;
	*room = b->cap - b->len;
	return 0;
}

void vl_buf_added(struct vl_buf *b, size_t n)
{
	b->len += n;
}

int vl_buf_next(struct vl_buf *b, const char **msg, size_t *len)
{
	size_t avail = b->len - b->start;
	char *start, *nul;

	if (!b->data || !avail)
		return 0;
	start = b->data + b->start;
	nul = memchr(start, '\0', avail);
	if (!nul)
		return avail >= b->max ? -EMSGSIZE : 0;
	/* The limit holds however the bytes arrived. */
	if ((size_t)(nul - start) + 1 > b->max)
		return -EMSGSIZE;
	*msg = start;
	*len = nul - start;
	b->start += *len + 1;
	return 1;
}

static json_t *param_error(const char *parameter)
{
	return json_pack("{s:s}", "parameter", parameter);
}

int vl_parse_call(const char *msg, size_t len, struct vl_call *call,
		  const char **err_name, json_t **err_params)
{
	json_error_t jerr;
	json_t *root, *v;
	const char *key;

	memset(call, 0, sizeof(*call));
	*err_name = NULL;
	*err_params = NULL;
	root = json_loadb(msg, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return -EINVAL;
	call->root = root;
	if (!json_is_object(root))
		return -EINVAL;
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "method")) {
			if (!json_is_string(v))
				goto bad_method;
			call->method = json_string_value(v);
		} else if (!strcmp(key, "parameters")) {
			if (!json_is_object(v)) {
				*err_name = VARLINK_ERR_INVALID_PARAMETER;
				*err_params = param_error("parameters");
				return -EINVAL;
			}
			call->params = v;
		} else if (!strcmp(key, "oneway") || !strcmp(key, "more") ||
			   !strcmp(key, "upgrade")) {
			if (!json_is_boolean(v)) {
				*err_name = VARLINK_ERR_INVALID_PARAMETER;
				*err_params = param_error(key);
				return -EINVAL;
			}
			if (key[0] == 'o')
				call->oneway = json_is_true(v);
			else if (key[0] == 'm')
				call->more = json_is_true(v);
			else
				call->upgrade = json_is_true(v);
		}
		/* Other top-level keys are ignored, as the protocol allows. */
	}
	if (!call->method)
		goto bad_method;
	if (!call->params) {
		call->params = json_object();
		if (!call->params || json_object_set_new(root, "parameters", call->params))
			return -ENOMEM;
	}
	return 0;
bad_method:
	*err_name = VARLINK_ERR_METHOD_NOT_FOUND;
	*err_params = json_pack("{s:s}", "method", "");
	return -EINVAL;
}

void vl_call_free(struct vl_call *call)
{
	json_decref(call->root);
	memset(call, 0, sizeof(*call));
}

char *vl_encode(json_t *msg, size_t *len)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t n;

	json_decref(msg);
	if (!s)
		return NULL;
	/* json_dumps output is NUL-terminated; the NUL is the delimiter. */
	n = strlen(s);
	*len = n + 1;
	return s;
}

json_t *vl_reply(json_t *params, bool continues)
{
	json_t *m = json_object();

	if (!params)
		params = json_object();
	json_object_set_new(m, "parameters", params);
	if (continues)
		json_object_set_new(m, "continues", json_true());
	return m;
}

json_t *vl_error(const char *name, json_t *params)
{
	json_t *m = json_object();

	json_object_set_new(m, "error", json_string(name));
	json_object_set_new(m, "parameters", params ? params : json_object());
	return m;
}

json_t *vl_call_msg(const char *method, json_t *params, bool more)
{
	json_t *m = json_object();

	json_object_set_new(m, "method", json_string(method));
	json_object_set_new(m, "parameters", params ? params : json_object());
	if (more)
		json_object_set_new(m, "more", json_true());
	return m;
}

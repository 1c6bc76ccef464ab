// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

#define STATE_FORMAT "zfwd-state"
#define STATE_VERSION 1

int state_entry_text(struct entry *en)
{
	json_t *r, *o;

	if (en->state_text)
		return 0;
	r = rule_to_json(&en->r);
	o = r ? json_pack("{s:s,s:I,s:i,s:o}", "owner", en->owner, "seq", (json_int_t)en->seq,
			  "slot", (int)en->cm->slot, "rule", r)
	      : NULL;
	if (!o)
		return -ENOMEM;
	en->state_text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!en->state_text)
		return -ENOMEM;
	en->state_len = strlen(en->state_text);
	return 0;
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

char *state_serialize(struct engine *e, const json_t *extra, size_t *len)
{
	json_t *head = json_object(), *bits = json_object();
	struct sbuf b = { 0 };
	struct entry **v = NULL;
	struct htab_iter it;
	struct hnode *n;
	const char *key;
	json_t *val;
	char *h = NULL;
	size_t cnt = 0;
	int err = -ENOMEM;

	if (!head || !bits)
		goto out;
	htab_iter_init(&it, &e->rs.names);
	while ((n = htab_iter_next(&it))) {
		struct namebit *nb = container_of(n, struct namebit, node);

		if (nb->refs && nb->bit >= 0)
			json_object_set_new(bits, nb->name, json_integer(nb->bit));
	}
	json_object_set_new(head, "format", json_string(STATE_FORMAT));
	json_object_set_new(head, "version", json_integer(STATE_VERSION));
	json_object_set(head, "interface_bits", bits);
	if (extra)
		json_object_foreach((json_t *)extra, key, val)
			json_object_set(head, key, val);
	h = json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS);
	/* Sorted by creation, so the file is stable and diffable. */
	v = ruleset_entries_sorted(&e->rs, &cnt);
	if (!h || !v)
		goto out;
	/* The head is {...}: reopen it for the rules. */
	err = sb_add(&b, h, strlen(h) - 1);
	if (!err)
		err = sb_add(&b, ",\"rules\":[", 10); /* after "format" at least */
	for (size_t i = 0; !err && i < cnt; i++) {
		err = state_entry_text(v[i]);
		if (!err && i)
			err = sb_add(&b, ",", 1);
		if (!err)
			err = sb_add(&b, v[i]->state_text, v[i]->state_len);
	}
	if (!err)
		err = sb_add(&b, "]}\n", 3);
out:
	json_decref(head);
	json_decref(bits);
	free(h);
	free(v);
	if (err) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

json_t *state_to_json(const struct engine *e)
{
	json_error_t jerr;
	size_t len;
	/* Only the entries' text caches change: not state anyone observes. */
	char *text = state_serialize((struct engine *)e, NULL, &len);
	json_t *root = text ? json_loadb(text, len, 0, &jerr) : NULL;

	free(text);
	return root;
}

static int bad(char *why, size_t n, const char *msg, size_t idx)
{
	snprintf(why, n, "rules[%zu]: %s", idx, msg);
	return -EINVAL;
}

int state_from_json(struct engine *e, const json_t *root, char *why, size_t n)
{
	struct ruleset *rs = &e->rs;
	const json_t *rules, *bits, *v;
	const char *limit = NULL, *key;
	json_t *bv;
	size_t i;
	int ret = 0;

	if (!json_is_object(root) ||
	    strcmp(json_string_value(json_object_get(root, "format")) ?: "", STATE_FORMAT)) {
		snprintf(why, n, "not a zfwd state file");
		return -EINVAL;
	}
	if (json_integer_value(json_object_get(root, "version")) != STATE_VERSION) {
		snprintf(why, n, "unsupported state version");
		return -EINVAL;
	}
	rules = json_object_get(root, "rules");
	bits = json_object_get(root, "interface_bits");
	if (!json_is_array(rules) || (bits && !json_is_object(bits))) {
		snprintf(why, n, "rules or interface_bits missing");
		return -EINVAL;
	}
	ruleset_begin(rs);
	json_array_foreach(rules, i, v) {
		const char *owner = json_string_value(json_object_get(v, "owner"));
		json_t *seq = json_object_get(v, "seq"), *slot = json_object_get(v, "slot");
		const char *holder = NULL;
		struct rule_err rerr;
		struct cmatch *cm;
		struct rule r;

		if (!owner || !owner_valid(owner) || !json_is_integer(seq) ||
		    json_integer_value(seq) <= 0 || !json_is_integer(slot)) {
			ret = bad(why, n, "owner, seq or slot missing or invalid", i);
			goto fail;
		}
		if (rule_from_json(json_object_get(v, "rule"), &r, &rerr)) {
			snprintf(why, n, "rules[%zu].%s: %s", i, rerr.field, rerr.reason);
			ret = -EINVAL;
			goto fail;
		}
		ret = ruleset_add(rs, owner, &r, (uint64_t)json_integer_value(seq), &holder);
		if (ret != RS_ADDED) {
			rule_free(&r);
			ret = bad(why, n, ret == RS_EXISTS ? "duplicate rule"
					  : ret == -EEXIST ? "conflicting rule"
					  : "cannot be added", i);
			goto fail;
		}
		cm = ((struct entry *)rs->added.v[rs->added.n - 1])->cm;
		/* A slot beyond a lowered limit is simply reassigned. */
		if (json_integer_value(slot) >= 0 && json_integer_value(slot) < rs->max_rules &&
		    ruleset_claim_slot(rs, cm, (uint32_t)json_integer_value(slot))) {
			ret = bad(why, n, "two matches claim the same slot", i);
			goto fail;
		}
	}
	if (bits) {
		json_object_foreach((json_t *)bits, key, bv) {
			if (!json_is_integer(bv) ||
			    ruleset_claim_name_bit(rs, key, (int)json_integer_value(bv))) {
				snprintf(why, n, "interface_bits.%s: invalid", key);
				ret = -EINVAL;
				goto fail;
			}
		}
	}
	ret = ruleset_finalize(rs, &limit);
	if (ret) {
		snprintf(why, n, ret == -ENOSPC ? "more rules than limit %s allows"
						: "slot allocation failed (%s)",
			 limit ? limit : "-");
		goto fail;
	}
	ruleset_commit(rs);
	return 0;
fail:
	ruleset_abort(rs);
	return ret ? ret : -EINVAL;
}

int state_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		ret = -errno;
	close(fd);
	return ret;
}

int state_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int state_write(const char *dir, const char *text, size_t len)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, STATE_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = state_write_all(fd, text, len);
	if (ret) {
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (fsync(fd)) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd)) {
		ret = -errno;
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		goto out;
	}
	ret = state_fsync_dir(dir);
out:
	if (ret)
		log_err("cannot write %s: %s", path, strerror(-ret));
	return ret;
}

int state_save(struct engine *e, const char *dir)
{
	size_t len;
	char *text = state_serialize(e, NULL, &len);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = state_write(dir, text, len);
	free(text);
	return ret;
}

int state_read(const char *dir, json_t **root, bool *found, char *why, size_t n)
{
	char path[PATH_MAX];
	json_error_t jerr;

	*found = false;
	*root = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	*root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!*root) {
		if (access(path, F_OK) && errno == ENOENT)
			return 0;
		snprintf(why, n, "%s: line %d: %s", path, jerr.line, jerr.text);
		return -EINVAL;
	}
	*found = true;
	return 0;
}

int state_load(struct engine *e, const char *dir, bool *found, char *why, size_t n)
{
	json_t *root;
	int ret = state_read(dir, &root, found, why, n);

	if (ret || !*found)
		return ret;
	ret = state_from_json(e, root, why, n);
	json_decref(root);
	return ret;
}

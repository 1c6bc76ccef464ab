// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "state.h"

/* Below this the journal is never worth compacting. */
#define JOURNAL_MIN_COMPACT (256u << 10)

int journal_init(struct journal *j, const char *dir)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->dir = strdup(dir);
	return j->dir ? 0 : -ENOMEM;
}

void journal_free(struct journal *j)
{
	if (!j->dir)
		return; /* never initialised */
	if (j->fd >= 0)
		close(j->fd);
	free(j->dir);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

static void path_of(const struct journal *j, const char *file, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", j->dir, file);
}

/* The whole file, NUL-terminated; NULL with errno (ENOENT: none). */
static char *slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || !(buf = malloc(st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

static void entry_key(const json_t *owner, const json_t *seq, char *out, size_t n)
{
	snprintf(out, n, "%s\x1f%lld", json_string_value(owner) ?: "",
		 (long long)json_integer_value(seq));
}

static int cmp_seq(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "seq"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "seq"));

	return x < y ? -1 : x > y;
}

/* The snapshot's rules as a map, by (owner, seq). */
static int index_rules(json_t *root, json_t *map, char *why, size_t n)
{
	json_t *rules = json_object_get(root, "rules"), *v;
	size_t i;

	if (!json_is_array(rules)) {
		snprintf(why, n, "the snapshot has no rules list");
		return -EINVAL;
	}
	json_array_foreach(rules, i, v) {
		char key[256];

		entry_key(json_object_get(v, "owner"), json_object_get(v, "seq"), key, sizeof(key));
		json_object_set(map, key, v);
	}
	return 0;
}

/* One journal line over the map. */
static int replay(json_t *rec, json_t *map, json_t *bits, size_t line, char *why, size_t n)
{
	json_t *add = json_object_get(rec, "add"), *del = json_object_get(rec, "del");
	json_t *nb = json_object_get(rec, "bits"), *v;
	const char *name;
	size_t i;

	if (!json_is_array(add) || !json_is_array(del) || (nb && !json_is_object(nb))) {
		snprintf(why, n, "%s line %zu: not a change record", JOURNAL_FILE, line);
		return -EINVAL;
	}
	json_array_foreach(del, i, v) {
		char key[256];

		if (!json_is_array(v) || json_array_size(v) != 2) {
			snprintf(why, n, "%s line %zu: bad removal", JOURNAL_FILE, line);
			return -EINVAL;
		}
		entry_key(json_array_get(v, 0), json_array_get(v, 1), key, sizeof(key));
		json_object_del(map, key);
	}
	json_array_foreach(add, i, v) {
		char key[256];

		entry_key(json_object_get(v, "owner"), json_object_get(v, "seq"), key, sizeof(key));
		json_object_set(map, key, v);
	}
	if (nb)
		json_object_foreach(nb, name, v)
			json_object_set(bits, name, v);
	return 0;
}

/* Interface bits of names no rule mentions any more are dropped: the
 * store only takes bits for names in use. */
static void prune_bits(json_t *bits, json_t *rules)
{
	const char *name;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(bits, tmp, name, v) {
		bool used = false;
		json_t *r;
		size_t i;

		json_array_foreach(rules, i, r) {
			json_t *ifs = json_object_get(json_object_get(r, "rule"), "interfaces"), *x;
			size_t k;

			json_array_foreach(ifs, k, x)
				used |= !strcmp(json_string_value(x) ?: "", name);
		}
		if (!used)
			json_object_del(bits, name);
	}
}

int journal_read(struct journal *j, json_t **root_out, bool *found, char *why, size_t n)
{
	char path[PATH_MAX], *text = NULL, *line, *next;
	json_t *root = NULL, *map = NULL, *bits, *rules;
	size_t len = 0, lineno = 0;
	json_int_t base = 0, last;
	json_error_t jerr;
	bool have_snapshot = false;
	const char *key;
	json_t *v;
	int ret = -EINVAL;

	*found = false;
	*root_out = NULL;
	path_of(j, STATE_FILE, path, sizeof(path));
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (access(path, F_OK) == 0 || errno != ENOENT) {
			snprintf(why, n, "%s: line %d: %s", path, jerr.line, jerr.text);
			return -EINVAL;
		}
		root = json_pack("{s:s,s:i,s:[],s:{}}", "format", "zfwd-state", "version", 1,
				 "rules", "interface_bits");
	} else {
		struct stat st;

		*found = true;
		have_snapshot = true;
		if (!stat(path, &st))
			j->snapshot_bytes = st.st_size;
		base = json_integer_value(json_object_get(root, "txn"));
	}
	map = json_object();
	bits = json_object_get(root, "interface_bits");
	if (!bits) {
		bits = json_object();
		json_object_set_new(root, "interface_bits", bits);
	}
	if (!root || !map || !json_is_object(bits)) {
		snprintf(why, n, "%s: malformed", path);
		goto out;
	}
	ret = index_rules(root, map, why, n);
	if (ret)
		goto out;

	last = base;
	path_of(j, JOURNAL_FILE, path, sizeof(path));
	text = slurp(path, &len);
	if (!text && errno != ENOENT) {
		ret = -errno;
		snprintf(why, n, "%s: %s", path, strerror(errno));
		goto out;
	}
	for (line = text; line && *line; line = next) {
		json_t *rec;
		json_int_t txn;
		char *nl = strchr(line, '\n');

		lineno++;
		if (!nl) {
			/* Cut short by a crash: that change was never
			 * acknowledged, and the maps go back to before it. */
			log_warn("%s: dropping a change cut short at line %zu", path, lineno);
			break;
		}
		*nl = '\0';
		next = nl + 1;
		/* zfwd writes a snapshot before any journal line: a journal on
		 * its own has lost its base. */
		if (!have_snapshot) {
			snprintf(why, n, "%s has changes but %s is missing", JOURNAL_FILE,
				 STATE_FILE);
			ret = -EINVAL;
			goto out;
		}
		rec = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
		if (!rec) {
			snprintf(why, n, "%s line %zu: %s", JOURNAL_FILE, lineno, jerr.text);
			ret = -EINVAL;
			goto out;
		}
		txn = json_integer_value(json_object_get(rec, "txn"));
		if (txn <= 0 || (txn <= last && txn > base)) {
			json_decref(rec);
			snprintf(why, n, "%s line %zu: change numbers out of order", JOURNAL_FILE,
				 lineno);
			ret = -EINVAL;
			goto out;
		}
		/* Lines up to the snapshot's change are in it already (a crash
		 * between writing a snapshot and emptying the journal). */
		if (txn > base) {
			ret = replay(rec, map, bits, lineno, why, n);
			last = txn;
		}
		json_decref(rec);
		if (ret)
			goto out;
	}
	j->journal_bytes = len;
	j->txn = last;

	/* The map back into a list, in creation order. */
	{
		size_t cnt = json_object_size(map), i = 0;
		json_t **vv = malloc((cnt ? cnt : 1) * sizeof(*vv));

		rules = json_array();
		if (!vv || !rules) {
			free(vv);
			json_decref(rules);
			ret = -ENOMEM;
			goto out;
		}
		json_object_foreach(map, key, v)
			vv[i++] = v;
		qsort(vv, cnt, sizeof(*vv), cmp_seq);
		for (i = 0; i < cnt; i++)
			json_array_append(rules, vv[i]);
		free(vv);
	}
	prune_bits(bits, rules);
	json_object_set_new(root, "rules", rules);
	json_object_set_new(root, "txn", json_integer(last));
	*root_out = root;
	root = NULL;
	ret = 0;
out:
	free(text);
	json_decref(map);
	json_decref(root);
	return ret;
}

static int open_journal(struct journal *j)
{
	char path[PATH_MAX];
	int fd, err;

	if (j->fd >= 0)
		return 0;
	path_of(j, JOURNAL_FILE, path, sizeof(path));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* A new file's name must be durable before its first line is. */
	err = state_fsync_dir(j->dir);
	if (err) {
		close(fd);
		return err;
	}
	j->fd = fd;
	return 0;
}

int journal_snapshot(struct journal *j, struct engine *e, const json_t *extra)
{
	json_t *x = extra ? json_copy((json_t *)extra) : json_object();
	char *text;
	size_t len;
	int err;

	if (!x)
		return -ENOMEM;
	json_object_set_new(x, "txn", json_integer((json_int_t)j->txn));
	text = state_serialize(e, x, &len);
	json_decref(x);
	if (!text)
		return -ENOMEM;
	err = state_write(j->dir, text, len);
	free(text);
	if (err)
		return err;
	j->snapshot_bytes = len;
	j->snapshots++;
	/* The snapshot holds everything: the journal starts over. Were this
	 * to fail, its lines are all <= the snapshot's change and skipped
	 * (unless the state was discarded: then emptying it must work). */
	err = open_journal(j);
	if (!err && (ftruncate(j->fd, 0) || fsync(j->fd)))
		err = -errno;
	if (err) {
		log_err("cannot empty %s: %s", JOURNAL_FILE, strerror(-err));
		return err;
	}
	j->journal_bytes = 0;
	return 0;
}

/* Appends to @sb; -ENOMEM. */
static int cat(char **sb, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 4096;
		char *p;

		while (c < *len + n + 1)
			c *= 2;
		p = realloc(*sb, c);
		if (!p)
			return -ENOMEM;
		*sb = p;
		*cap = c;
	}
	memcpy(*sb + *len, s, n);
	*len += n;
	(*sb)[*len] = '\0';
	return 0;
}

int journal_commit(struct journal *j, struct engine *e, const json_t *extra)
{
	struct ruleset *rs = &e->rs;
	json_t *del = json_array(), *bits = json_object();
	char *sb = NULL, *d = NULL, *b = NULL, head[64];
	size_t len = 0, cap = 0;
	int err = -ENOMEM;

	if (!del || !bits)
		goto out;
	for (size_t i = 0; i < rs->removed.n; i++) {
		struct entry *en = rs->removed.v[i];

		if (!en->fresh)
			json_array_append_new(del, json_pack("[s,I]", en->owner,
							     (json_int_t)en->seq));
	}
	for (size_t i = 0; i < rs->new_names.n; i++) {
		struct namebit *nb = rs->new_names.v[i];

		json_object_set_new(bits, nb->name, json_integer(nb->bit));
	}
	d = json_dumps(del, JSON_COMPACT);
	b = json_dumps(bits, JSON_COMPACT);
	if (!d || !b)
		goto out;
	snprintf(head, sizeof(head), "{\"txn\":%llu,\"del\":", (unsigned long long)j->txn + 1);
	err = cat(&sb, &len, &cap, head, strlen(head));
	if (!err)
		err = cat(&sb, &len, &cap, d, strlen(d));
	if (!err)
		err = cat(&sb, &len, &cap, ",\"bits\":", 8);
	if (!err)
		err = cat(&sb, &len, &cap, b, strlen(b));
	if (!err)
		err = cat(&sb, &len, &cap, ",\"add\":[", 8);
	for (size_t i = 0, k = 0; !err && i < rs->added.n; i++) {
		struct entry *en = rs->added.v[i];

		if (!en->linked)
			continue;
		err = state_entry_text(en);
		if (!err && k++)
			err = cat(&sb, &len, &cap, ",", 1);
		if (!err)
			err = cat(&sb, &len, &cap, en->state_text, en->state_len);
	}
	if (!err)
		err = cat(&sb, &len, &cap, "]}\n", 3);
	if (err)
		goto out;

	/* Past the snapshot's size, a new snapshot is cheaper to load. */
	if (j->journal_bytes + len > JOURNAL_MIN_COMPACT &&
	    j->journal_bytes + len > j->snapshot_bytes) {
		j->txn++;
		err = journal_snapshot(j, e, extra);
		if (err)
			j->txn--;
		goto out;
	}
	err = open_journal(j);
	if (!err)
		err = state_write_all(j->fd, sb, len);
	if (!err && fdatasync(j->fd))
		err = -errno;
	if (err) {
		/* Nothing of this change may remain. */
		if (j->fd >= 0 && ftruncate(j->fd, j->journal_bytes))
			log_err("cannot cut %s back: %s", JOURNAL_FILE, strerror(errno));
		goto out;
	}
	j->journal_bytes += len;
	j->txn++;
	j->records++;
out:
	if (err)
		log_err("cannot record a change in %s: %s", j->dir, strerror(-err));
	free(sb);
	free(d);
	free(b);
	json_decref(del);
	json_decref(bits);
	return err;
}

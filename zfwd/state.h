/* SPDX-License-Identifier: GPL-2.0-only */
/* The state file's format: the snapshot (<state_dir>/rules.json), written
 * whole with write, fsync, rename, fsync of the directory, so a crash
 * leaves the old file or the new one, never a mix. journal.c records the
 * changes between snapshots. */
#ifndef ZFWD_STATE_H
#define ZFWD_STATE_H

#include <jansson.h>

#include "engine.h"

#define STATE_FILE "rules.json"

/* The file's text: @extra's keys (may be NULL) join the top level. Each
 * rule's part is serialized once and cached in its entry, so writing the
 * whole set after each change costs a copy, not a re-serialization. */
char *state_serialize(struct engine *e, const json_t *extra, size_t *len);
/* The file's JSON (tests). */
json_t *state_to_json(const struct engine *e);
/* Loads entries into the engine's empty ruleset, keeping their slots.
 * Returns -EINVAL with @why on a malformed file. */
int state_from_json(struct engine *e, const json_t *root, char *why, size_t n);

/* An entry's part of the file (cached in it: entries never change). */
int state_entry_text(struct entry *en);
/* Every byte of @p, or -errno. */
int state_write_all(int fd, const char *p, size_t n);
int state_fsync_dir(const char *dir);

/* Writes @text to <dir>/rules.json atomically (temp, fsync, rename,
 * fsync of the directory). */
int state_write(const char *dir, const char *text, size_t len);
/* The rules alone (tests; the daemon adds its interface options). */
int state_save(struct engine *e, const char *dir);
/* Reads the file: 0 and *root (or *found false when there is none);
 * -EINVAL with @why when it is not JSON. */
int state_read(const char *dir, json_t **root, bool *found, char *why, size_t n);
/* 0 and loads (or nothing when the file does not exist: *found false);
 * -EINVAL when the file is corrupt (the file is left alone). */
int state_load(struct engine *e, const char *dir, bool *found, char *why, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* The rule set on disk (<state_dir>/rules.json): written after every
 * change with write, fsync, rename, fsync of the directory, so a crash
 * leaves the old file or the new one, never a mix. */
#ifndef ZFWD_STATE_H
#define ZFWD_STATE_H

#include <jansson.h>

#include "engine.h"

#define STATE_FILE "rules.json"

/* The file's JSON (also used by tests). */
json_t *state_to_json(const struct engine *e);
/* Loads entries into the engine's empty ruleset, keeping their slots.
 * Returns -EINVAL with @why on a malformed file. */
int state_from_json(struct engine *e, const json_t *root, char *why, size_t n);

/* Writes @root (stolen) to <dir>/rules.json atomically. */
int state_write(const char *dir, json_t *root);
/* The rules alone (tests; the daemon adds its interface options). */
int state_save(struct engine *e, const char *dir);
/* Reads the file: 0 and *root (or *found false when there is none);
 * -EINVAL with @why when it is not JSON. */
int state_read(const char *dir, json_t **root, bool *found, char *why, size_t n);
/* 0 and loads (or nothing when the file does not exist: *found false);
 * -EINVAL when the file is corrupt (the file is left alone). */
int state_load(struct engine *e, const char *dir, bool *found, char *why, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rule set on disk, with a cost per change that does not grow with
 * the set: <state_dir>/rules.json is a snapshot, always replaced whole
 * (temp file, fsync, rename, fsync of the directory); rules.journal holds
 * one line per change committed since, each appended and fsynced before
 * the change is acknowledged. When the journal outgrows the snapshot, a
 * new snapshot replaces both.
 *
 * A crash leaves the last acknowledged state: a line cut short by the
 * crash is a change that was never acknowledged, and is dropped on load;
 * a snapshot being replaced is either the old one or the new one.
 */
#ifndef ZFWD_JOURNAL_H
#define ZFWD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "engine.h"

#define JOURNAL_FILE "rules.journal"

struct journal {
	char *dir;
	uint64_t txn;          /* the last change written */
	size_t journal_bytes;  /* in rules.journal now */
	size_t snapshot_bytes; /* of rules.json */
	int fd;                /* rules.journal, for appending; -1 when closed */
	uint64_t records, snapshots; /* written since start */
};

int journal_init(struct journal *j, const char *dir);
void journal_free(struct journal *j);

/* Reads the snapshot and replays the journal over it into one state, in
 * the snapshot's format (for state_from_json). *found false when neither
 * file exists. A torn last line is dropped (and logged); any other damage
 * is -EINVAL with @why. */
int journal_read(struct journal *j, json_t **root, bool *found, char *why, size_t n);

/* Writes a snapshot of @e (with @extra's top-level keys, may be NULL) and
 * empties the journal. */
int journal_snapshot(struct journal *j, struct engine *e, const json_t *extra);

/* Records @e's open transaction (after finalize; its added and removed
 * entries) as one fsynced journal line, or as a new snapshot when the
 * journal would outgrow the current one. On failure nothing is
 * recorded: the journal is cut back to where it was. */
int journal_commit(struct journal *j, struct engine *e, const json_t *extra);

#endif

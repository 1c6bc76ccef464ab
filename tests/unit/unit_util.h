/* SPDX-License-Identifier: GPL-2.0-only */
/* Small helpers shared by the Check unit tests. Everything is static
 * inline so that a test that does not use a helper does not warn. */
#ifndef ZFWD_UNIT_UTIL_H
#define ZFWD_UNIT_UTIL_H

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rule.h"

/*
 * Parses test JSON written with single quotes for readability:
 * "{'protocol':'tcp'}" is read as {"protocol":"tcp"}. Test strings never
 * need a literal single quote.
 */
static inline json_t *jparse(const char *s)
{
	char *t = strdup(s);
	json_error_t jerr;
	json_t *j;

	ck_assert_ptr_nonnull(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(t, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	ck_assert_msg(j != NULL, "bad test JSON %s: %s", t, jerr.text);
	free(t);
	return j;
}

/* Parses one rule from test JSON; returns rule_from_json_opts' result. */
static inline int rule_parse_str(const char *s, struct rule *r, struct rule_err *err,
				 bool match_only)
{
	json_t *j = jparse(s);
	int ret = rule_from_json_opts(j, r, err, match_only);

	json_decref(j);
	return ret;
}

/* A rule that must parse. */
static inline struct rule rule_ok(const char *s)
{
	struct rule_err err;
	struct rule r;
	int ret = rule_parse_str(s, &r, &err, false);

	ck_assert_msg(ret == 0, "rule %s: %d field %s: %s", s, ret,
		      err.field ? err.field : "-", err.reason);
	return r;
}

/* A deterministic PRNG (splitmix64), so failures reproduce. */
static inline uint64_t prng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint32_t prng_below(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(prng_next(s) % n) : 0;
}

/* The string value of params.key in a zerr or reply, or "" when absent. */
static inline const char *jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static inline json_int_t jint(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}


/* Runs a suite, returns the process exit status. */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

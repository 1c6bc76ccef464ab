// SPDX-License-Identifier: GPL-2.0-only
/* Varlink framing and message shapes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unit_util.h"
#include "varlink.h"
#include "zfwd_api.h"

/* Feeds @n bytes through reserve/added, as a reader would; returns the
 * first error of vl_buf_reserve, or 0. */
static int feed(struct vl_buf *b, const char *data, size_t n)
{
	while (n) {
		char *where;
		size_t room, k;
		int ret = vl_buf_reserve(b, n, &where, &room);

		if (ret)
			return ret;
		ck_assert_uint_gt(room, 0);
		k = room < n ? room : n;
		memcpy(where, data, k);
		vl_buf_added(b, k);
		data += k;
		n -= k;
	}
	return 0;
}

/* @len bytes of 'x' and a NUL: a message of @len + 1 bytes on the wire. */
static char *msg_of(size_t len)
{
	char *m = malloc(len + 1);

	ck_assert_ptr_nonnull(m);
	memset(m, 'x', len);
	m[len] = '\0';
	return m;
}

/* Regression, fixed (clang UBSan only): vl_buf_next() computes b->data + b->start
 * before looking at avail, which is NULL + 0 on a buffer that never
 * reserved: "applying zero offset to null pointer" (varlink.c:63) under
 * clang -fsanitize=undefined, e.g. the ZFWD_FUZZ build. GCC does not
 * flag it, so this test passes in the GCC builds. */
START_TEST(test_fresh_buffer_has_no_message)
{
	struct vl_buf b;
	const char *m = NULL;
	size_t len = 0;

	vl_buf_init(&b, 64);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
	ck_assert_uint_eq(vl_buf_pending(&b), 0);
	vl_buf_free(&b);
}
END_TEST

START_TEST(test_two_messages_in_one_feed)
{
	static const char wire[] = "{\"a\":1}\0{\"b\":2}";
	struct vl_buf b;
	const char *m;
	size_t len;

	vl_buf_init(&b, 1024);
	ck_assert_int_eq(feed(&b, wire, sizeof(wire)), 0);
	ck_assert_uint_eq(vl_buf_pending(&b), sizeof(wire));
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(m, "{\"a\":1}");
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(m, "{\"b\":2}");
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
	ck_assert_uint_eq(vl_buf_pending(&b), 0);
	vl_buf_free(&b);
}
END_TEST

START_TEST(test_message_split_byte_by_byte)
{
	static const char wire[] = "{\"method\":\"x.Y\",\"parameters\":{}}";
	struct vl_buf b;
	const char *m;
	size_t len;

	vl_buf_init(&b, 1024);
	for (size_t i = 0; i < sizeof(wire); i++) {
		if (i)
			ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
		ck_assert_int_eq(feed(&b, wire + i, 1), 0);
	}
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_uint_eq(len, sizeof(wire) - 1);
	ck_assert_str_eq(m, wire);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
	vl_buf_free(&b);
}
END_TEST

START_TEST(test_message_split_over_uneven_feeds_with_a_tail)
{
	static const char wire[] = "{\"first\":true}\0{\"second\":[1,2,3]}\0{\"thi";
	static const size_t cuts[] = { 3, 11, 2, 17, 5 };
	struct vl_buf b;
	const char *m;
	size_t len, off = 0, got = 0;

	vl_buf_init(&b, 1024);
	for (size_t c = 0; off < sizeof(wire) - 1; c++) {
		size_t k = cuts[c % 5];

		if (k > sizeof(wire) - 1 - off)
			k = sizeof(wire) - 1 - off;
		ck_assert_int_eq(feed(&b, wire + off, k), 0);
		off += k;
		while (vl_buf_next(&b, &m, &len) == 1) {
			ck_assert_str_eq(m, got ? "{\"second\":[1,2,3]}" : "{\"first\":true}");
			got++;
		}
	}
	ck_assert_uint_eq(got, 2);
	ck_assert_uint_eq(vl_buf_pending(&b), strlen("{\"thi"));
	ck_assert_int_eq(feed(&b, "rd\":0}", 7), 0);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_str_eq(m, "{\"third\":0}");
	vl_buf_free(&b);
}
END_TEST

START_TEST(test_message_of_exactly_max_bytes_is_accepted)
{
	const size_t max = 64;
	char *m63 = msg_of(max - 1);
	struct vl_buf b;
	const char *m;
	size_t len;

	/* In one feed. */
	vl_buf_init(&b, max);
	ck_assert_int_eq(feed(&b, m63, max), 0);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_uint_eq(len, max - 1);
	vl_buf_free(&b);
	/* Byte by byte. */
	vl_buf_init(&b, max);
	for (size_t i = 0; i < max; i++) {
		ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
		ck_assert_int_eq(feed(&b, m63 + i, 1), 0);
	}
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_uint_eq(len, max - 1);
	vl_buf_free(&b);
	free(m63);
}
END_TEST

START_TEST(test_message_one_byte_over_max_is_rejected_byte_by_byte)
{
	const size_t max = 64;
	char *m64 = msg_of(max);
	struct vl_buf b;
	const char *m;
	size_t len, i;
	int ret = 0;

	vl_buf_init(&b, max);
	for (i = 0; i < max + 1 && !ret; i++) {
		ret = feed(&b, m64 + i, 1);
		if (!ret)
			ret = vl_buf_next(&b, &m, &len);
	}
	ck_assert_int_eq(ret, -EMSGSIZE);
	vl_buf_free(&b);
	free(m64);
}
END_TEST

/* Regression, fixed: vl_buf_next() only compares the pending bytes with max when it
 * finds no NUL, and vl_buf_reserve() lets the buffer hold max + 1 bytes.
 * A message of max + 1 bytes (NUL included) that arrives in one read is
 * therefore returned as a message, while the same bytes arriving in two
 * reads are -EMSGSIZE. */
START_TEST(test_message_one_byte_over_max_is_rejected_in_one_feed)
{
	const size_t max = 64;
	char *m64 = msg_of(max);
	struct vl_buf b;
	const char *m;
	size_t len;
	int ret;

	vl_buf_init(&b, max);
	ret = feed(&b, m64, max + 1);
	if (!ret)
		ret = vl_buf_next(&b, &m, &len);
	ck_assert_msg(ret == -EMSGSIZE, "a %zu-byte message with max %zu: got %d (len %zu)",
		      max + 1, max, ret, ret == 1 ? len : 0);
	vl_buf_free(&b);
	free(m64);
}
END_TEST

START_TEST(test_much_longer_message_is_rejected)
{
	const size_t max = 64;
	char *big = msg_of(10 * max);
	struct vl_buf b;
	const char *m;
	size_t len;
	int ret;

	vl_buf_init(&b, max);
	/* Reserve never hands out room past max + 1 bytes. */
	ret = feed(&b, big, 10 * max + 1);
	if (!ret)
		ret = vl_buf_next(&b, &m, &len);
	ck_assert_int_eq(ret, -EMSGSIZE);
	ck_assert_uint_le(b.cap, max + 1);
	vl_buf_free(&b);
	free(big);
}
END_TEST

START_TEST(test_reserve_refuses_once_full)
{
	const size_t max = 16;
	char *where;
	size_t room;
	struct vl_buf b;

	vl_buf_init(&b, max);
	ck_assert_int_eq(vl_buf_reserve(&b, 1000, &where, &room), 0);
	ck_assert_uint_eq(room, max + 1);
	memset(where, 'x', room);
	vl_buf_added(&b, room);
	ck_assert_int_eq(vl_buf_reserve(&b, 1, &where, &room), -EMSGSIZE);
	vl_buf_free(&b);
}
END_TEST

START_TEST(test_consumed_space_is_reused)
{
	const size_t max = 64;
	char msg[41];
	struct vl_buf b;
	const char *m;
	size_t len;

	memset(msg, 'y', 40);
	msg[40] = '\0';
	vl_buf_init(&b, max);
	/* 1000 messages of 41 bytes each, far more than max in total. */
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(feed(&b, msg, sizeof(msg)), 0);
		ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
		ck_assert_uint_eq(len, 40);
		ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
	}
	ck_assert_uint_le(b.cap, max + 1);
	/* Half messages across the boundary too. */
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(feed(&b, msg, 20), 0);
		if (i)
			ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
		ck_assert_int_eq(feed(&b, msg + 20, 21), 0);
		ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
		ck_assert_uint_eq(len, 40);
		ck_assert_int_eq(feed(&b, msg, 41), 0);
	}
	ck_assert_uint_le(b.cap, max + 1);
	vl_buf_free(&b);
}
END_TEST

START_TEST(test_pipelined_messages_up_to_max_each_fit)
{
	/* Back-to-back messages of exactly max bytes each, read the way a
	 * connection does: fill what room there is, then take messages. */
	const size_t max = 32;
	char wire[32 * 5];
	struct vl_buf b;
	const char *m;
	size_t len, off = 0, got = 0;

	memset(wire, 'a', sizeof(wire));
	for (size_t i = 1; i <= 5; i++)
		wire[i * max - 1] = '\0';
	vl_buf_init(&b, max);
	while (off < sizeof(wire)) {
		char *where;
		size_t room, k;

		ck_assert_int_eq(vl_buf_reserve(&b, sizeof(wire) - off, &where, &room), 0);
		k = room < sizeof(wire) - off ? room : sizeof(wire) - off;
		/* Odd-sized reads so that messages straddle them. */
		if (k > 7)
			k = 7 + off % 13;
		if (k > room)
			k = room;
		if (k > sizeof(wire) - off)
			k = sizeof(wire) - off;
		memcpy(where, wire + off, k);
		vl_buf_added(&b, k);
		off += k;
		for (int r; (r = vl_buf_next(&b, &m, &len)) != 0; got++) {
			ck_assert_int_eq(r, 1);
			ck_assert_uint_eq(len, max - 1);
		}
	}
	ck_assert_uint_eq(got, 5);
	ck_assert_uint_le(b.cap, max + 1);
	vl_buf_free(&b);
}
END_TEST

/* ---- vl_parse_call ---- */

struct parsed {
	int ret;
	struct vl_call call;
	const char *err_name;
	json_t *err_params;
};

static struct parsed parse(const char *s)
{
	struct parsed p;

	p.ret = vl_parse_call(s, strlen(s), &p.call, &p.err_name, &p.err_params);
	return p;
}

static void parsed_free(struct parsed *p)
{
	vl_call_free(&p->call);
	json_decref(p->err_params);
}

static void expect_error(const char *s, const char *name, const char *key, const char *val)
{
	struct parsed p = parse(s);

	ck_assert_msg(p.ret == -EINVAL, "%s: %d", s, p.ret);
	if (!name) {
		ck_assert_msg(p.err_name == NULL, "%s: %s", s, p.err_name);
	} else {
		ck_assert_msg(p.err_name && !strcmp(p.err_name, name), "%s: error %s, want %s", s,
			      p.err_name ? p.err_name : "(none)", name);
		ck_assert_str_eq(jstr(p.err_params, key), val);
	}
	parsed_free(&p);
}

START_TEST(test_call_is_parsed)
{
	struct parsed p = parse("{\"method\":\"a.b.C\",\"parameters\":{\"x\":1},"
				"\"oneway\":true,\"more\":false,\"upgrade\":false}");

	ck_assert_int_eq(p.ret, 0);
	ck_assert_str_eq(p.call.method, "a.b.C");
	ck_assert_int_eq(jint(p.call.params, "x"), 1);
	ck_assert(p.call.oneway);
	ck_assert(!p.call.more);
	ck_assert(!p.call.upgrade);
	ck_assert_ptr_null(p.err_name);
	parsed_free(&p);
	p = parse("{\"method\":\"a.b.C\",\"more\":true,\"upgrade\":true}");
	ck_assert_int_eq(p.ret, 0);
	ck_assert(!p.call.oneway);
	ck_assert(p.call.more);
	ck_assert(p.call.upgrade);
	parsed_free(&p);
}
END_TEST

START_TEST(test_non_json_closes_the_connection)
{
	expect_error("not json", NULL, NULL, NULL);
	expect_error("{\"method\":", NULL, NULL, NULL);
	expect_error("", NULL, NULL, NULL);
}
END_TEST

START_TEST(test_json_that_is_not_an_object_closes_the_connection)
{
	expect_error("[\"method\"]", NULL, NULL, NULL);
	expect_error("\"a.b.C\"", NULL, NULL, NULL);
	expect_error("42", NULL, NULL, NULL);
	expect_error("null", NULL, NULL, NULL);
}
END_TEST

START_TEST(test_duplicate_keys_are_rejected)
{
	expect_error("{\"method\":\"a.b.C\",\"method\":\"a.b.D\"}", NULL, NULL, NULL);
	expect_error("{\"method\":\"a.b.C\",\"parameters\":{\"x\":1,\"x\":2}}", NULL, NULL, NULL);
}
END_TEST

START_TEST(test_missing_method_is_method_not_found)
{
	expect_error("{\"parameters\":{}}", VARLINK_ERR_METHOD_NOT_FOUND, "method", "");
	expect_error("{}", VARLINK_ERR_METHOD_NOT_FOUND, "method", "");
}
END_TEST

START_TEST(test_non_string_method_is_method_not_found)
{
	expect_error("{\"method\":5}", VARLINK_ERR_METHOD_NOT_FOUND, "method", "");
	expect_error("{\"method\":null}", VARLINK_ERR_METHOD_NOT_FOUND, "method", "");
	expect_error("{\"method\":[\"a.b.C\"]}", VARLINK_ERR_METHOD_NOT_FOUND, "method", "");
}
END_TEST

START_TEST(test_parameters_not_an_object_is_invalid_parameter)
{
	expect_error("{\"method\":\"a.b.C\",\"parameters\":[]}", VARLINK_ERR_INVALID_PARAMETER,
		     "parameter", "parameters");
	expect_error("{\"method\":\"a.b.C\",\"parameters\":null}", VARLINK_ERR_INVALID_PARAMETER,
		     "parameter", "parameters");
	expect_error("{\"method\":\"a.b.C\",\"parameters\":\"x\"}", VARLINK_ERR_INVALID_PARAMETER,
		     "parameter", "parameters");
}
END_TEST

START_TEST(test_flags_must_be_booleans)
{
	expect_error("{\"method\":\"a.b.C\",\"oneway\":1}", VARLINK_ERR_INVALID_PARAMETER,
		     "parameter", "oneway");
	expect_error("{\"method\":\"a.b.C\",\"more\":\"true\"}", VARLINK_ERR_INVALID_PARAMETER,
		     "parameter", "more");
	expect_error("{\"method\":\"a.b.C\",\"upgrade\":null}", VARLINK_ERR_INVALID_PARAMETER,
		     "parameter", "upgrade");
}
END_TEST

START_TEST(test_absent_parameters_are_an_empty_object)
{
	struct parsed p = parse("{\"method\":\"a.b.C\"}");

	ck_assert_int_eq(p.ret, 0);
	ck_assert(json_is_object(p.call.params));
	ck_assert_uint_eq(json_object_size(p.call.params), 0);
	ck_assert(!p.call.oneway && !p.call.more && !p.call.upgrade);
	parsed_free(&p);
}
END_TEST

START_TEST(test_unknown_top_level_keys_are_ignored)
{
	struct parsed p = parse("{\"method\":\"a.b.C\",\"future\":{\"x\":[1]}}");

	ck_assert_int_eq(p.ret, 0);
	ck_assert_str_eq(p.call.method, "a.b.C");
	parsed_free(&p);
}
END_TEST

START_TEST(test_call_parses_only_len_bytes)
{
	/* The buffer continues past len with garbage; only len counts. */
	static const char buf[] = "{\"method\":\"a.b.C\"}GARBAGE";
	struct vl_call call;
	const char *name;
	json_t *params;

	ck_assert_int_eq(vl_parse_call(buf, strlen("{\"method\":\"a.b.C\"}"), &call, &name,
				       &params),
			 0);
	ck_assert_str_eq(call.method, "a.b.C");
	vl_call_free(&call);
}
END_TEST

/* ---- encoding ---- */

START_TEST(test_encode_ends_with_exactly_one_nul_and_parses_back)
{
	json_t *msg = vl_reply(json_pack("{s:s,s:i}", "text", "h\xc3\xa9llo \"q\"", "n", 7),
			       false);
	json_t *back;
	size_t len = 0;
	char *s = vl_encode(msg, &len);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_gt(len, 1);
	ck_assert_int_eq(s[len - 1], '\0');
	ck_assert_uint_eq(strlen(s), len - 1);
	back = json_loadb(s, len - 1, JSON_REJECT_DUPLICATES, NULL);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(jstr(json_object_get(back, "parameters"), "text"), "h\xc3\xa9llo \"q\"");
	ck_assert_int_eq(jint(json_object_get(back, "parameters"), "n"), 7);
	ck_assert_ptr_null(json_object_get(back, "continues"));
	json_decref(back);
	free(s);
}
END_TEST

START_TEST(test_encoded_messages_frame_through_the_buffer)
{
	struct vl_buf b;
	const char *m;
	size_t len, l1, l2;
	char *s1 = vl_encode(vl_call_msg("a.b.C", json_pack("{s:i}", "x", 1), true), &l1);
	char *s2 = vl_encode(vl_error("a.b.Err", NULL), &l2);
	struct vl_call call;
	const char *en;
	json_t *ep;

	vl_buf_init(&b, 4096);
	ck_assert_int_eq(feed(&b, s1, l1), 0);
	ck_assert_int_eq(feed(&b, s2, l2), 0);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_int_eq(vl_parse_call(m, len, &call, &en, &ep), 0);
	ck_assert_str_eq(call.method, "a.b.C");
	ck_assert(call.more);
	ck_assert_int_eq(jint(call.params, "x"), 1);
	vl_call_free(&call);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 1);
	ck_assert_uint_eq(len, l2 - 1);
	ck_assert_int_eq(vl_buf_next(&b, &m, &len), 0);
	vl_buf_free(&b);
	free(s1);
	free(s2);
}
END_TEST

START_TEST(test_reply_and_error_shapes)
{
	json_t *r = vl_reply(NULL, true), *e = vl_error("x.y.Z", json_pack("{s:i}", "a", 1));
	json_t *c = vl_call_msg("x.y.M", NULL, false);

	ck_assert(json_is_object(json_object_get(r, "parameters")));
	ck_assert(json_is_true(json_object_get(r, "continues")));
	ck_assert_str_eq(jstr(e, "error"), "x.y.Z");
	ck_assert_int_eq(jint(json_object_get(e, "parameters"), "a"), 1);
	ck_assert_str_eq(jstr(c, "method"), "x.y.M");
	ck_assert(json_is_object(json_object_get(c, "parameters")));
	ck_assert_ptr_null(json_object_get(c, "more"));
	json_decref(r);
	json_decref(e);
	json_decref(c);
}
END_TEST

static Suite *varlink_suite(void)
{
	Suite *s = suite_create("varlink");
	TCase *tb = tcase_create("framing");
	TCase *tp = tcase_create("parse");
	TCase *te = tcase_create("encode");

	tcase_add_test(tb, test_fresh_buffer_has_no_message);
	tcase_add_test(tb, test_two_messages_in_one_feed);
	tcase_add_test(tb, test_message_split_byte_by_byte);
	tcase_add_test(tb, test_message_split_over_uneven_feeds_with_a_tail);
	tcase_add_test(tb, test_message_of_exactly_max_bytes_is_accepted);
	tcase_add_test(tb, test_message_one_byte_over_max_is_rejected_byte_by_byte);
	tcase_add_test(tb, test_much_longer_message_is_rejected);
	tcase_add_test(tb, test_reserve_refuses_once_full);
	tcase_add_test(tb, test_consumed_space_is_reused);
	tcase_add_test(tb, test_pipelined_messages_up_to_max_each_fit);
	suite_add_tcase(s, tb);

	tcase_add_test(tp, test_call_is_parsed);
	tcase_add_test(tp, test_non_json_closes_the_connection);
	tcase_add_test(tp, test_json_that_is_not_an_object_closes_the_connection);
	tcase_add_test(tp, test_duplicate_keys_are_rejected);
	tcase_add_test(tp, test_missing_method_is_method_not_found);
	tcase_add_test(tp, test_non_string_method_is_method_not_found);
	tcase_add_test(tp, test_parameters_not_an_object_is_invalid_parameter);
	tcase_add_test(tp, test_flags_must_be_booleans);
	tcase_add_test(tp, test_absent_parameters_are_an_empty_object);
	tcase_add_test(tp, test_unknown_top_level_keys_are_ignored);
	tcase_add_test(tp, test_call_parses_only_len_bytes);
	suite_add_tcase(s, tp);

	tcase_add_test(te, test_encode_ends_with_exactly_one_nul_and_parses_back);
	tcase_add_test(te, test_encoded_messages_frame_through_the_buffer);
	tcase_add_test(te, test_reply_and_error_shapes);
	suite_add_tcase(s, te);

	{
		TCase *tk = tcase_create("regressions");

		tcase_add_test(tk, test_message_one_byte_over_max_is_rejected_in_one_feed);
		suite_add_tcase(s, tk);
	}
	return s;
}

int main(void)
{
	return run_suite(varlink_suite());
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON writer: exact output, compact and pretty, and escaping. */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "xsockctl/json_writer.h"

static char *buf;
static size_t len;
static FILE *out;

static void setup(void)
{
	out = open_memstream(&buf, &len);
	cr_assert_not_null(out);
}

static void teardown(void)
{
	free(buf);
	buf = NULL;
}

static const char *finish(struct xs_json **j)
{
	xs_json_destroy(j);
	fclose(out);
	return buf;
}

TestSuite(json_writer, .init = setup, .fini = teardown);

Test(json_writer, compact_document)
{
	struct xs_json *j = xs_json_new(out, false);

	xs_json_start_object(j);
	xs_json_string_field(j, "ifname", "veth0");
	xs_json_int_field(j, "neg", -5);
	xs_json_uint_field(j, "big", 18446744073709551615ULL);
	xs_json_bool_field(j, "ok", true);
	xs_json_name(j, "list");
	xs_json_start_array(j);
	xs_json_uint(j, 1);
	xs_json_null(j);
	xs_json_start_object(j);
	xs_json_end_object(j);
	xs_json_end_array(j);
	xs_json_end_object(j);
	cr_assert_str_eq(finish(&j),
			 "{\"ifname\":\"veth0\",\"neg\":-5,\"big\":18446744073709551615,"
			 "\"ok\":true,\"list\":[1,null,{}]}\n");
}

Test(json_writer, pretty_document)
{
	struct xs_json *j = xs_json_new(out, true);

	xs_json_start_object(j);
	xs_json_uint_field(j, "a", 1);
	xs_json_name(j, "b");
	xs_json_start_array(j);
	xs_json_string(j, "x");
	xs_json_end_array(j);
	xs_json_name(j, "c");
	xs_json_start_array(j);
	xs_json_end_array(j);
	xs_json_end_object(j);
	cr_assert_str_eq(finish(&j),
			 "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n  \"c\": []\n}\n");
}

Test(json_writer, top_level_array)
{
	struct xs_json *j = xs_json_new(out, false);

	xs_json_start_array(j);
	xs_json_start_object(j);
	xs_json_uint_field(j, "n", 1);
	xs_json_end_object(j);
	xs_json_start_object(j);
	xs_json_uint_field(j, "n", 2);
	xs_json_end_object(j);
	xs_json_end_array(j);
	cr_assert_str_eq(finish(&j), "[{\"n\":1},{\"n\":2}]\n");
}

Test(json_writer, escaping)
{
	struct xs_json *j = xs_json_new(out, false);

	xs_json_start_object(j);
	xs_json_string_field(j, "q\"k", "a\"b\\c/d\n\t\r\b\f\x01\x1f\x7f" "é");
	xs_json_end_object(j);
	cr_assert_str_eq(finish(&j),
			 "{\"q\\\"k\":\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f" "é\"}\n");
}

Test(json_writer, error_object)
{
	struct xs_json *j = xs_json_new(out, false);

	xs_json_start_object(j);
	xs_json_string_field(j, "error", "veth0: xsock is not attached");
	xs_json_end_object(j);
	cr_assert_str_eq(finish(&j), "{\"error\":\"veth0: xsock is not attached\"}\n");
}

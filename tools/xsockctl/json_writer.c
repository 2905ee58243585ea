// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * JSON output of xsockctl: every printer writes through this, so -j gives
 * compact and -p indented output of the same document.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "xsockctl/json_writer.h"

#define XS_JSON_MAX_DEPTH 32

struct xs_json {
	FILE *out;
	bool pretty;
	unsigned depth;
	bool first[XS_JSON_MAX_DEPTH];   /* no element yet at this depth */
	bool after_name;                  /* a name was written, its value is next */
};

struct xs_json *xs_json_new(FILE *out, bool pretty)
{
	struct xs_json *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
	return j;
}

void xs_json_destroy(struct xs_json **j)
{
	if (!*j)
		return;
	fputc('\n', (*j)->out);
	fflush((*j)->out);
	free(*j);
	*j = NULL;
}

static void indent(struct xs_json *j)
{
	if (!j->pretty)
		return;
	fputc('\n', j->out);
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->out);
}

/* Separator and indentation before a new element at the current depth. */
static void element(struct xs_json *j)
{
	if (j->after_name) {
		j->after_name = false;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	if (j->depth)
		indent(j);
	j->first[j->depth] = false;
}

void xs_json_escape(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void open_(struct xs_json *j, char c)
{
	element(j);
	fputc(c, j->out);
	if (j->depth + 1 < XS_JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct xs_json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->out);
}

void xs_json_start_object(struct xs_json *j) { open_(j, '{'); }
void xs_json_end_object(struct xs_json *j) { close_(j, '}'); }
void xs_json_start_array(struct xs_json *j) { open_(j, '['); }
void xs_json_end_array(struct xs_json *j) { close_(j, ']'); }

void xs_json_name(struct xs_json *j, const char *name)
{
	element(j);
	xs_json_escape(j->out, name);
	fputs(j->pretty ? ": " : ":", j->out);
	j->after_name = true;
}

void xs_json_string(struct xs_json *j, const char *s)
{
	element(j);
	xs_json_escape(j->out, s);
}

void xs_json_uint(struct xs_json *j, uint64_t v)
{
	element(j);
	fprintf(j->out, "%" PRIu64, v);
}

void xs_json_int(struct xs_json *j, int64_t v)
{
	element(j);
	fprintf(j->out, "%" PRId64, v);
}

void xs_json_bool(struct xs_json *j, bool v)
{
	element(j);
	fputs(v ? "true" : "false", j->out);
}

void xs_json_null(struct xs_json *j)
{
	element(j);
	fputs("null", j->out);
}

void xs_json_string_field(struct xs_json *j, const char *name, const char *s)
{
	xs_json_name(j, name);
	xs_json_string(j, s);
}

void xs_json_uint_field(struct xs_json *j, const char *name, uint64_t v)
{
	xs_json_name(j, name);
	xs_json_uint(j, v);
}

void xs_json_int_field(struct xs_json *j, const char *name, int64_t v)
{
	xs_json_name(j, name);
	xs_json_int(j, v);
}

void xs_json_bool_field(struct xs_json *j, const char *name, bool v)
{
	xs_json_name(j, name);
	xs_json_bool(j, v);
}

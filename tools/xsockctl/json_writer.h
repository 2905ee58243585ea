/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small streaming JSON writer (in the manner of bpftool's json_writer):
 * the caller opens and closes objects and arrays, the writer puts the
 * commas, the quoting and, when pretty, the newlines and indentation.
 */
#ifndef XS_JSON_WRITER_H
#define XS_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct xs_json;

/* NULL and errno set on allocation failure. */
struct xs_json *xs_json_new(FILE *out, bool pretty);
/* Ends the document with a newline and frees the writer. */
void xs_json_destroy(struct xs_json **j);

void xs_json_start_object(struct xs_json *j);
void xs_json_end_object(struct xs_json *j);
void xs_json_start_array(struct xs_json *j);
void xs_json_end_array(struct xs_json *j);
/* The member name of the next value, inside an object. */
void xs_json_name(struct xs_json *j, const char *name);

void xs_json_string(struct xs_json *j, const char *s);
void xs_json_uint(struct xs_json *j, uint64_t v);
void xs_json_int(struct xs_json *j, int64_t v);
void xs_json_bool(struct xs_json *j, bool v);
void xs_json_null(struct xs_json *j);

void xs_json_string_field(struct xs_json *j, const char *name, const char *s);
void xs_json_uint_field(struct xs_json *j, const char *name, uint64_t v);
void xs_json_int_field(struct xs_json *j, const char *name, int64_t v);
void xs_json_bool_field(struct xs_json *j, const char *name, bool v);

/* Write `s` as a quoted, escaped JSON string. */
void xs_json_escape(FILE *out, const char *s);

#endif /* XS_JSON_WRITER_H */

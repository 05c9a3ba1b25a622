/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: xenback-dm's QMP reader (userspace/tools/xenback-dm/
 * qmp.c). An input is what one client sends, cut into reads: each 0xff
 * byte but the last ends a read there and is dropped, so messages split
 * anywhere (0xff is never valid UTF-8: no message needs it). Every
 * reply must be one complete JSON object on its own line that json-c parses
 * strictly; a connection may be dropped (-1) only when a reply could not be
 * sent, which never happens here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "userspace/tools/xenback-dm/qmp.h"

static int check_reply(void *arg, const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	(void)arg;
	if (!tok)
		abort();
	if (len < 3 || s[len - 2] != '\r' || s[len - 1] != '\n' || memchr(s, '\n', len - 1)) {
		fprintf(stderr, "fuzz-qmp: reply not one line: %.*s\n", (int)len, s);
		abort();
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)len - 2);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		fprintf(stderr, "fuzz-qmp: reply not a JSON object: %.*s\n", (int)len, s);
		abort();
	}
	json_object_put(o);
	json_tokener_free(tok);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qmp q = { .status = "running" };
	struct qmp_conn *c = qmp_conn_new(&q, check_reply, NULL);
	size_t start = 0, i;

	if (!c)
		abort();
	if (qmp_conn_greet(c))
		abort();
	for (i = 0; i <= size; i++) {
		if (i < size && !(data[i] == 0xff && i + 1 < size))
			continue;
		if (qmp_conn_input(c, (const char *)data + start, i - start))
			abort();
		start = i + 1;
	}
	qmp_conn_free(c);
	return 0;
}

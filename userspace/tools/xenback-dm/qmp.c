/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QMP for xenback-dm: parse with json-c, answer like QEMU 7.2 (see qmp.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "qmp.h"

struct qmp_conn {
	struct qmp *q;
	qmp_send_fn send;
	void *arg;
	json_tokener *tok;
	size_t msg_len;  /* bytes of the message being parsed so far */
	bool skip_line;  /* after refused input: drop it up to the next '\n' */
};

/* The version libxl reads from the greeting (it only logs it). */
#define QMP_VERSION "{\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"xenback-dm\"}"

static const char greeting[] = "{\"QMP\": {\"version\": " QMP_VERSION ", \"capabilities\": []}}\r\n";

/* The answers a PV guest's libxl (and libxenstat) may ask for. */
static const struct {
	const char *cmd, *ret;
} answers[] = {
	{ "qmp_capabilities", "{}" },
	{ "query-chardev", "[]" }, /* without q->chardevs */
	{ "query-vnc", "{\"enabled\": false}" },
	{ "query-version", QMP_VERSION },
	{ "query-blockstats", "[]" }, /* libxenstat (xentop) */
	{ "query-cpus-fast", "[]" },
	{ "query-cpus", "[]" },
	{ "query-hotpluggable-cpus", "[]" },
	{ "query-pci", "[]" },
	{ "xen-set-global-dirty-log", "{}" },
	{ "quit", "{}" },
};

static void qlog(struct qmp *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void qlog(struct qmp *q, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!q->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	q->log(q->data, msg);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

/* A JSON value as QEMU would print it (no escaped '/'); owned by o. */
static const char *json_text(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* A command name fit for the log: printable ASCII, at most 64 bytes. */
static void log_name(char *out, size_t outsz, const char *s, size_t len)
{
	size_t i, n = len < outsz - 4 ? len : outsz - 4;

	for (i = 0; i < n && i < 64; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (i < len)
		out[i++] = '.', out[i++] = '.', out[i++] = '.';
	out[i] = '\0';
}

/* {"error": {"class": <cls>, "desc": <desc>}[, "id": <id>]}\r\n */
static char *error_reply_len(const char *cls, const char *desc, size_t len, json_object *id)
{
	json_object *d = json_object_new_string_len(desc, (int)len);
	char *r = NULL;

	if (d)
		r = xasprintf("{\"error\": {\"class\": \"%s\", \"desc\": %s}%s%s}\r\n", cls,
			      json_text(d), id ? ", \"id\": " : "", id ? json_text(id) : "");
	json_object_put(d);
	return r;
}

static char *error_reply(const char *cls, const char *desc, json_object *id)
{
	return error_reply_len(cls, desc, strlen(desc), id);
}

/* The answer to command cmd (its "return" value), with its effect on q;
 * NULL if xenback-dm does not implement it. *dyn: what to free after. */
static const char *answer(struct qmp *q, const char *cmd, char **dyn)
{
	size_t i;

	*dyn = NULL;
	if (!strcmp(cmd, "query-status"))
		return *dyn = xasprintf("{\"status\": \"%s\", \"singlestep\": false, "
					"\"running\": %s}", q->status,
					strcmp(q->status, "running") ? "false" : "true");
	if (!strcmp(cmd, "cont")) {
		q->status = "running";
		if (q->on_cont)
			q->on_cont(q->data);
		return "{}";
	}
	if (!strcmp(cmd, "stop")) {
		q->status = "paused";
		return "{}";
	}
	if (!strcmp(cmd, "query-chardev") && q->chardevs && (*dyn = q->chardevs(q->data)))
		return *dyn;
	if (!strcmp(cmd, "quit"))
		q->quit = true;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++)
		if (!strcmp(cmd, answers[i].cmd))
			return answers[i].ret;
	return NULL;
}

#define NOT_FOUND "xenback-dm does not implement "

/* The reply to command cmd (len bytes, which may hold NULs: then it is no
 * command of ours); NULL: ENOMEM. */
static char *execute(struct qmp *q, const char *cmd, size_t len, json_object *id)
{
	const char *ret = NULL;
	char *dyn = NULL, *r, name[80];

	log_name(name, sizeof(name), cmd, len);
	if (strlen(cmd) == len) {
		ret = answer(q, cmd, &dyn);
		if (!ret && !strcmp(cmd, "query-status"))
			return NULL; /* ENOMEM */
	}
	if (ret) {
		qlog(q, "QMP: %s -> %s", name, ret);
		r = xasprintf("{\"return\": %s%s%s}\r\n", ret, id ? ", \"id\": " : "",
			      id ? json_text(id) : "");
		free(dyn);
		return r;
	}
	qlog(q, "QMP: %s -> CommandNotFound", name);
	if (!(dyn = malloc(sizeof(NOT_FOUND) - 1 + len)))
		return NULL;
	memcpy(dyn, NOT_FOUND, sizeof(NOT_FOUND) - 1);
	memcpy(dyn + sizeof(NOT_FOUND) - 1, cmd, len);
	r = error_reply_len("CommandNotFound", dyn, sizeof(NOT_FOUND) - 1 + len, id);
	free(dyn);
	return r;
}

/* The reply to one parsed JSON value; NULL: ENOMEM. */
static char *reply_to(struct qmp *q, json_object *req)
{
	json_object *exec, *id = NULL;
	const char *why;

	if (!json_object_is_type(req, json_type_object)) {
		why = "QMP input must be a JSON object";
	} else {
		json_object_object_get_ex(req, "id", &id);
		if (!json_object_object_get_ex(req, "execute", &exec))
			why = "QMP input lacks member 'execute'";
		else if (!json_object_is_type(exec, json_type_string))
			why = "QMP input member 'execute' must be a string";
		else
			return execute(q, json_object_get_string(exec),
				       (size_t)json_object_get_string_len(exec), id);
	}
	qlog(q, "QMP: refused: %s", why);
	return error_reply("GenericError", why, id);
}

static int send_reply(struct qmp_conn *c, char *r)
{
	int ret = r ? c->send(c->arg, r, strlen(r)) : -1;

	free(r);
	return ret;
}

/* Refuses what came in so far; drops the rest of its line unless the
 * offending byte was the newline. */
static int refuse(struct qmp_conn *c, const char *desc, bool at_newline)
{
	qlog(c->q, "QMP: refused malformed input: %s", desc);
	json_tokener_reset(c->tok);
	c->msg_len = 0;
	c->skip_line = !at_newline;
	return send_reply(c, error_reply("GenericError", desc, NULL));
}

struct qmp_conn *qmp_conn_new(struct qmp *q, qmp_send_fn send, void *arg)
{
	struct qmp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->tok = json_tokener_new_ex(QMP_MAX_DEPTH);
	if (!c->tok) {
		free(c);
		return NULL;
	}
	json_tokener_set_flags(c->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
					       JSON_TOKENER_VALIDATE_UTF8);
	c->q = q;
	c->send = send;
	c->arg = arg;
	return c;
}

void qmp_conn_free(struct qmp_conn *c)
{
	if (!c)
		return;
	json_tokener_free(c->tok);
	free(c);
}

int qmp_conn_greet(struct qmp_conn *c)
{
	return c->send(c->arg, greeting, sizeof(greeting) - 1);
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int qmp_conn_input(struct qmp_conn *c, const char *data, size_t n)
{
	while (n) {
		enum json_tokener_error err;
		json_object *obj;
		size_t chunk, used;
		int r;

		if (c->skip_line) {
			const char *nl = memchr(data, '\n', n);

			if (!nl)
				return 0;
			c->skip_line = false;
			n -= (size_t)(nl + 1 - data);
			data = nl + 1;
			continue;
		}
		if (!c->msg_len) { /* between messages */
			while (n && is_ws(*data))
				data++, n--;
			if (!n)
				break;
		}
		/* Never more than the limit: json-c buffers what it is fed. */
		chunk = QMP_MAX_MSG - c->msg_len;
		if (chunk > n)
			chunk = n;
		obj = json_tokener_parse_ex(c->tok, data, (int)chunk);
		err = json_tokener_get_error(c->tok);
		if (err == json_tokener_continue) {
			c->msg_len += chunk;
			data += chunk;
			n -= chunk;
			if (c->msg_len < QMP_MAX_MSG)
				continue;
			if (refuse(c, "JSON message too long (over 65536 bytes)", false))
				return -1;
			continue;
		}
		used = json_tokener_get_parse_end(c->tok);
		if (used > chunk)
			used = chunk;
		if (err != json_tokener_success) {
			char desc[128];
			bool at_nl = used < chunk && data[used] == '\n';

			snprintf(desc, sizeof(desc), "JSON parse error, %s",
				 json_tokener_error_desc(err));
			/* the offending byte goes with the refused input */
			used = used < chunk ? used + 1 : chunk;
			data += used;
			n -= used;
			if (refuse(c, desc, at_nl))
				return -1;
			continue;
		}
		data += used;
		n -= used;
		json_tokener_reset(c->tok);
		c->msg_len = 0;
		r = send_reply(c, reply_to(c->q, obj));
		json_object_put(obj);
		if (r)
			return -1;
	}
	return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xenback-dm's QMP code (userspace/tools/xenback-dm/qmp.c) on its own: bytes
 * in, replies out. libxl 4.17's exchange must get QEMU's replies byte for
 * byte; libxenstat's (no newline) too; malformed, deep, non-UTF-8 and huge
 * messages get an error reply and a log line, and never cost unbounded
 * memory.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "tap.h"
#include "userspace/tools/xenback-dm/qmp.h"

/* libasan's; no header ships it with gcc 12. */
size_t __sanitizer_get_current_allocated_bytes(void);

struct sink {
	char out[1 << 16]; /* replies, concatenated */
	size_t len;
	char log[8192];    /* log lines, '\n'-separated */
	size_t loglen;
	unsigned int conts;
	bool fail_send;
	unsigned long sent;
};

static int sink_send(void *arg, const char *s, size_t len)
{
	struct sink *k = arg;

	if (k->fail_send)
		return -1;
	k->sent++;
	if (k->len + len < sizeof(k->out)) {
		memcpy(k->out + k->len, s, len);
		k->len += len;
		k->out[k->len] = '\0';
	}
	return 0;
}

static void sink_log(void *data, const char *msg)
{
	struct sink *k = data;
	size_t n = strlen(msg);

	if (k->loglen + n + 2 < sizeof(k->log)) {
		memcpy(k->log + k->loglen, msg, n);
		k->loglen += n;
		k->log[k->loglen++] = '\n';
		k->log[k->loglen] = '\0';
	}
}

static int sink_cont(void *data)
{
	((struct sink *)data)->conts++;
	return 0;
}

static void sink_clear(struct sink *k)
{
	k->len = k->loglen = 0;
	k->out[0] = k->log[0] = '\0';
	k->sent = 0;
}

static struct sink k;
static struct qmp q;

static struct qmp_conn *conn(void)
{
	memset(&k, 0, sizeof(k));
	q = (struct qmp){ .status = "running", .log = sink_log, .on_cont = sink_cont, .data = &k };
	return qmp_conn_new(&q, sink_send, &k);
}

/* Sends s in one piece; true if the replies are exactly want. */
static bool exchange(struct qmp_conn *c, const char *s, const char *want)
{
	int r;

	sink_clear(&k);
	r = qmp_conn_input(c, s, strlen(s));
	if (r || strcmp(k.out, want)) {
		tap_diag("sent   %s", s);
		tap_diag("got    %s(rc %d)", k.out, r);
		tap_diag("want   %s", want);
		return false;
	}
	return true;
}

static void test_libxl(void)
{
	/* What libxl 4.17 sends (ids from 0x786c7100) and what QEMU 7.2 answers. */
	static const char *const xchg[][2] = {
		{ "{\"execute\":\"qmp_capabilities\",\"id\":2020372736}\r\n",
		  "{\"return\": {}, \"id\": 2020372736}\r\n" },
		{ "{\"execute\":\"query-chardev\",\"id\":2020372737}\r\n",
		  "{\"return\": [], \"id\": 2020372737}\r\n" },
		{ "{\"execute\":\"query-vnc\",\"id\":2020372738}\r\n",
		  "{\"return\": {\"enabled\": false}, \"id\": 2020372738}\r\n" },
		{ "{\"execute\":\"query-status\",\"id\":2020372739}\r\n",
		  "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": 2020372739}\r\n" },
		{ "{\"execute\":\"cont\",\"id\":2020372740}\r\n", "{\"return\": {}, \"id\": 2020372740}\r\n" },
		{ "{\"execute\":\"query-status\",\"id\":2020372741}\r\n",
		  "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}, \"id\": 2020372741}\r\n" },
		{ "{\"execute\":\"stop\",\"id\":2020372742}\r\n", "{\"return\": {}, \"id\": 2020372742}\r\n" },
		{ "{\"execute\":\"query-status\",\"id\":2020372743}\r\n",
		  "{\"return\": {\"status\": \"paused\", \"singlestep\": false, \"running\": false}, \"id\": 2020372743}\r\n" },
		{ "{\"execute\":\"query-version\",\"id\":\"a/b\"}\r\n",
		  "{\"return\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"xenback-dm\"}, \"id\": \"a/b\"}\r\n" },
		{ "{\"execute\":\"query-cpus-fast\",\"id\":5}\r\n", "{\"return\": [], \"id\": 5}\r\n" },
		{ "{\"execute\":\"query-cpus\",\"id\":5}\r\n", "{\"return\": [], \"id\": 5}\r\n" },
		{ "{\"execute\":\"query-hotpluggable-cpus\",\"id\":5}\r\n", "{\"return\": [], \"id\": 5}\r\n" },
		{ "{\"execute\":\"query-pci\",\"id\":5}\r\n", "{\"return\": [], \"id\": 5}\r\n" },
		{ "{\"execute\":\"xen-set-global-dirty-log\",\"arguments\":{\"enable\":true},\"id\":6}\r\n",
		  "{\"return\": {}, \"id\": 6}\r\n" },
		{ " { \"id\" : 7 , \"execute\" : \"query-blockstats\" }\r\n", "{\"return\": [], \"id\": 7}\r\n" },
		{ "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"x\"},\"id\":8}\r\n",
		  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"xenback-dm does not implement device_add\"}, \"id\": 8}\r\n" },
	};
	struct qmp_conn *c = conn();
	unsigned int i;

	tap_ok(c != NULL, "qmp_conn_new");
	q.status = "prelaunch"; /* xenback-dm -S */
	sink_clear(&k);
	tap_ok(!qmp_conn_greet(c) &&
		       !strcmp(k.out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, "
				      "\"major\": 7}, \"package\": \"xenback-dm\"}, \"capabilities\": []}}\r\n"),
	       "greeting: QEMU 7.2.0's, byte for byte");
	for (i = 0; i < sizeof(xchg) / sizeof(xchg[0]); i++) {
		bool ok = exchange(c, xchg[i][0], xchg[i][1]);

		if (i == 0)
			tap_ok(ok && strstr(k.log, "QMP: qmp_capabilities -> {}\n") != NULL,
			       "qmp_capabilities answered and logged as the xen tier greps it");
		else
			tap_ok(ok, "libxl exchange %u: %.*s", i,
			       (int)strcspn(xchg[i][0], "\r"), xchg[i][0]);
		if (i == 4)
			tap_eq(k.conts, 1, "cont: on_cont called once (xenstore's \"running\")");
	}
	tap_ok(!q.quit && exchange(c, "{\"execute\":\"quit\",\"id\":9}\r\n", "{\"return\": {}, \"id\": 9}\r\n") &&
		       q.quit, "quit: answered, then q->quit is set");
	qmp_conn_free(c);
}

static const char *chardevs_json;

static char *sink_chardevs(void *data)
{
	(void)data;
	return chardevs_json ? strdup(chardevs_json) : NULL;
}

/* query-chardev answers what the callback (xenstore's served channels) says */
static void test_chardevs(void)
{
	struct qmp_conn *c = conn();

	q.chardevs = sink_chardevs;
	chardevs_json = "[{\"label\":\"libxl-channel0\",\"filename\":\"pty:/dev/pts/3\",\"frontend-open\":true}]";
	tap_ok(exchange(c, "{\"execute\":\"query-chardev\",\"id\":1}\r\n",
			"{\"return\": [{\"label\":\"libxl-channel0\",\"filename\":\"pty:/dev/pts/3\",\"frontend-open\":true}], "
			"\"id\": 1}\r\n"),
	       "query-chardev: the channels served, as the callback lists them");
	chardevs_json = NULL;
	tap_ok(exchange(c, "{\"execute\":\"query-chardev\",\"id\":2}\r\n", "{\"return\": [], \"id\": 2}\r\n"),
	       "query-chardev: none (the callback has nothing): []");
	qmp_conn_free(c);
}

static void test_framing(void)
{
	static const char cmd[] = "{\"execute\":\"query-pci\",\"id\":1}\r\n";
	struct qmp_conn *c = conn();
	size_t i;
	int r = 0;

	/* libxenstat: no newline, one write per command */
	tap_ok(exchange(c, "{ \"execute\": \"qmp_capabilities\" }", "{\"return\": {}}\r\n") &&
		       exchange(c, "{ \"execute\": \"query-blockstats\" }", "{\"return\": []}\r\n"),
	       "libxenstat's commands, without newline, answered (no id)");
	tap_ok(exchange(c, "{\"execute\":\"query-pci\"}{\"execute\":\"query-vnc\",\"id\":2}",
			"{\"return\": []}\r\n{\"return\": {\"enabled\": false}, \"id\": 2}\r\n"),
	       "two commands in one write: two replies in order");
	sink_clear(&k);
	for (i = 0; i < sizeof(cmd) - 1; i++)
		r |= qmp_conn_input(c, cmd + i, 1);
	tap_ok(!r && !strcmp(k.out, "{\"return\": [], \"id\": 1}\r\n"),
	       "a command sent one byte at a time: one reply");
	tap_ok(exchange(c, "  \r\n\r\n\t \n", ""), "blank lines: no reply");
	qmp_conn_free(c);
}

static void test_refusals(void)
{
	static const char pci[] = "{\"execute\":\"query-pci\",\"id\":3}\r\n";
	static const char pci_reply[] = "{\"return\": [], \"id\": 3}\r\n";
	static const struct {
		const char *in, *want, *what;
	} bad[] = {
		{ "garbage\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, unexpected character\"}}\r\n",
		  "not JSON" },
		{ "{\"execute\":\"query-chardev\",}\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, unexpected character\"}}\r\n",
		  "trailing comma (strict JSON)" },
		{ "{\"execute\":\"q\xff\"}\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, invalid utf-8 string\"}}\r\n",
		  "invalid UTF-8" },
		{ "[1,2]\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n",
		  "not an object" },
		{ "\"quit\"\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}\r\n",
		  "a bare string" },
		{ "{\"id\":4}\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}, \"id\": 4}\r\n",
		  "no execute (the id is echoed)" },
		{ "{\"execute\":[\"quit\"],\"id\":{\"a\":[1]}}\r\n",
		  "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' must be a string\"}, \"id\": {\"a\":[1]}}\r\n",
		  "execute not a string" },
		{ "{\"execute\":\"quit\\u0000now\",\"id\":5}\r\n",
		  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"xenback-dm does not implement quit\\u0000now\"}, \"id\": 5}\r\n",
		  "a NUL in the command name: not quit" },
		{ "{\"execute\":\"\\\"}, \\\"return\\\": {}\"}\r\n",
		  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"xenback-dm does not implement \\\"}, \\\"return\\\": {}\"}}\r\n",
		  "quotes in the command name stay escaped in the reply" },
	};
	struct qmp_conn *c = conn();
	char deep[200];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool ok = exchange(c, bad[i].in, bad[i].want);

		tap_ok(ok && exchange(c, pci, pci_reply), "refused: %s; the next command is answered",
		       bad[i].what);
	}
	tap_ok(!q.quit, "none of them quit");
	tap_ok(strstr(k.log, "QMP: refused") == NULL && /* the last exchange logs no refusal */
		       exchange(c, "nul\r\n", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, null expected\"}}\r\n") &&
		       strstr(k.log, "QMP: refused malformed input: JSON parse error") != NULL,
	       "a refusal is logged");
	tap_ok(exchange(c, "xyz {\"execute\":\"quit\"}\r\n{\"execute\":\"query-pci\",\"id\":3}\r\n",
			"{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, unexpected character\"}}\r\n"
			"{\"return\": [], \"id\": 3}\r\n") && !q.quit,
	       "after malformed input the rest of its line is dropped, the next line answered");
	tap_ok(exchange(c, "nul\n{\"execute\":\"query-pci\",\"id\":3}\n",
			"{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, null expected\"}}\r\n"
			"{\"return\": [], \"id\": 3}\r\n"),
	       "an error on the newline itself does not eat the next line");
	memset(deep, '[', sizeof(deep) - 3);
	strcpy(deep + sizeof(deep) - 3, "\r\n");
	tap_ok(exchange(c, deep, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, nesting too deep\"}}\r\n") &&
		       exchange(c, pci, pci_reply),
	       "nesting deeper than %d: refused", QMP_MAX_DEPTH);
	k.fail_send = true;
	tap_eq(qmp_conn_input(c, pci, sizeof(pci) - 1), -1, "a reply that cannot be sent: -1 (drop)");
	qmp_conn_free(c);
}

static void test_huge(void)
{
	static const char head[] = "{\"execute\":\"";
	const size_t chunk = 4096, total = 32u << 20; /* 32 MiB without a newline */
	struct qmp_conn *c = conn();
	char *buf = malloc(chunk);
	size_t sent, before, peak = 0;
	int r = 0;

	memset(buf, 'x', chunk);
	memcpy(buf, head, sizeof(head) - 1);
	sink_clear(&k);
	before = __sanitizer_get_current_allocated_bytes();
	for (sent = 0; sent < total && !r; sent += chunk) {
		size_t now;

		r = qmp_conn_input(c, buf, chunk);
		memset(buf, 'x', sizeof(head) - 1);
		now = __sanitizer_get_current_allocated_bytes();
		if (now > before && now - before > peak)
			peak = now - before;
	}
	tap_ok(!r && k.sent == 1 &&
		       !strcmp(k.out, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON message too long (over 65536 bytes)\"}}\r\n"),
	       "32 MiB without a newline: one error reply");
	tap_ok(strstr(k.log, "refused malformed input: JSON message too long") != NULL,
	       "and one log line");
	tap_ok(peak < 4 * QMP_MAX_MSG, "memory stays bounded while it comes in (%zu bytes at most)",
	       peak);
	tap_ok(exchange(c, "\"}\r\n{\"execute\":\"query-pci\",\"id\":3}\r\n", "{\"return\": [], \"id\": 3}\r\n"),
	       "after its newline the next command is answered");
	/* the longest acceptable message: QMP_MAX_MSG bytes from '{' to '}' */
	buf = realloc(buf, QMP_MAX_MSG + 2);
	memset(buf, ' ', QMP_MAX_MSG);
	memcpy(buf, "{\"execute\":\"query-pci\",", 23);
	strcpy(buf + QMP_MAX_MSG - 9, "\"id\": 12}\n");
	tap_ok(exchange(c, buf, "{\"return\": [], \"id\": 12}\r\n"), "a message of exactly %d bytes is answered",
	       QMP_MAX_MSG);
	free(buf);
	qmp_conn_free(c);
}

/* Every reply is one line of strict JSON, whatever the command name holds:
 * each control character, quotes, backslashes, '/', DEL, UTF-8; the name
 * comes back unchanged in the error's desc. */
static void test_escaped(void)
{
	struct qmp_conn *c = conn();
	unsigned int ch, bad = 0, n = 0;

	for (ch = 1; ch < 0x80; ch++) {
		json_object *in = json_object_new_object(), *out = NULL, *err, *desc;
		char name[64], want[96];
		const char *msg;
		size_t len;

		snprintf(name, sizeof(name), "a\"b\\c/%c\xc3\xa9%c", (char)ch, (char)ch);
		json_object_object_add(in, "execute", json_object_new_string(name));
		json_object_object_add(in, "id", json_object_new_string(name));
		msg = json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN);
		sink_clear(&k);
		qmp_conn_input(c, msg, strlen(msg));
		qmp_conn_input(c, "\n", 1);
		len = k.len;
		snprintf(want, sizeof(want), "xenback-dm does not implement %s", name);
		if (len >= 2 && !memcmp(k.out + len - 2, "\r\n", 2) && !memchr(k.out, '\n', len - 1)) {
			json_tokener *tok = json_tokener_new();

			json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
			out = json_tokener_parse_ex(tok, k.out, (int)len - 2);
			if (json_tokener_get_error(tok) != json_tokener_success) {
				json_object_put(out);
				out = NULL;
			}
			json_tokener_free(tok);
		}
		if (!out || !json_object_object_get_ex(out, "error", &err) ||
		    !json_object_object_get_ex(err, "desc", &desc) ||
		    strcmp(json_object_get_string(desc), want)) {
			if (!bad++)
				tap_diag("char 0x%02x: reply %s", ch, k.out);
		}
		json_object_put(out);
		json_object_put(in);
		n++;
	}
	tap_ok(!bad, "%u command names with quotes, backslashes and control characters: each "
		     "reply is one line of strict JSON with the name intact (%u bad)", n, bad);
	qmp_conn_free(c);
}

int main(void)
{
	test_libxl();
	test_chardevs();
	test_framing();
	test_refusals();
	test_huge();
	test_escaped();
	return tap_done();
}

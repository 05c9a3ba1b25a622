/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* xenback_log_level_name() and xenback_log_level_parse(): the one table of
 * log-level names that xenbackd, xenback-demo-sim and the library's default
 * stderr log share. */
#include <errno.h>
#include <string.h>

#include "tap.h"
#include "xenback.h"

static const struct {
	int level;
	const char *name;
} levels[] = {
	{ XENBACK_LOG_ERR, "error" },
	{ XENBACK_LOG_WARNING, "warning" },
	{ XENBACK_LOG_NOTICE, "notice" },
	{ XENBACK_LOG_INFO, "info" },
	{ XENBACK_LOG_DEBUG, "debug" },
};
#define NLEVELS (int)(sizeof(levels) / sizeof(levels[0]))

int main(void)
{
	static const char *const bad[] = { "", "loud", "errors", "debug ", " info", "2", "8",
					   "-3", "+5", "5x", "0x5", "99999999999999999999" };
	static const int bad_levels[] = { -1, 0, 2, 8, 100 };
	char num[8];
	int i;

	for (i = 0; i < NLEVELS; i++) {
		const char *n = xenback_log_level_name(levels[i].level);

		tap_ok(n && !strcmp(n, levels[i].name), "name(%d) is \"%s\" (got \"%s\")",
		       levels[i].level, levels[i].name, n ? n : "(null)");
		tap_eq(xenback_log_level_parse(levels[i].name), levels[i].level,
		       "parse(\"%s\")", levels[i].name);
		/* every name parses back to its level */
		tap_eq(xenback_log_level_parse(n), levels[i].level, "parse(name(%d))",
		       levels[i].level);
		snprintf(num, sizeof(num), "%d", levels[i].level);
		tap_eq(xenback_log_level_parse(num), levels[i].level, "parse(\"%s\")", num);
	}
	tap_eq(xenback_log_level_parse("DEBUG"), XENBACK_LOG_DEBUG, "parse ignores case");
	tap_eq(xenback_log_level_parse("err"), XENBACK_LOG_ERR, "parse(\"err\"): syslog's name");
	tap_eq(xenback_log_level_parse("warn"), XENBACK_LOG_WARNING, "parse(\"warn\")");
	tap_eq(xenback_log_level_parse(NULL), -EINVAL, "parse(NULL) is -EINVAL");
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
		tap_eq(xenback_log_level_parse(bad[i]), -EINVAL, "parse(\"%s\") is -EINVAL", bad[i]);
	for (i = 0; i < (int)(sizeof(bad_levels) / sizeof(bad_levels[0])); i++)
		tap_ok(!strcmp(xenback_log_level_name(bad_levels[i]), "?"), "name(%d) is \"?\"",
		       bad_levels[i]);
	tap_eq(xenback_log_level_parse("5"), XENBACK_LOG_NOTICE, "parse(\"5\") is notice");
	return tap_done();
}

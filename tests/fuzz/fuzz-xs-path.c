/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness: the xenstore side of the bus. What a toolstack or a
 * guest writes becomes watch events the bus classifies (enumerate.c: path
 * and token -> which type, domain, device, key), backend nodes it reads
 * into options (opts.c) and devices it creates, connects and forgets, on
 * the simulated platform with the unit tier's "vtest" and "vhot" types
 * (tests/unit/helpers/simbus.h). Set up once; every input starts from an
 * empty tree and leaves one.
 *
 * An input is a list of operations, each one byte then NUL-terminated
 * strings:
 *   0 <sub> <path> <value>  write; sub picks where path goes (below)
 *   1 <sub> <path>          remove
 *   2                       dispatch until settled
 *   3 <path> <token>        a watch event straight to the classifier
 *                           (xb_enum_event), path and token as they are
 *   4 <d>                   domain 1 + d % 8 destroyed (@releaseDomain)
 * sub % 6: 0 backend/vtest/, 1 backend/vhot/ (under /local/domain/0/),
 * 2 /local/domain/<1 + sub / 6 % 8>/device/vtest/, 3 the same with vhot,
 * 4 /local/domain/, 5 the path as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/simbus.h"
#include "userspace/lib/core/internal.h"

static struct xbt t;

/* The next NUL-terminated string of the input (the rest if none). */
static const char *next_str(const uint8_t **p, const uint8_t *end, char *buf, size_t bufsz)
{
	const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
	size_t n = (size_t)((nul ? nul : end) - *p);

	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, *p, n);
	buf[n] = 0;
	*p = nul ? nul + 1 : end;
	return buf;
}

static const char *full_path(unsigned int sub, const char *rest, char *out, size_t outsz)
{
	static const char *const where[] = {
		"/local/domain/0/backend/vtest/", "/local/domain/0/backend/vhot/",
		"/local/domain/%u/device/vtest/", "/local/domain/%u/device/vhot/",
		"/local/domain/", "",
	};
	char prefix[64];

	snprintf(prefix, sizeof(prefix), where[sub % 6], 1 + sub / 6 % 8);
	snprintf(out, outsz, "%s%s", prefix, rest);
	return out;
}

static void settle(void)
{
	int i;

	for (i = 0; i < 64 && xenback_bus_dispatch(t.bus) > 0; i++)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const uint8_t *p = data, *end = data + size;
	char a[512], b[512], path[600];
	unsigned int ops = 0;

	if (!ready) {
		xbt_init(&t, XENBACK_LOG_ERR);
		xenback_bus_set_log_level(t.bus, 1); /* hostile input is expected */
		ready = true;
	}
	while (p < end && ops++ < 64) {
		uint8_t op = *p++, sub = p < end ? *p : 0;

		switch (op % 5) {
		case 0:
			p += p < end;
			next_str(&p, end, a, sizeof(a));
			next_str(&p, end, b, sizeof(b));
			xenback_sim_write(t.sim, full_path(sub, a, path, sizeof(path)), "%s", b);
			break;
		case 1:
			p += p < end;
			next_str(&p, end, a, sizeof(a));
			xenback_sim_rm(t.sim, full_path(sub, a, path, sizeof(path)));
			break;
		case 2:
			settle();
			break;
		case 3:
			next_str(&p, end, a, sizeof(a));
			next_str(&p, end, b, sizeof(b));
			xb_enum_event(t.bus, a, b);
			break;
		case 4:
			p += p < end;
			xenback_sim_domain_destroy(t.sim, 1 + sub % 8u);
			break;
		}
	}
	settle();
	/* Back to an empty tree: every device forgotten. */
	xenback_sim_rm(t.sim, "/local/domain");
	xenback_sim_domain_destroy(t.sim, 1);
	settle();
	return 0;
}

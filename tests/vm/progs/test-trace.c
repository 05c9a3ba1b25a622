/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tracepoints xenback:{bind,unbind,event,wake,notify,spurious} exist and fire. */
#include <sys/stat.h>

#include "vmtest.h"

#define TR "/sys/kernel/tracing"

static const char *const events[] = { "bind", "unbind", "port_event", "wake", "notify", "spurious" };

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_NONBLOCK);
	ssize_t n, len = 0;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = 0;
	close(fd);
	return buf;
}

int main(void)
{
	char path[256], want[64], *trace;
	uint32_t pa, pb, sr[2] = { 0, 0 };
	struct stat st;
	unsigned int i;
	struct xb_xenback x;

	for (i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), TR "/events/xenback/%s/format", events[i]);
		tap_ok(stat(path, &st) == 0, "tracefs has xenback:%s", events[i]);
	}
	tap_eq(vt_put(TR "/events/xenback/enable", "1"), 0, "enable every xenback event");
	vt_put(TR "/trace", "");

	vt_open(&x);
	vt_pair(&x, NULL, &pa, &pb);
	xb_xenback_notify(&x, pa);      /* notify, event, wake */
	vt_skip(&x, 4);
	xb_xenback_rearm(&x, pb, false);
	xb_xenback_set_ring(&x, pb, &sr[0], &sr[1]);
	xb_xenback_notify(&x, pa);      /* event, spurious */
	xb_xenback_unbind(&x, pa);      /* unbind */
	xb_xenback_close(&x);

	vt_put(TR "/events/xenback/enable", "0");
	trace = slurp(TR "/trace");
	tap_ok(trace != NULL, "read the trace buffer");
	for (i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), " %s: port=%u", events[i],
			 i == 0 || i == 1 || i == 4 ? pa : pb);
		tap_ok(trace && strstr(trace, want), "xenback:%s fired (\"%s\")", events[i], want);
	}
	if (tap_failed && trace)
		printf("# trace:\n# %.2000s\n", trace);
	return tap_done();
}

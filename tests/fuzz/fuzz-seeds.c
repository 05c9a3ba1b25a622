/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the first seeds of each harness's corpus (make fuzz-seeds:
 * tests/fuzz/corpus/<harness>/seed-*): inputs in the formats the harnesses
 * read (see each fuzz-*.c), made from the Xen headers, so they reach past
 * the first checks. The committed corpus is these plus what `-merge=1` kept
 * from the long runs (tests/fuzz/RESULTS.md).
 * usage: fuzz-seeds <corpus dir>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/blkif.h>

static const char *dir;

static void put(const char *harness, const char *name, const void *data, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, harness);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%s", dir, harness, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- blk-ring: header byte, 112-byte slots, the indirect page */

struct blk_input {
	uint8_t hdr;
	blkif_request_t slot[32];
	struct blkif_request_segment ind[512];
} __attribute__((packed));

static blkif_request_t rw(uint8_t op, unsigned int nseg, uint64_t sector)
{
	blkif_request_t r = { .operation = op, .nr_segments = (uint8_t)nseg, .id = sector + 1,
			      .sector_number = sector };
	unsigned int i;

	for (i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
		r.seg[i] = (struct blkif_request_segment){ .gref = i, .first_sect = 0,
							   .last_sect = 7 };
	return r;
}

static blkif_request_t indirect(uint8_t op, unsigned int nseg, uint64_t sector)
{
	union {
		blkif_request_t raw;
		blkif_request_indirect_t ind;
	} u;

	memset(&u, 0, sizeof(u));
	u.ind = (blkif_request_indirect_t){ .operation = BLKIF_OP_INDIRECT, .indirect_op = op,
					    .nr_segments = (uint16_t)nseg, .id = 99,
					    .sector_number = sector };
	u.ind.indirect_grefs[0] = 1; /* the indirect page (see fuzz-blk-ring.c) */
	return u.raw;
}

static void blk(const char *name, uint8_t flags, const blkif_request_t *reqs, unsigned int n,
		unsigned int nind)
{
	struct blk_input in;
	unsigned int i;
	size_t len;

	memset(&in, 0, sizeof(in));
	in.hdr = (uint8_t)(flags | (n - 1));
	memcpy(in.slot, reqs, n * sizeof(*reqs));
	/* The indirect page follows the n slots. */
	len = 1 + n * sizeof(blkif_request_t);
	for (i = 0; i < nind; i++) {
		struct blkif_request_segment s = { .gref = i, .first_sect = 0, .last_sect = 7 };

		memcpy((char *)&in + len + i * sizeof(s), &s, sizeof(s));
	}
	put("blk-ring", name, &in, len + nind * sizeof(struct blkif_request_segment));
}

static void blk_seeds(void)
{
	blkif_request_t r[4];
	blkif_request_discard_t *d = (blkif_request_discard_t *)&r[0];

	r[0] = rw(BLKIF_OP_READ, 1, 0);
	blk("read", 0, r, 1, 0);
	blk("read-persistent", 0x40, r, 1, 0);
	r[0] = rw(BLKIF_OP_WRITE, 11, 8);
	blk("write-11", 0, r, 1, 0);
	blk("write-11-persistent", 0x40, r, 1, 0);
	r[0] = rw(BLKIF_OP_FLUSH_DISKCACHE, 0, 0);
	blk("flush", 0, r, 1, 0);
	r[0] = rw(BLKIF_OP_FLUSH_DISKCACHE, 2, 16);
	blk("flush-data", 0, r, 1, 0);
	memset(&r[0], 0, sizeof(r[0]));
	*d = (blkif_request_discard_t){ .operation = BLKIF_OP_DISCARD, .id = 5,
					.sector_number = 64, .nr_sectors = 128 };
	blk("discard", 0, r, 1, 0);
	r[0] = indirect(BLKIF_OP_READ, 32, 0);
	blk("indirect-read", 0, r, 1, 32);
	r[0] = indirect(BLKIF_OP_WRITE, 256, 0);
	blk("indirect-write-256", 0, r, 1, 256);
	blk("indirect-write-256-persistent", 0x40, r, 1, 256);
	r[0] = indirect(BLKIF_OP_READ, 300, 0);
	blk("indirect-too-many", 0, r, 1, 300);
	r[0] = rw(BLKIF_OP_READ, 1, 0);
	r[1] = rw(BLKIF_OP_WRITE, 2, 2040);
	r[2] = indirect(BLKIF_OP_READ, 12, 100);
	r[3] = rw(BLKIF_OP_WRITE_BARRIER, 1, 0);
	blk("mixed-4", 0, r, 4, 12);
	r[0] = rw(BLKIF_OP_READ, 1, 0);
	r[0].seg[0].first_sect = 6;
	r[0].seg[0].last_sect = 2;
	blk("bad-segment", 0, r, 1, 0);
	r[0] = rw(BLKIF_OP_READ, 1, 0);
	r[0].seg[0].gref = 123456;
	blk("bad-gref-raw", 0x20, r, 1, 0);
}

/* ---- xs-path: operations (see fuzz-xs-path.c) */

static void xs_seed(const char *name, const char *const *ops)
{
	char buf[4096];
	size_t n = 0;

	for (; *ops; ops++) {
		const char *s = *ops;

		/* "w<sub>|path|value", "r<sub>|path", "d", "e|path|token", "k<d>" */
		switch (s[0]) {
		case 'w':
		case 'r':
			buf[n++] = s[0] == 'w' ? 0 : 1;
			buf[n++] = (char)atoi(s + 1);
			s = strchr(s, '|') + 1;
			break;
		case 'd':
			buf[n++] = 2;
			continue;
		case 'e':
			buf[n++] = 3;
			s += 2;
			break;
		case 'k':
			buf[n++] = 4;
			buf[n++] = (char)atoi(s + 1);
			continue;
		}
		for (; *s; s++)
			buf[n++] = *s == '|' ? 0 : *s;
		buf[n++] = 0;
	}
	put("xs-path", name, buf, n);
}

#define BEV "1/51712/"
#define FEV "51712/"
static void xs_seeds(void)
{
	static const char *const add[] = {
		"w2|" FEV "backend|/local/domain/0/backend/vtest/1/51712", "w2|" FEV "state|1",
		"w2|" FEV "backend-id|0", "w0|" BEV "frontend|/local/domain/1/device/vtest/51712",
		"w0|" BEV "frontend-id|1", "w0|" BEV "online|1", "w0|" BEV "params|/img",
		"w0|" BEV "mode|w", "w0|" BEV "state|1", "d",
		"w2|" FEV "ring-ref|8", "w2|" FEV "event-channel|3", "w2|" FEV "state|3", "d",
		"w0|" BEV "online|0", "w0|" BEV "state|5", "d", "r0|" BEV, "d", NULL,
	};
	static const char *const hot[] = {
		"w3|" FEV "backend|/local/domain/0/backend/vhot/1/51712", "w3|" FEV "state|1",
		"w1|" BEV "frontend|/local/domain/1/device/vhot/51712", "w1|" BEV "frontend-id|1",
		"w1|" BEV "online|1", "w1|" BEV "state|2", "w1|" BEV "hotplug-status|connected",
		"d", "k0", "d", NULL,
	};
	static const char *const bad[] = {
		"w0|" BEV "frontend|/local/domain/2/device/vtest/51712", "w0|" BEV "frontend-id|1",
		"w0|" BEV "online|1", "w0|" BEV "state|1", "w0|" BEV "fail|1", "d",
		"w0|x/51712/state|1", "w0|1/-3/state|1", "w0|1/51712/a/b|1", "d",
		"w0|" BEV "decline|1", "w0|" BEV "state|9", "d", NULL,
	};
	static const char *const events[] = {
		"e|/local/domain/0/backend/vtest/1/51712/state|b/0",
		"e|/local/domain/0/backend/vtest/1|b/0", "e|/local/domain/0/backend/vtest|b/0",
		"e|/local/domain/0/backend/vhot/99999999999/1|b/1",
		"e|/local/domain/1/device/vtest/51712/state|f/0/1/51712", "e|@releaseDomain|r",
		"e|/local/domain/0/backend/vtest/1/51712/state|b/7", NULL,
	};

	xs_seed("add-connect-remove", add);
	xs_seed("hotplug-destroy", hot);
	xs_seed("bad-nodes", bad);
	xs_seed("events", events);
}

/* ---- qmp: what libxl and libxenstat send, and worse */

#define Q(name, s) put("qmp", name, s, sizeof(s) - 1)
static void qmp_seeds(void)
{
	Q("libxl", "{\"execute\":\"qmp_capabilities\",\"id\":1}\r\n"
		   "{\"execute\":\"query-chardev\",\"id\":2}\r\n"
		   "{\"execute\":\"query-vnc\",\"id\":3}\r\n");
	Q("restrict", "{\"execute\":\"qmp_capabilities\"}\r\n{\"execute\":\"query-status\"}"
		      "{\"execute\":\"cont\",\"id\":\"x\"}{\"execute\":\"query-status\"}"
		      "{\"execute\":\"stop\"}{\"execute\":\"quit\"}");
	Q("xenstat", "{\"execute\":\"qmp_capabilities\"}{\"execute\":\"query-blockstats\"}");
	Q("split", "{\"exec\xff" "ute\":\"query-\xff" "version\",\"id\":[1,{\"a\":null}]}\n");
	Q("unknown-quotes", "{\"execute\":\"a\\\"b\\u0001\\n\\u0000c\",\"id\":\"\\\"}\"}\n");
	Q("malformed", "{\"execute\":}\n[1,2]\n\"str\"\n{\"execute\":5}\n{\"id\":1}\n}}}\n"
		       "{\"execute\":\"query-pci\"}");
	Q("nested", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
	Q("utf8", "{\"execute\":\"\xc3\xa9\xe2\x82\xac\",\"id\":\"\xf0\x9f\x98\x80\"}\n\xc3\x28\n");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	mkdir(dir, 0755);
	blk_seeds();
	xs_seeds();
	qmp_seeds();
	return 0;
}

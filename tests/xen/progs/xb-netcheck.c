/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xen tier's data check over a vif (tests/xen/dom0-70-vif.sh), static
 * so dom0 and the busybox domU run the same binary:
 *   xb-netcheck send <ipv4> <port> <MiB> <seed>   connect (retrying 30 s),
 *                                                 send the seed's stream
 *   xb-netcheck recv <port> <MiB> <seed>          accept one connection,
 *                                                 check every byte
 * The stream is a xorshift64 sequence from the seed: the receiver makes
 * the same one and compares as bytes arrive, so the far end verifies
 * every byte (and prints a FNV-1a digest of what it got). Exit 0 only for
 * exactly <MiB> MiB, all matching.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u << 10)

static uint64_t state;

static void fill(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 8) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		memcpy(b + i, &state, 8);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_send(const char *ip, int port, uint64_t total)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static uint8_t buf[CHUNK];
	uint64_t sent = 0;
	double t0 = now();
	int s = -1;

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return fprintf(stderr, "xb-netcheck: bad address %s\n", ip), 2;
	while (now() - t0 < 30) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		if (s >= 0)
			close(s);
		s = -1;
		usleep(200000);
	}
	if (s < 0)
		return fprintf(stderr, "xb-netcheck: connect %s:%d: %s\n", ip, port, strerror(errno)), 1;
	t0 = now();
	while (sent < total) {
		size_t n = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK, off = 0;

		fill(buf, CHUNK);
		while (off < n) {
			ssize_t w = write(s, buf + off, n - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return fprintf(stderr, "xb-netcheck: send: %s after %llu bytes\n", strerror(errno),
					       (unsigned long long)(sent + off)), 1;
			off += (size_t)w;
		}
		sent += n;
	}
	shutdown(s, SHUT_WR);
	while (read(s, buf, sizeof(buf)) > 0) /* the receiver closes when done */
		;
	close(s);
	printf("xb-netcheck: sent %llu bytes in %.2f s\n", (unsigned long long)sent, now() - t0);
	return 0;
}

static int do_recv(int port, uint64_t total)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	static uint8_t buf[CHUNK], want[CHUNK];
	uint64_t got = 0, bad_at = UINT64_MAX, fnv = 0xcbf29ce484222325ull;
	size_t have = 0; /* bytes of want[] matched so far */
	int l = socket(AF_INET, SOCK_STREAM, 0), s, one = 1;
	double t0;

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0)
		return fprintf(stderr, "xb-netcheck: listen on %d: %s\n", port, strerror(errno)), 1;
	printf("xb-netcheck: listening on %d\n", port);
	fflush(stdout);
	s = accept(l, NULL, NULL);
	close(l);
	if (s < 0)
		return fprintf(stderr, "xb-netcheck: accept: %s\n", strerror(errno)), 1;
	t0 = now();
	fill(want, CHUNK);
	for (;;) {
		ssize_t r = read(s, buf, sizeof(buf));
		size_t i = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		while (i < (size_t)r) {
			size_t n = (size_t)r - i < CHUNK - have ? (size_t)r - i : CHUNK - have, k;

			if (bad_at == UINT64_MAX && (got + n > total || memcmp(buf + i, want + have, n)))
				for (k = 0; k < n; k++)
					if (got + k >= total || buf[i + k] != want[have + k]) {
						bad_at = got + k;
						break;
					}
			for (k = 0; k < n; k++)
				fnv = (fnv ^ buf[i + k]) * 0x100000001b3ull;
			got += n;
			have += n;
			i += n;
			if (have == CHUNK) {
				fill(want, CHUNK);
				have = 0;
			}
		}
	}
	close(s);
	printf("xb-netcheck: received %llu bytes in %.2f s, fnv1a %016llx, ", (unsigned long long)got, now() - t0,
	       (unsigned long long)fnv);
	if (got == total && bad_at == UINT64_MAX) {
		printf("every byte as sent\n");
		return 0;
	}
	if (bad_at != UINT64_MAX)
		printf("first wrong byte at %llu\n", (unsigned long long)bad_at);
	else
		printf("expected %llu\n", (unsigned long long)total);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "send")) {
		state = strtoull(argv[5], NULL, 0) | 1;
		return do_send(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 0) << 20);
	}
	if (argc == 5 && !strcmp(argv[1], "recv")) {
		state = strtoull(argv[4], NULL, 0) | 1;
		return do_recv(atoi(argv[2]), strtoull(argv[3], NULL, 0) << 20);
	}
	fprintf(stderr, "usage: xb-netcheck send <ipv4> <port> <MiB> <seed> | recv <port> <MiB> <seed>\n");
	return 2;
}

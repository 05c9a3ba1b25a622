/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The xen tier's data check over a console channel (tests/xen/dom0-38-*),
 * static so dom0 and the busybox domU run the same binary:
 *   xb-chancheck <end> <bytes> <send seed> <recv seed> lead|follow
 * <end> is unix:<path> (connect, retrying 30 s: the channel's socket in
 * dom0) or a tty (the guest's /dev/hvcN, or the pty xenbackd published),
 * put in raw mode. Sends <bytes> of the send seed's stream while receiving
 * <bytes> and checking each against the recv seed's stream, both at once
 * (a console's two rings are small: neither side may wait for the other
 * to finish). Prints what it got (bytes, FNV-1a digest, first mismatch);
 * exit 0 only for exactly <bytes>, all matching.
 * The fd is non-blocking: a blocking write of a full buffer would stop this
 * end reading while the other end, blocked the same way, stops too (each
 * waits for the other through the ring's and the tty's small buffers).
 * The guest's end leads: once its tty is raw it writes a marker, and the
 * following end sends nothing (and checks nothing) before the marker has
 * arrived: bytes that reached a tty before it was raw would come back
 * echoed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct stream {
	uint64_t s;
};

static uint8_t next(struct stream *st)
{
	st->s ^= st->s << 13;
	st->s ^= st->s >> 7;
	st->s ^= st->s << 17;
	return (uint8_t)(st->s >> 24);
}

static const char marker[] = "\002XB-CHANCHECK-SYNC\003";

/* Reads until the marker; what followed it in the last read goes to
 * rest (at most sizeof(marker) bytes before it are kept between reads).
 * Gives up after 120 s, saying how much arrived and how it began. */
static int await_marker(int fd, uint8_t *rest, size_t *nrest)
{
	char buf[8192], first[16];
	size_t have = 0, m = sizeof(marker) - 1, seen = 0, i;
	time_t t0 = time(NULL);

	while (time(NULL) - t0 < 120) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *at;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		for (i = 0; i < (size_t)n && seen + i < sizeof(first); i++)
			first[seen + i] = buf[have + i];
		seen += (size_t)n;
		have += (size_t)n;
		at = memmem(buf, have, marker, m);
		if (at) {
			*nrest = have - (size_t)(at + m - buf);
			memcpy(rest, at + m, *nrest);
			return 0;
		}
		if (have >= m) { /* keep a tail that may hold the marker's start */
			memmove(buf, buf + have - (m - 1), m - 1);
			have = m - 1;
		}
	}
	fprintf(stderr, "xb-chancheck: %zu bytes arrived in 120 s, no marker; the first:", seen);
	for (i = 0; i < seen && i < sizeof(first); i++)
		fprintf(stderr, " %02x", (unsigned char)first[i]);
	fprintf(stderr, "\n");
	return -1;
}

static int open_end(const char *end)
{
	if (!strncmp(end, "unix:", 5)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int i;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", end + 5);
		for (i = 0; i < 300; i++) {
			int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

			if (s >= 0 && connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				return s;
			if (s >= 0)
				close(s);
			usleep(100000);
		}
		return -1;
	} else {
		struct termios t;
		int fd = open(end, O_RDWR | O_NOCTTY | O_CLOEXEC);

		if (fd < 0 || tcgetattr(fd, &t) < 0)
			return -1;
		cfmakeraw(&t);
		if (tcsetattr(fd, TCSANOW, &t) < 0)
			return -1;
		return fd;
	}
}

static int nonblock(int fd)
{
	int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fd;
}

static int write_marker(int fd)
{
	size_t off = 0, m = sizeof(marker) - 1;
	int i;

	for (i = 0; off < m && i < 300; i++) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = write(fd, marker + off, m - off);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
	}
	return off == m ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct stream tx, rx;
	uint8_t out[4096], in[8192];
	size_t total, sent = 0, got = 0, olen = 0, ooff = 0;
	long long bad = -1;
	uint32_t fnv = 2166136261u;
	time_t t0 = time(NULL);
	int fd;

	size_t nrest = 0;

	if (argc != 6 || (strcmp(argv[5], "lead") && strcmp(argv[5], "follow"))) {
		fprintf(stderr, "usage: xb-chancheck unix:<path>|<tty> <bytes> <send seed> <recv seed> lead|follow\n");
		return 2;
	}
	total = strtoull(argv[2], NULL, 0);
	tx.s = strtoull(argv[3], NULL, 0) * 2654435761u + 1;
	rx.s = strtoull(argv[4], NULL, 0) * 2654435761u + 1;
	fd = nonblock(open_end(argv[1]));
	if (fd < 0) {
		fprintf(stderr, "xb-chancheck: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (!strcmp(argv[5], "lead")) {
		if (write_marker(fd) < 0) {
			fprintf(stderr, "xb-chancheck: %s: writing the marker: %s\n", argv[1], strerror(errno));
			return 1;
		}
	} else if (await_marker(fd, in, &nrest) < 0) {
		fprintf(stderr, "xb-chancheck: %s: no marker from the other end\n", argv[1]);
		return 1;
	}
	while ((sent < total || got < total) && time(NULL) - t0 < 300) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (sent < total && !olen) {
			size_t k = total - sent < sizeof(out) ? total - sent : sizeof(out);

			for (olen = 0; olen < k; olen++)
				out[olen] = next(&tx);
			ooff = 0;
		}
		if (olen)
			p.events |= POLLOUT;
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if (p.revents & POLLOUT) {
			n = write(fd, out + ooff, olen - ooff);
			if (n > 0) {
				ooff += (size_t)n;
				sent += (size_t)n;
				if (ooff == olen)
					olen = 0;
			}
		}
		if (nrest || (p.revents & (POLLIN | POLLHUP | POLLERR))) {
			size_t i;

			if (nrest) { /* what followed the marker */
				n = (ssize_t)(nrest < total - got ? nrest : total - got);
				nrest = 0;
			} else {
				n = read(fd, in, got + sizeof(in) > total ? total - got : sizeof(in));
				if (n < 0 && (errno == EAGAIN || errno == EINTR))
					continue;
			}
			if (n <= 0 && got < total)
				break;
			for (i = 0; i < (size_t)n; i++) {
				if (in[i] != next(&rx) && bad < 0)
					bad = (long long)(got + i);
				fnv = (fnv ^ in[i]) * 16777619u;
			}
			got += (size_t)n;
		}
	}
	printf("xb-chancheck %s: sent %zu, got %zu of %zu, fnv1a %08x, first mismatch %lld, %lld s\n", argv[1], sent,
	       got, total, fnv, bad, (long long)(time(NULL) - t0));
	close(fd);
	return sent == total && got == total && bad < 0 ? 0 : 1;
}

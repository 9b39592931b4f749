/* SPDX-License-Identifier: GPL-2.0-or-later */
/* crr: connect rate (TCP_CRR-like) for bench/run.sh. Each transaction is
 * connect + 1-byte request + 1-byte reply + close, one after the other.
 *
 *   crr serve PORT           echo server on 0.0.0.0:PORT (epoll, any
 *                            number of connections)
 *   crr ADDR PORT N [WARM]   N timed transactions (after WARM untimed ones,
 *                            default 50); prints "median_us mean_us min_us max_us"
 * A C client and server, so the figure is the network path's, not an
 * interpreter's. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An epoll echo server: it holds any number of connections open (the idle
 * figure of bench/forward.sh needs that) and closes each on the client's
 * close. */
static _Noreturn void serve(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	char b[64];

	if (s < 0 || ep < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("socket");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4096) < 0)
		die("bind/listen");
	ev.data.fd = s;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev) < 0)
		die("epoll_ctl");
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t k;

			if (fd == s) {
				int c = accept4(s, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

				if (c < 0)
					continue;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			k = read(fd, b, sizeof(b));
			if (k > 0 && write(fd, b, k) == k)
				continue;
			if (k < 0 && errno == EAGAIN)
				continue;
			close(fd); /* EOF, error or a short write: done with it */
		}
	}
}

static uint64_t transaction(const struct sockaddr_in *a)
{
	uint64_t t0 = now_ns();
	int one = 1, s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char b = 'x';

	if (s < 0)
		die("socket");
	if (connect(s, (const struct sockaddr *)a, sizeof(*a)) < 0)
		die("connect");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
		die("echo");
	close(s);
	return now_ns() - t0;
}

static int cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int n, warm;
	uint64_t *t, sum = 0;

	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		serve(atoi(argv[2]));
	if (argc < 4) {
		fprintf(stderr, "usage: crr serve PORT | crr ADDR PORT N [WARM]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		die("address");
	a.sin_port = htons(atoi(argv[2]));
	n = atoi(argv[3]);
	warm = argc > 4 ? atoi(argv[4]) : 50;
	if (n < 1) {
		fprintf(stderr, "crr: N must be at least 1\n");
		return 2;
	}
	t = calloc(n, sizeof(*t));
	if (!t)
		die("calloc");
	for (int i = 0; i < warm; i++)
		transaction(&a);
	for (int i = 0; i < n; i++)
		sum += t[i] = transaction(&a);
	qsort(t, n, sizeof(*t), cmp);
	printf("%.1f %.1f %.1f %.1f\n", t[n / 2] / 1e3, sum / 1e3 / n, t[0] / 1e3, t[n - 1] / 1e3);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hugeholder: a stand-in for the programs that use hugepages on real hosts,
 * for the live tests of `hvoplan apply`. It takes pages from the pool the
 * way they do, says "ready" in a file once it holds them, and keeps them
 * until it is killed.
 *
 *   hugeholder [-s KB] [-r FILE] [-d USEC] [-f PATH] [-W] MODE N [T]
 *
 *   reserve N    mmap N pages with MAP_HUGETLB and touch none: the kernel
 *                reserves N pages (resv_hugepages), as QEMU without
 *                prealloc, PostgreSQL shared_buffers and DPDK do
 *   touch N [T]  map N pages and touch T of them (default all): T in use,
 *                N - T reserved
 *   memfd N [T]  memfd_create(MFD_HUGETLB) of N pages, mapped by this
 *                process and a child; T of them (default all) written by
 *                this one and read back by the child: one set of pages
 *                shared by two processes, N - T reserved by the mapping
 *   file N [T]   a file of N pages at PATH (-f) in a hugetlbfs mount,
 *                mapped shared and T of them (default all) written: the
 *                pages a DPDK or QEMU -mem-path file holds, N - T reserved
 *   grow N       map and touch one page at a time, USEC microseconds apart
 *                (-d, default 2000), until N are held; a page the kernel
 *                refuses is retried, so it competes with whatever changes
 *                the pool meanwhile
 *   sysv N [T]   a SysV segment of N pages (shmget with SHM_HUGETLB),
 *                attached and T of them (default all) written, as Oracle
 *                and PostgreSQL's shared_memory_type=sysv do; with -D it
 *                is detached and hugeholder exits at once: the segment
 *                and its pages stay with no process attached (its shmid
 *                is in the -r file: "ready K SHMID")
 *   fdonly N     a memfd of N pages, written, unmapped and kept open: pages
 *                that only a file descriptor holds (no mapping, no file
 *                name), as a process that passes memfds to another does
 *   share N K    memfd_create(MFD_HUGETLB) of N pages, written by this
 *                process and mapped and read by K - 1 children: K
 *                processes each with N pages in HugetlbPages, N pages
 *                taken from the pool (the many-consumer host of a
 *                PostgreSQL or QEMU server, for bench/top-cpu.sh)
 *
 * -s is the hugepage size in KiB (default 2048); -r FILE gets "ready K\n"
 * (K pages held or reserved) once the pages are in place. -W waits for
 * SIGUSR1 before taking any page (a process that starts using hugepages
 * after others have seen it). Exit status 0 on SIGTERM/SIGINT, 1 when the
 * setup failed (message on stderr). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif
#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#ifndef SHM_HUGE_SHIFT
#define SHM_HUGE_SHIFT 26
#endif
#ifndef MFD_HUGE_SHIFT
#define MFD_HUGE_SHIFT 26
#endif

static volatile sig_atomic_t stop, go;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		go = 1;
	else
		stop = 1;
}

static void say_ready(const char *file, long held)
{
	if (!file)
		return;
	/* written whole and renamed, so a poller never reads half a line */
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "ready %ld\n", held) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
		fprintf(stderr, "hugeholder: %s: %s\n", file, strerror(errno));
		exit(1);
	}
}

static int log2u(unsigned long v)
{
	int s = 0;
	while (v > 1) {
		v >>= 1;
		s++;
	}
	return s;
}

static void hold(void)
{
	while (!stop)
		pause();
}

static void *map_pages(size_t len, int shift)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (shift << MAP_HUGE_SHIFT), -1, 0);
}

/* share N K: one memfd of N pages, written here and read by K - 1 children
 * (each its own mapping, so each counts N pages in HugetlbPages). The
 * children die with this process (PR_SET_PDEATHSIG) and on its SIGTERM. */
static int share(long n, long k, size_t page, int shift, const char *ready)
{
	int fd = memfd_create("hugeholder", MFD_HUGETLB | ((unsigned)shift << MFD_HUGE_SHIFT));
	if (fd < 0 || ftruncate(fd, (off_t)((size_t)n * page)) < 0) {
		fprintf(stderr, "hugeholder: memfd of %ld pages: %s\n", n, strerror(errno));
		return 1;
	}
	char *p = mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "hugeholder: mmap of the memfd: %s\n", strerror(errno));
		return 1;
	}
	for (long i = 0; i < n; i++)
		p[(size_t)i * page] = 1;
	munmap(p, (size_t)n * page);
	pid_t *kids = calloc((size_t)k, sizeof(*kids));
	int pipefd[2];
	if (!kids || pipe(pipefd) < 0)
		return 1;
	long started = 0;
	for (; started < k - 1 && !stop; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			fprintf(stderr, "hugeholder: fork: %s\n", strerror(errno));
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			char *q = mmap(NULL, (size_t)n * page, PROT_READ, MAP_SHARED, fd, 0);
			char ok = q != MAP_FAILED;
			for (long i = 0; ok && i < n; i++)
				ok = q[(size_t)i * page] == 1;
			if (write(pipefd[1], &ok, 1) != 1)
				_exit(1);
			hold();
			_exit(0);
		}
		kids[started] = pid;
	}
	long good = 0;
	for (long i = 0; i < started; i++) {
		char ok = 0;
		if (read(pipefd[0], &ok, 1) == 1 && ok)
			good++;
	}
	/* this process maps the pages too: K consumers in all */
	p = mmap(NULL, (size_t)n * page, PROT_READ, MAP_SHARED, fd, 0);
	if (good == k - 1 && p != MAP_FAILED && p[0] == 1) {
		say_ready(ready, n);
		hold();
	} else {
		fprintf(stderr, "hugeholder: %ld of %ld processes map the pages\n", good + 1, k);
	}
	for (long i = 0; i < started; i++)
		kill(kids[i], SIGTERM);
	for (long i = 0; i < started; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return good == k - 1 ? 0 : 1;
}

/* Writes the first byte of t pages of p, says n are held, holds them. */
static int touch_and_hold(char *p, long t, size_t page, const char *ready, long n)
{
	for (long i = 0; i < t; i++)
		p[(size_t)i * page] = 1;
	say_ready(ready, n);
	hold();
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long kb = 2048;
	const char *ready = NULL, *path = NULL;
	long delay_us = 2000;
	bool wait_go = false, detach = false;
	int c;
	while ((c = getopt(argc, argv, "s:r:d:f:WD")) != -1) {
		switch (c) {
		case 's': kb = strtoul(optarg, NULL, 10); break;
		case 'r': ready = optarg; break;
		case 'd': delay_us = strtol(optarg, NULL, 10); break;
		case 'f': path = optarg; break;
		case 'W': wait_go = true; break;
		case 'D': detach = true; break;
		default: return 2;
		}
	}
	if (argc - optind < 2 || kb < 64 || (kb & (kb - 1))) {
		fprintf(stderr, "usage: hugeholder [-s KB] [-r FILE] [-d USEC] [-f PATH] [-W] reserve|touch|memfd|file|sysv|fdonly|grow|share N [T]\n");
		return 2;
	}
	const char *mode = argv[optind];
	long n = strtol(argv[optind + 1], NULL, 10);
	long t = argc - optind > 2 ? strtol(argv[optind + 2], NULL, 10) : n;
	bool procs = !strcmp(mode, "share"); /* T counts processes, not pages */
	size_t page = (size_t)kb << 10;
	int shift = log2u(kb) + 10;
	if (n < 1 || t < 0 || (!procs && t > n) || (procs && (t < 1 || t > 100000))) {
		fprintf(stderr, "hugeholder: bad page counts\n");
		return 2;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	while (wait_go && !go && !stop)
		pause();
	if (stop)
		return 0;
	if (!strcmp(mode, "share"))
		return share(n, t, page, shift, ready);

	if (!strcmp(mode, "reserve") || !strcmp(mode, "touch")) {
		if (!strcmp(mode, "reserve"))
			t = 0;
		char *p = map_pages((size_t)n * page, shift);
		if (p == MAP_FAILED) {
			fprintf(stderr, "hugeholder: mmap of %ld x %lu KiB pages: %s\n", n, kb, strerror(errno));
			return 1;
		}
		return touch_and_hold(p, t, page, ready, n);
	}
	if (!strcmp(mode, "file")) {
		int fd = path ? open(path, O_RDWR | O_CREAT, 0600) : -1;
		if (fd < 0 || ftruncate(fd, (off_t)((size_t)n * page)) < 0) {
			fprintf(stderr, "hugeholder: file %s of %ld x %lu KiB pages: %s\n", path ? path : "(no -f)", n, kb,
				strerror(path ? errno : EINVAL));
			return 1;
		}
		char *p = mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "hugeholder: mmap of %s: %s\n", path, strerror(errno));
			return 1;
		}
		return touch_and_hold(p, t, page, ready, n);
	}
	if (!strcmp(mode, "sysv")) {
		int id = shmget(IPC_PRIVATE, (size_t)n * page, IPC_CREAT | SHM_HUGETLB | ((unsigned)shift << SHM_HUGE_SHIFT) | 0600);
		char *p = id < 0 ? (char *)-1 : shmat(id, NULL, 0);
		if (p == (char *)-1) {
			fprintf(stderr, "hugeholder: SysV segment of %ld x %lu KiB pages: %s\n", n, kb, strerror(errno));
			if (id >= 0)
				shmctl(id, IPC_RMID, NULL);
			return 1;
		}
		for (long i = 0; i < t; i++)
			p[(size_t)i * page] = 1;
		if (ready) {
			FILE *f = fopen(ready, "w");
			if (!f || fprintf(f, "ready %ld %d\n", n, id) < 0 || fclose(f) != 0)
				return 1;
		}
		if (detach)
			return shmdt(p) == 0 ? 0 : 1;
		hold();
		shmdt(p);
		shmctl(id, IPC_RMID, NULL);
		return 0;
	}
	if (!strcmp(mode, "fdonly")) {
		int fd = memfd_create("hugeholder-fd", MFD_HUGETLB | ((unsigned)shift << MFD_HUGE_SHIFT));
		char *p = fd < 0 || ftruncate(fd, (off_t)((size_t)n * page)) < 0
				  ? MAP_FAILED
				  : mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "hugeholder: memfd of %ld x %lu KiB pages: %s\n", n, kb, strerror(errno));
			return 1;
		}
		for (long i = 0; i < n; i++)
			p[(size_t)i * page] = 1;
		munmap(p, (size_t)n * page);
		say_ready(ready, n);
		hold();
		close(fd);
		return 0;
	}
	if (!strcmp(mode, "memfd")) {
		int fd = memfd_create("hugeholder", MFD_HUGETLB | ((unsigned)shift << MFD_HUGE_SHIFT));
		if (fd < 0 || ftruncate(fd, (off_t)((size_t)n * page)) < 0) {
			fprintf(stderr, "hugeholder: memfd of %ld x %lu KiB pages: %s\n", n, kb, strerror(errno));
			return 1;
		}
		char *p = mmap(NULL, (size_t)n * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "hugeholder: mmap of the memfd: %s\n", strerror(errno));
			return 1;
		}
		for (long i = 0; i < t; i++)
			p[(size_t)i * page] = (char)(i & 0x7f);
		int pipefd[2];
		if (pipe(pipefd) < 0)
			return 1;
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* its own mapping of the same pages: a second user, not a copy */
			char *q = mmap(NULL, (size_t)n * page, PROT_READ, MAP_SHARED, fd, 0);
			char ok = 1;
			if (q == MAP_FAILED)
				ok = 0;
			for (long i = 0; ok && i < t; i++)
				ok = q[(size_t)i * page] == (char)(i & 0x7f);
			if (write(pipefd[1], &ok, 1) != 1)
				_exit(1);
			hold();
			_exit(0);
		}
		char ok = 0;
		if (read(pipefd[0], &ok, 1) != 1 || !ok) {
			fprintf(stderr, "hugeholder: the child does not see the memfd's pages\n");
			kill(pid, SIGKILL);
			return 1;
		}
		say_ready(ready, n);
		hold();
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return 0;
	}
	if (!strcmp(mode, "grow")) {
		long held = 0, refused = 0;
		say_ready(ready, 0);
		struct timespec d = {.tv_sec = delay_us / 1000000, .tv_nsec = (delay_us % 1000000) * 1000};
		while (!stop && held < n) {
			char *p = map_pages(page, shift);
			if (p == MAP_FAILED) {
				refused++;
			} else {
				p[0] = 1;
				held++;
			}
			nanosleep(&d, NULL);
		}
		printf("held %ld refused %ld\n", held, refused);
		fflush(stdout);
		hold();
		return 0;
	}
	fprintf(stderr, "hugeholder: unknown mode '%s'\n", mode);
	return 2;
}

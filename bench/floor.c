/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The floor for bench/report-bench.sh: the least a hugepage report must read
 * (every pool's counters, whole and per node, and /proc/vmstat for the
 * memmap counters), with nothing else: no locale, no libraries but libc, one
 * open/read/close a file. What hvoplan report costs above this is its own. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long long total;

static void read_file(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0)
		total += n;
}

static void pools(const char *dir)
{
	static const char *const counters[] = {"nr_hugepages", "free_hugepages", "resv_hugepages", "surplus_hugepages"};
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
			char path[512];
			/* resv is whole-pool only; the per-node directories lack it */
			snprintf(path, sizeof(path), "%s/%s/%s", dir, e->d_name, counters[i]);
			read_file(path);
		}
	}
	closedir(d);
}

int main(void)
{
	pools("/sys/kernel/mm/hugepages");
	DIR *d = opendir("/sys/devices/system/node");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strncmp(e->d_name, "node", 4) || e->d_name[4] < '0' || e->d_name[4] > '9')
			continue;
		char dir[300];
		snprintf(dir, sizeof(dir), "/sys/devices/system/node/%s/hugepages", e->d_name);
		pools(dir);
	}
	if (d)
		closedir(d);
	read_file("/proc/vmstat");
	printf("%lld bytes read\n", total);
	return 0;
}

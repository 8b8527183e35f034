/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cputime: runs a command with standard output to /dev/null and prints the
 * user+system CPU seconds it used (wait4's rusage of that one child), so
 * the benches time the binary itself and not a launcher around it.
 *
 *   cputime CMD [ARG...]      exit status: the command's, 127 when not run */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: cputime CMD [ARG...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0)
		return 127;
	printf("%.6f\n", (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
				 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 127;
}

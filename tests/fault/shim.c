/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD fault injector for the apply tests (tests/cli/fault.bats).
 *
 * Makes the Nth call of one operation fail with a chosen errno:
 *   HV_FAULT_OP     write | fsync | rename | open | fchmod | unlink | mkdir | spawn
 *                   write:  write (also pwrite, writev)
 *                   fsync:  fsync, fdatasync
 *                   rename: rename, renameat, renameat2
 *                   open:   open/openat(+64) with O_CREAT (creating opens only)
 *                   fchmod: fchmod
 *                   unlink: unlink, unlinkat (also rmdir / AT_REMOVEDIR)
 *                   mkdir:  mkdir, mkdirat
 *                   spawn:  posix_spawn, posix_spawnp, execve
 *   HV_FAULT_AT     N, 1-based (default 1)
 *   HV_FAULT_COUNT  how many calls fail from the Nth on (default 1; 0 = all
 *                   later calls too, to make a rollback fail as well)
 *   HV_FAULT_ERRNO  EIO (default), ENOSPC, EDQUOT, EROFS, EACCES, EPERM,
 *                   ENOMEM, EINTR, ENOENT, EEXIST, EBUSY, or a number
 *   HV_FAULT_ROOT   if set, only calls on paths / fds under this directory
 *                   are counted (fds and dirfds resolved through
 *                   /proc/self/fd); spawn is counted whatever the path.
 *                   Unset: every call counts.
 *   HV_FAULT_LOG    file to append one line per injection to (default: stderr)
 *   HV_FAULT_KILL   1: instead of failing, the Nth call kills the process
 *                   with SIGKILL before it happens (kill -9 at an exact
 *                   point: what a crash or an OOM kill leaves behind)
 *
 * Counters are per process. The shim takes LD_PRELOAD out of the
 * environment at load time so that the tools the program runs (fake
 * update-grub) run without it: a fault is injected into hvoplan only.
 * Set HV_FAULT_INHERIT=1 to keep it.
 *
 * Every wrapper calls the next definition (dlsym(RTLD_NEXT)), resolved
 * lazily; the shim's own I/O (log, readlink) goes through raw syscalls or
 * functions it does not wrap, and a thread-local guard keeps it from
 * counting itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum op { OP_NONE, OP_WRITE, OP_FSYNC, OP_RENAME, OP_OPEN, OP_FCHMOD, OP_UNLINK, OP_MKDIR, OP_SPAWN };

static const char *const op_names[] = {"none", "write", "fsync", "rename", "open", "fchmod", "unlink", "mkdir", "spawn"};

static enum op fault_op = OP_NONE;
static long fault_at = 1, fault_count = 1;
static int fault_errno = EIO;
static int fault_kill;
static char fault_root[PATH_MAX];
static size_t fault_root_len;
static char fault_log[PATH_MAX];
static atomic_long calls;
static __thread int busy;

static int parse_errno(const char *s)
{
	static const struct {
		const char *name;
		int e;
	} t[] = {{"EIO", EIO},       {"ENOSPC", ENOSPC}, {"EDQUOT", EDQUOT}, {"EROFS", EROFS},   {"EACCES", EACCES},
		 {"EPERM", EPERM},   {"ENOMEM", ENOMEM}, {"EINTR", EINTR},   {"ENOENT", ENOENT}, {"EEXIST", EEXIST},
		 {"EBUSY", EBUSY},   {"EAGAIN", EAGAIN}, {"EFBIG", EFBIG},   {"EMFILE", EMFILE}, {"ENOEXEC", ENOEXEC}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(s, t[i].name))
			return t[i].e;
	int n = atoi(s);
	return n > 0 ? n : EIO;
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *o = getenv("HV_FAULT_OP");
	if (o)
		for (size_t i = 1; i < sizeof(op_names) / sizeof(op_names[0]); i++)
			if (!strcmp(o, op_names[i]))
				fault_op = (enum op)i;
	const char *s = getenv("HV_FAULT_AT");
	if (s && atol(s) > 0)
		fault_at = atol(s);
	if ((s = getenv("HV_FAULT_COUNT")))
		fault_count = atol(s);
	if ((s = getenv("HV_FAULT_ERRNO")))
		fault_errno = parse_errno(s);
	if ((s = getenv("HV_FAULT_ROOT")) && *s) {
		/* compare against the canonical path: /proc/self/fd shows that */
		if (!realpath(s, fault_root))
			snprintf(fault_root, sizeof(fault_root), "%s", s);
		fault_root_len = strlen(fault_root);
		while (fault_root_len > 1 && fault_root[fault_root_len - 1] == '/')
			fault_root[--fault_root_len] = '\0';
	}
	if ((s = getenv("HV_FAULT_KILL")) && !strcmp(s, "1"))
		fault_kill = 1;
	if ((s = getenv("HV_FAULT_LOG")))
		snprintf(fault_log, sizeof(fault_log), "%s", s);
	if (!getenv("HV_FAULT_INHERIT") || strcmp(getenv("HV_FAULT_INHERIT"), "1"))
		unsetenv("LD_PRELOAD");
}

#define NEXT(name)                                                                                                     \
	static __typeof__(name) *real_##name;                                                                          \
	if (!real_##name)                                                                                              \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);

/* ---- deciding ---- */

static int under_root(const char *path)
{
	if (!fault_root_len)
		return 1;
	return !strncmp(path, fault_root, fault_root_len) && (path[fault_root_len] == '/' || !path[fault_root_len]);
}

static void fd_path(int fd, char *out, size_t cap)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, cap - 1);
	out[n < 0 ? 0 : n] = '\0';
}

/* dirfd + relative path -> absolute path (good enough: no "..", no symlinks in the test trees) */
static void at_path(int dirfd, const char *path, char *out, size_t cap)
{
	if (!path)
		path = "";
	if (path[0] == '/') {
		snprintf(out, cap, "%s", path);
		return;
	}
	char dir[PATH_MAX];
	if (dirfd == AT_FDCWD) {
		if (!getcwd(dir, sizeof(dir)))
			dir[0] = '\0';
	} else {
		fd_path(dirfd, dir, sizeof(dir));
	}
	snprintf(out, cap, "%s/%s", dir, path);
}

static void log_line(const char *what, const char *where, long n)
{
	char line[PATH_MAX + 256];
	int len = snprintf(line, sizeof(line), "hv-fault: injected %s #%ld (%s) on %s: %s [pid %ld]\n", op_names[fault_op],
			   n, what, where, fault_kill ? "killed with SIGKILL" : strerror(fault_errno), (long)getpid());
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line))
		len = sizeof(line) - 1;
	int fd = 2;
	if (fault_log[0])
		fd = (int)syscall(SYS_openat, AT_FDCWD, fault_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		ssize_t r = syscall(SYS_write, fd, line, (size_t)len);
		(void)r;
		if (fd != 2)
			syscall(SYS_close, fd);
	}
}

/* Counts the call if it is ours and on the root; 1 when it must fail. */
static int should_fail(enum op op, const char *what, const char *path)
{
	if (op != fault_op || busy)
		return 0;
	if (!under_root(path))
		return 0;
	long n = atomic_fetch_add(&calls, 1) + 1;
	if (n < fault_at || (fault_count > 0 && n >= fault_at + fault_count))
		return 0;
	log_line(what, path, n);
	if (fault_kill)
		syscall(SYS_kill, (long)getpid(), SIGKILL);
	return 1;
}

static int fail_fd(enum op op, const char *what, int fd)
{
	if (op != fault_op || busy)
		return 0;
	char p[PATH_MAX];
	busy++;
	fd_path(fd, p, sizeof(p));
	busy--;
	return should_fail(op, what, p);
}

static int fail_at(enum op op, const char *what, int dirfd, const char *path)
{
	if (op != fault_op || busy)
		return 0;
	char p[PATH_MAX];
	busy++;
	at_path(dirfd, path, p, sizeof(p));
	busy--;
	return should_fail(op, what, p);
}

/* ---- write ---- */

ssize_t write(int fd, const void *buf, size_t n)
{
	NEXT(write);
	if (fail_fd(OP_WRITE, "write", fd)) {
		errno = fault_errno;
		return -1;
	}
	return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	NEXT(pwrite);
	if (fail_fd(OP_WRITE, "pwrite", fd)) {
		errno = fault_errno;
		return -1;
	}
	return real_pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	NEXT(writev);
	if (fail_fd(OP_WRITE, "writev", fd)) {
		errno = fault_errno;
		return -1;
	}
	return real_writev(fd, iov, cnt);
}

/* ---- fsync ---- */

int fsync(int fd)
{
	NEXT(fsync);
	if (fail_fd(OP_FSYNC, "fsync", fd)) {
		errno = fault_errno;
		return -1;
	}
	return real_fsync(fd);
}

int fdatasync(int fd)
{
	NEXT(fdatasync);
	if (fail_fd(OP_FSYNC, "fdatasync", fd)) {
		errno = fault_errno;
		return -1;
	}
	return real_fdatasync(fd);
}

/* ---- fchmod ---- */

int fchmod(int fd, mode_t mode)
{
	NEXT(fchmod);
	if (fail_fd(OP_FCHMOD, "fchmod", fd)) {
		errno = fault_errno;
		return -1;
	}
	return real_fchmod(fd, mode);
}

/* ---- rename ---- */

int rename(const char *from, const char *to)
{
	NEXT(rename);
	if (fail_at(OP_RENAME, "rename", AT_FDCWD, to)) {
		errno = fault_errno;
		return -1;
	}
	return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	NEXT(renameat);
	if (fail_at(OP_RENAME, "renameat", fd2, to)) {
		errno = fault_errno;
		return -1;
	}
	return real_renameat(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
	NEXT(renameat2);
	if (fail_at(OP_RENAME, "renameat2", fd2, to)) {
		errno = fault_errno;
		return -1;
	}
	return real_renameat2(fd1, from, fd2, to, flags);
}

/* ---- unlink, mkdir ---- */

int unlink(const char *path)
{
	NEXT(unlink);
	if (fail_at(OP_UNLINK, "unlink", AT_FDCWD, path)) {
		errno = fault_errno;
		return -1;
	}
	return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	NEXT(unlinkat);
	if (fail_at(OP_UNLINK, flags & AT_REMOVEDIR ? "unlinkat(AT_REMOVEDIR)" : "unlinkat", dirfd, path)) {
		errno = fault_errno;
		return -1;
	}
	return real_unlinkat(dirfd, path, flags);
}

int rmdir(const char *path)
{
	NEXT(rmdir);
	if (fail_at(OP_UNLINK, "rmdir", AT_FDCWD, path)) {
		errno = fault_errno;
		return -1;
	}
	return real_rmdir(path);
}

int mkdir(const char *path, mode_t mode)
{
	NEXT(mkdir);
	if (fail_at(OP_MKDIR, "mkdir", AT_FDCWD, path)) {
		errno = fault_errno;
		return -1;
	}
	return real_mkdir(path, mode);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	NEXT(mkdirat);
	if (fail_at(OP_MKDIR, "mkdirat", dirfd, path)) {
		errno = fault_errno;
		return -1;
	}
	return real_mkdirat(dirfd, path, mode);
}

/* ---- creating opens ---- */

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

#define OPEN_WRAPPER(name, ...)                                                                                        \
	{                                                                                                              \
		va_list ap;                                                                                            \
		va_start(ap, flags);                                                                                   \
		mode_t mode = open_mode(flags, ap);                                                                    \
		va_end(ap);                                                                                            \
		NEXT(name);                                                                                            \
		if ((flags & O_CREAT) && fail_at(OP_OPEN, #name, dirfd, path)) {                                       \
			errno = fault_errno;                                                                           \
			return -1;                                                                                     \
		}                                                                                                      \
		return real_##name(__VA_ARGS__);                                                                       \
	}

int open(const char *path, int flags, ...)
{
	const int dirfd = AT_FDCWD;
	OPEN_WRAPPER(open, path, flags, mode)
}

int open64(const char *path, int flags, ...)
{
	const int dirfd = AT_FDCWD;
	OPEN_WRAPPER(open64, path, flags, mode)
}

int openat(int dirfd, const char *path, int flags, ...) OPEN_WRAPPER(openat, dirfd, path, flags, mode)

int openat64(int dirfd, const char *path, int flags, ...) OPEN_WRAPPER(openat64, dirfd, path, flags, mode)

/* ---- spawn ---- */

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		char *const argv[], char *const envp[])
{
	NEXT(posix_spawn);
	if (fault_op == OP_SPAWN && !busy) {
		long n = atomic_fetch_add(&calls, 1) + 1;
		if (n >= fault_at && (fault_count <= 0 || n < fault_at + fault_count)) {
			log_line("posix_spawn", path, n);
			if (fault_kill)
				syscall(SYS_kill, (long)getpid(), SIGKILL);
			return fault_errno; /* posix_spawn returns the error, errno untouched */
		}
	}
	return real_posix_spawn(pid, path, fa, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		 char *const argv[], char *const envp[])
{
	NEXT(posix_spawnp);
	if (fault_op == OP_SPAWN && !busy) {
		long n = atomic_fetch_add(&calls, 1) + 1;
		if (n >= fault_at && (fault_count <= 0 || n < fault_at + fault_count)) {
			log_line("posix_spawnp", file, n);
			if (fault_kill)
				syscall(SYS_kill, (long)getpid(), SIGKILL);
			return fault_errno;
		}
	}
	return real_posix_spawnp(pid, file, fa, attr, argv, envp);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	NEXT(execve);
	if (fault_op == OP_SPAWN && !busy) {
		long n = atomic_fetch_add(&calls, 1) + 1;
		if (n >= fault_at && (fault_count <= 0 || n < fault_at + fault_count)) {
			log_line("execve", path, n);
			if (fault_kill)
				syscall(SYS_kill, (long)getpid(), SIGKILL);
			errno = fault_errno;
			return -1;
		}
	}
	return real_execve(path, argv, envp);
}

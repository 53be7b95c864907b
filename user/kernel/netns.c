// SPDX-License-Identifier: GPL-2.0-only
/*
 * netns: network namespaces held by bind mounts, the bpffs, and the mount
 * namespace of PID 1. See netns.h.
 *
 * Why mounts are made from a child in the host's mount namespace: xnet may run
 * under `ip netns exec`, whose mount namespace is a private copy that dies with
 * the command. A mount that must outlive us (bpffs, a sandbox's netns bind
 * mount) is therefore made in the mount namespace of PID 1 by a forked child
 * (setns on a multi-threaded process or one sharing its fs_struct would fail,
 * and it would move our root and cwd).
 *
 * Propagation back to us cannot be relied upon: "/" may be private in the
 * host namespace (it is on machines without systemd), so the copy `ip netns
 * exec` made does not receive new mounts. When the mount is not visible in our
 * own namespace afterwards, the child clones it with open_tree(OPEN_TREE_CLONE)
 * while still in the host namespace, returns to ours and attaches the clone
 * with move_mount(): same superblock (pins and namespaces are shared), and the
 * clone of a shared mount joins its peer group, so later mounts under
 * <root>/netns propagate by themselves.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "lib/log.h"
#include "kernel/netns.h"
#include "lib/util.h"

/* The state root goes through PATH_MAX-sized buffers elsewhere; keep the same bound. */
#define NETNS_PATH_MAX 4096

/* What a child running in the host mount namespace knows. */
struct mnt_ctx {
	int orig_fd;	/* our own mount namespace, or -1 when it is the host's */
};

typedef int (*host_fn)(struct mnt_ctx *ctx, void *arg);

static bool same_ns(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The mount namespace of PID 1. Some init processes (microVM agents) cannot
 * be inspected even by root (their permitted capabilities exceed ours); the
 * kernel threads live in the initial mount namespace too, so kthreadd is the
 * fallback.
 */
static int open_host_mntns(void)
{
	int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);
	char comm[32] = "";
	int err = errno;

	if (fd >= 0)
		return fd;
	if (err == EACCES || err == EPERM) {
		FILE *f = fopen("/proc/2/comm", "re");

		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		if (!strcmp(comm, "kthreadd\n")) {
			fd = open("/proc/2/ns/mnt", O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				return fd;
			err = errno;
		}
	}
	log_error("cannot open the mount namespace of PID 1 (/proc/1/ns/mnt): %s", strerror(err));
	return -err;
}

const char *netns__host_proc(void)
{
	static const char *const procs[] = { "/proc/1", "/proc/2" };

	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
		char path[32], comm[32] = "";
		FILE *f;
		int fd;

		if (i) {
			snprintf(path, sizeof(path), "%s/comm", procs[i]);
			f = fopen(path, "re");
			if (!f)
				continue;
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
			if (strcmp(comm, "kthreadd\n"))
				continue;
		}
		snprintf(path, sizeof(path), "%s/root/", procs[i]);
		fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return procs[i];
		}
	}
	return NULL;
}

int netns__join_host_mntns(void)
{
	char cwd[NETNS_PATH_MAX];
	int self, host, err = 0;

	host = open_host_mntns();
	if (host < 0)
		return host;
	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = -errno;
		log_error("cannot open /proc/self/ns/mnt: %s", strerror(-err));
		goto out;
	}
	if (same_ns(self, host))
		goto out;
	if (!getcwd(cwd, sizeof(cwd)))
		cwd[0] = '\0';
	if (setns(host, CLONE_NEWNS)) {
		err = -errno;
		log_error("cannot enter the mount namespace of PID 1: %s", strerror(-err));
		goto out;
	}
	/* setns() moved us to the namespace's root; come back when the path exists there. */
	if (!cwd[0] || chdir(cwd))
		err = chdir("/") ? -errno : 0;
out:
	if (self >= 0)
		close(self);
	close(host);
	return err;
}

/*
 * Run fn in a child inside PID 1's mount namespace and wait for it.
 * The child reports -errno as its exit status; fn logs its own messages.
 */
static int run_in_host_mntns(const char *what, host_fn fn, void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		log_error("%s: fork: %s", what, strerror(err));
		return -err;
	}
	if (pid == 0) {
		struct mnt_ctx ctx = { .orig_fd = -1 };
		int self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
		int host, rc;

		if (self < 0) {
			rc = errno;
			log_error("%s: cannot open /proc/self/ns/mnt: %s", what, strerror(rc));
			_exit(rc);
		}
		host = open_host_mntns();
		if (host < 0)
			_exit(-host);
		if (!same_ns(self, host)) {
			if (setns(host, CLONE_NEWNS)) {
				rc = errno;
				log_error("%s: cannot enter the mount namespace of PID 1: %s",
					  what, strerror(rc));
				_exit(rc);
			}
			ctx.orig_fd = self;
		} else {
			close(self);
		}
		close(host);
		rc = fn(&ctx, arg);
		_exit(rc < 0 ? (-rc > 255 ? EIO : -rc) : 0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			int err = errno;

			log_error("%s: waitpid: %s", what, strerror(err));
			return -err;
		}
	}
	if (WIFEXITED(status))
		return -WEXITSTATUS(status);
	log_error("%s: helper process killed by signal %d", what, WTERMSIG(status));
	return -EIO;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[NETNS_PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (long)sfs.f_type == magic;
}

static bool is_mount_root(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx))
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/*
 * Called in the host mount namespace right after path was mounted there: make
 * the same mount visible in the caller's namespace unless propagation did it.
 * visible(path) says whether the caller's view is already right. Leaves the
 * child in the caller's mount namespace.
 */
static int mirror_to_caller(struct mnt_ctx *ctx, const char *path, bool recursive,
			    bool (*visible)(const char *path))
{
	int tree, err;

	if (ctx->orig_fd < 0)
		return 0;
	tree = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			 (recursive ? AT_RECURSIVE : 0));
	if (tree < 0) {
		err = errno;
		log_error("cannot clone mount %s from the host mount namespace: %s",
			  path, strerror(err));
		return -err;
	}
	if (setns(ctx->orig_fd, CLONE_NEWNS)) {
		err = errno;
		log_error("cannot return to our mount namespace to show %s: %s", path, strerror(err));
		close(tree);
		return -err;
	}
	if (!visible(path) &&
	    move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH)) {
		err = errno;
		log_error("cannot attach mount %s in our mount namespace: %s", path, strerror(err));
		close(tree);
		return -err;
	}
	close(tree);
	return 0;
}

/* ---- bpffs ---- */

static bool is_bpffs(const char *path)
{
	return fs_is(path, BPF_FS_MAGIC);
}

static int do_mount_bpffs(struct mnt_ctx *ctx, void *arg)
{
	const char *dir = arg;
	int err = mkdir_p(dir, 0700);

	if (err) {
		log_error("cannot create bpffs directory %s: %s", dir, strerror(-err));
		return err;
	}
	if (!is_bpffs(dir)) {
		if (mount("bpf", dir, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700")) {
			err = errno;
			log_error("cannot mount bpffs on %s: %s", dir, strerror(err));
			return -err;
		}
		log_info("mounted bpffs on %s", dir);
	}
	return mirror_to_caller(ctx, dir, false, is_bpffs);
}

int netns__mount_bpffs(const char *dir)
{
	/* Fast path: already there (the common case after the first command). */
	if (is_bpffs(dir))
		return 0;
	return run_in_host_mntns(dir, do_mount_bpffs, (void *)dir);
}

/* ---- the directory holding namespace bind mounts ---- */

static int do_prepare_dir(struct mnt_ctx *ctx, void *arg)
{
	const char *dir = arg;
	int err = mkdir_p(dir, 0755);

	if (err) {
		log_error("cannot create directory %s: %s", dir, strerror(-err));
		return err;
	}
	if (!is_mount_root(dir)) {
		if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL)) {
			err = errno;
			log_error("cannot bind mount %s on itself: %s", dir, strerror(err));
			return -err;
		}
		log_info("bind mounted %s on itself", dir);
	}
	/* Idempotent; the point is that every later copy of the namespace follows it. */
	if (mount("none", dir, NULL, MS_SHARED | MS_REC, NULL)) {
		err = errno;
		log_error("cannot make %s a shared mount: %s", dir, strerror(err));
		return -err;
	}
	return mirror_to_caller(ctx, dir, true, is_mount_root);
}

int netns__prepare_dir(const char *dir)
{
	/*
	 * Fast path: a mount root here was made by an earlier call (and made
	 * shared then), or copied from the host namespace that holds it.
	 */
	if (is_mount_root(dir))
		return 0;
	return run_in_host_mntns(dir, do_prepare_dir, (void *)dir);
}

/* ---- network namespaces ---- */

static bool is_nsfs(const char *path)
{
	return fs_is(path, NSFS_MAGIC);
}

bool netns__exists(const char *path)
{
	return is_nsfs(path);
}

/*
 * A fresh namespace as Docker leaves it without --ipv6: IPv6 off (the
 * caller brings lo up, nl__sandbox_link_up). Runs in the new namespace;
 * /proc/sys/net follows the caller's netns.
 */
static int setup_new_netns(const char *path)
{
	static const char *const keys[] = {
		"/proc/sys/net/ipv6/conf/all/disable_ipv6",
		"/proc/sys/net/ipv6/conf/default/disable_ipv6",
	};
	int err;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		err = util__write_proc(keys[i], "1");
		if (err && err != -ENOENT) {	/* ENOENT: kernel without IPv6 */
			log_error("netns %s: cannot write %s: %s", path, keys[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int do_create(struct mnt_ctx *ctx, void *arg)
{
	const char *path = arg;
	bool created = false;
	int fd, err;

	if (is_nsfs(path)) {
		log_error("cannot create netns %s: already held", path);
		return -EEXIST;
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd >= 0) {
		created = true;
		close(fd);
	} else if (errno != EEXIST) {	/* EEXIST: a leftover file from a crash, reuse it */
		err = errno;
		log_error("cannot create netns file %s: %s", path, strerror(err));
		return -err;
	}
	if (unshare(CLONE_NEWNET)) {
		err = errno;
		log_error("cannot create netns %s: unshare: %s", path, strerror(err));
		goto undo_file;
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL)) {
		err = errno;
		log_error("cannot bind mount netns onto %s: %s", path, strerror(err));
		goto undo_file;
	}
	err = -setup_new_netns(path);
	if (err)
		goto undo_mount;
	err = -mirror_to_caller(ctx, path, false, is_nsfs);
	if (err)
		goto undo_mount;
	return 0;

undo_mount:
	/* The child may be in either namespace now; detach in both. */
	umount2(path, MNT_DETACH);
	if (ctx->orig_fd >= 0) {
		int host = open_host_mntns();

		if (host >= 0 && setns(host, CLONE_NEWNS) == 0)
			umount2(path, MNT_DETACH);
		if (host >= 0)
			close(host);
	}
undo_file:
	if (created)
		unlink(path);
	return -err;
}

int netns__create(const char *path)
{
	int err;

	if (strlen(path) >= NETNS_PATH_MAX)
		return -ENAMETOOLONG;
	err = run_in_host_mntns(path, do_create, (void *)path);
	if (!err)
		log_info("created netns %s", path);
	return err;
}

static int umount_all(const char *path)
{
	/* Stacked mounts (a crash between two creates) come off one by one. */
	for (int i = 0; i < 16; i++) {
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW)) {
			if (errno == EINVAL || errno == ENOENT)
				return 0;
			return -errno;
		}
	}
	return 0;
}

static int do_umount(struct mnt_ctx *ctx, void *arg)
{
	const char *path = arg;
	int err;

	(void)ctx;
	err = umount_all(path);
	if (err)
		log_error("cannot unmount %s: %s", path, strerror(-err));
	return err;
}

static int do_delete(struct mnt_ctx *ctx, void *arg)
{
	const char *path = arg;
	int err = do_umount(ctx, arg);

	if (err)
		return err;
	if (unlink(path) && errno != ENOENT) {
		err = errno;
		log_error("cannot remove netns file %s: %s", path, strerror(err));
		return -err;
	}
	return 0;
}

/*
 * Unmount path in our own mount namespace (it may have been attached here
 * rather than propagated), then run fn on it in the host's. Missing = 0.
 */
static int unmount_everywhere(const char *path, int (*fn)(struct mnt_ctx *, void *), const char *done)
{
	struct stat st;
	int err;

	if (lstat(path, &st) && errno == ENOENT)
		return 0;
	err = do_umount(NULL, (void *)path);
	if (err)
		return err;
	err = run_in_host_mntns(path, fn, (void *)path);
	if (!err)
		log_info("%s %s", done, path);
	return err;
}

int netns__umount(const char *path)
{
	return unmount_everywhere(path, do_umount, "unmounted");
}

int netns__delete(const char *path)
{
	return unmount_everywhere(path, do_delete, "deleted netns");
}

int netns__enter(const char *path, int *saved)
{
	int self, fd, err;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err = errno;
		log_error("cannot open /proc/thread-self/ns/net: %s", strerror(err));
		return -err;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		log_error("cannot open netns %s: %s", path, strerror(err));
		close(self);
		return -err;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		log_error("cannot enter netns %s: %s", path,
			  err == EINVAL ? "not a network namespace" : strerror(err));
		close(fd);
		close(self);
		return -err;
	}
	close(fd);
	*saved = self;
	return 0;
}

int netns__leave(int saved)
{
	int err = 0;

	if (saved < 0)
		return 0;
	if (setns(saved, CLONE_NEWNET)) {
		err = -errno;
		log_error("cannot return to the original netns: %s", strerror(-err));
	}
	close(saved);
	return err;
}

int netns__sysctl(const char *path, const char *key, const char *value)
{
	char file[512];
	int saved, err, lerr;

	if (snprintf(file, sizeof(file), "/proc/sys/%s", key) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	/* "net.ipv4.ip_forward" style only when there is no slash (ifnames may hold dots). */
	if (!strchr(key, '/'))
		for (char *p = file + sizeof("/proc/sys/") - 1; *p; p++)
			if (*p == '.')
				*p = '/';
	err = netns__enter(path, &saved);
	if (err)
		return err;
	err = util__write_proc(file, value);
	lerr = netns__leave(saved);
	if (err)
		log_error("netns %s: cannot set %s=%s: %s", path, key, value, strerror(-err));
	else
		log_info("netns %s: set %s=%s", path, key, value);
	return err ? err : lerr;
}

/* ---- cgroup v2 ---- */

/*
 * An fd on the root of the cgroup v2 hierarchy, for attaching cgroup BPF
 * programs to every process. Where cgroup2 is mounted (/sys/fs/cgroup on a
 * unified host, .../unified on a hybrid one) that mount is used; on a host
 * with cgroup v1 only, or under `ip netns exec` (a fresh /sys without it),
 * a detached mount is made with the new mount API: it is attached nowhere,
 * so nothing is left behind, and the hierarchy it shows is the same one.
 */
int netns__cgroup2_root_fd(void)
{
	static const char *const where[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };
	int fs, mnt, fd, err;

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
		if (fs_is(where[i], CGROUP2_SUPER_MAGIC)) {
			fd = open(where[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd >= 0)
				return fd;
		}
	fs = fsopen("cgroup2", FSOPEN_CLOEXEC);
	if (fs < 0) {
		err = -errno;
		log_error("cannot open a cgroup2 filesystem: %s", strerror(-err));
		return err;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		err = -errno;
		log_error("cannot create a cgroup2 mount: %s", strerror(-err));
		close(fs);
		return err;
	}
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
	err = mnt < 0 ? -errno : 0;
	close(fs);
	if (err) {
		log_error("cannot mount cgroup2: %s", strerror(-err));
		return err;
	}
	/* The mount fd is an O_PATH one; the BPF attach needs a real open. */
	fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(mnt);
	if (err)
		log_error("cannot open the cgroup2 root: %s", strerror(-err));
	return err ?: fd;
}

/*
 * The identity of a network namespace that outlives it: an nsfs file handle
 * (kernel 6.18+), which names the namespace by its 64-bit id, never reused.
 * open_by_handle_at() opens the namespace while it lives and answers ESTALE
 * once it is gone, wherever it was held (a process, a bind mount in any
 * mount namespace, an open fd): the kernel's own answer, not a search.
 */
int netns__self_id(uint64_t id[NETNS_ID_WORDS])
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int fd, mnt, err = 0;

	memset(id, 0, sizeof(uint64_t) * NETNS_ID_WORDS);
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (name_to_handle_at(fd, "", &h.fh, &mnt, AT_EMPTY_PATH))
		err = -errno;
	else if (h.fh.handle_bytes > sizeof(uint64_t) * (NETNS_ID_WORDS - 1))
		err = -EOVERFLOW;
	close(fd);
	if (err)
		return err;
	id[0] = (uint64_t)(uint32_t)h.fh.handle_type | (uint64_t)h.fh.handle_bytes << 32;
	memcpy(&id[1], h.fh.f_handle, h.fh.handle_bytes);
	return 0;
}

int netns__id_alive(const uint64_t id[NETNS_ID_WORDS])
{
	struct {
		struct file_handle fh;
		unsigned char bytes[sizeof(uint64_t) * (NETNS_ID_WORDS - 1)];
	} h;
	int mnt, fd, err;

	h.fh.handle_type = (int)(uint32_t)id[0];
	h.fh.handle_bytes = (unsigned int)(id[0] >> 32);
	if (!h.fh.handle_bytes || h.fh.handle_bytes > sizeof(h.bytes))
		return -EINVAL;
	memcpy(h.fh.f_handle, &id[1], h.fh.handle_bytes);
	/* Any file of nsfs names the filesystem the handle belongs to. */
	mnt = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (mnt < 0)
		return -errno;
	fd = open_by_handle_at(mnt, &h.fh, O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	close(mnt);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return err == ESTALE ? 0 : -err;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath loader: opens, loads and pins the embedded BPF objects. The only
 * file that includes the skeletons (the second build of the Makefile's
 * xnet-alt rule compiles this file alone against other skeletons).
 *
 * The normal command path (dp__open on pinned objects of the same build)
 * only does bpf_obj_get on the pins. A new build (different embedded ELF)
 * is loaded with the maps reused through their pins, the programs are
 * re-pinned atomically (pin under a temporary name, rename over), and the
 * caller is told to re-attach. A map whose layout changed cannot be reused:
 * the ABI maps then fail with a message saying what to do, the derived array
 * caches are simply recreated and refilled.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

#include "datapath/internal.h"
#include "lib/log.h"
#include "lxc.skel.h"
#include "gateway.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#include "sock.skel.h"

/* The embedded BPF objects (skeleton ELF bytes), loaded in this order: the first creates the maps. */
struct dp_object {
	const char *name;
	const void *(*elf)(size_t *sz);
};

static const struct dp_object dp_objects[] = {
	{ "lxc", lxc__elf_bytes },
	{ "gateway", gateway__elf_bytes },
	{ "uplink", uplink__elf_bytes },
	{ "uplink_xdp", uplink_xdp__elf_bytes },
	{ "sock", sock__elf_bytes },
};

#define DP_NOBJECTS	(sizeof(dp_objects) / sizeof(dp_objects[0]))

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)level;
	/* libbpf's own messages are debug detail: our callers log the failure that matters. */
	if (log__level() > LOG_LVL_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_debug("%s", buf);	/* libbpf prefixes its own "libbpf: " */
	return 0;
}

/* Derived maps: rebuilt from the ABI maps (and the devices), so a changed layout is simply recreated. */
static bool is_cache_map(const char *name)
{
	return !strcmp(name, map_names[M_IFCACHE]) || !strcmp(name, map_names[M_MACCACHE]) ||
	       !strcmp(name, map_names[M_IPCACHE]) || !strcmp(name, XNET_XDP_TX_MAP) ||
	       !strcmp(name, "xnet_dns_buf");	/* per-CPU scratch of lib/dns.h: holds nothing between packets */
}

__u64 dp_build_hash(void)
{
	__u64 h = FNV_SEED;

	for (size_t i = 0; i < DP_NOBJECTS; i++) {
		size_t sz;
		const void *elf = dp_objects[i].elf(&sz);

		h = dp_fnv(h, elf, sz);
	}
	return h;
}

void dp_close_fds(struct xnet_dp *dp)
{
	for (int i = 0; i < M_MAX; i++) {
		if (dp->map_fd[i] >= 0)
			close(dp->map_fd[i]);
		dp->map_fd[i] = -1;
	}
	for (int i = 0; i < P_MAX; i++) {
		if (dp->prog_fd[i] >= 0)
			close(dp->prog_fd[i]);
		dp->prog_fd[i] = -1;
	}
	if (dp->meta_fd >= 0)
		close(dp->meta_fd);
	dp->meta_fd = -1;
}

__u32 dp_prog_id(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * The fast path: everything pinned by this very build (any build with
 * any_build). -ESTALE when the build differs, -ENOENT when something is not
 * pinned (yet).
 */
int dp_open_pinned(struct xnet_dp *dp, __u64 build, bool any_build)
{
	char path[PATH_MAX + 32];
	__u64 pinned = 0;

	dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, META_NAME);
	dp->meta_fd = bpf_obj_get(path);
	if (dp->meta_fd < 0)
		goto fail;
	if (map_meta_get(dp->meta_fd, META_BUILD, &pinned) || (pinned != build && !any_build)) {
		dp_close_fds(dp);
		return -ESTALE;
	}
	for (int i = 0; i < M_MAX; i++) {
		dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, map_names[i]);
		dp->map_fd[i] = bpf_obj_get(path);
		if (dp->map_fd[i] < 0)
			goto fail;
	}
	for (int i = 0; i < P_MAX; i++) {
		dp_path(dp, path, sizeof(path), XNET_PIN_PROGS_DIR, dp_prog_names[i]);
		dp->prog_fd[i] = bpf_obj_get(path);
		if (dp->prog_fd[i] < 0)
			goto fail;
		dp->prog_id[i] = dp_prog_id(dp->prog_fd[i]);
	}
	return 0;
fail:
	log_debug("datapath: %s not usable: %s", path, strerror(errno));
	dp_close_fds(dp);
	return -ENOENT;
}

/*
 * Before loading a new build over pinned maps: every pinned map must have
 * the layout this build expects. Caches are derived data, so a changed
 * cache is unpinned and recreated; a changed ABI map is an error.
 */
static int dp_check_pins(struct xnet_dp *dp, struct bpf_object *obj, int meta_fd)
{
	char path[PATH_MAX + 32];
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		__u64 want = map_signature(bpf_object__btf(obj), map), have = 0;
		char why[160] = "";
		int fd;

		if (bpf_map__is_internal(map))
			continue;
		dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* created by this load */
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			snprintf(why, sizeof(why), "cannot read its info: %s", strerror(errno));
		} else if (info.type != bpf_map__type(map)) {
			snprintf(why, sizeof(why), "type %u, this build needs %u", info.type, bpf_map__type(map));
		} else if (info.key_size != bpf_map__key_size(map)) {
			snprintf(why, sizeof(why), "key size %u, this build needs %u",
				 info.key_size, bpf_map__key_size(map));
		} else if (info.value_size != bpf_map__value_size(map)) {
			snprintf(why, sizeof(why), "value size %u, this build needs %u",
				 info.value_size, bpf_map__value_size(map));
		} else if (info.max_entries != bpf_map__max_entries(map)) {
			snprintf(why, sizeof(why), "%u entries, this build needs %u",
				 info.max_entries, bpf_map__max_entries(map));
		} else if (info.map_flags != bpf_map__map_flags(map)) {
			snprintf(why, sizeof(why), "flags %#x, this build needs %#x",
				 info.map_flags, bpf_map__map_flags(map));
		} else if (meta_fd >= 0 && !map_meta_get(meta_fd, name, &have) && have != want) {
			snprintf(why, sizeof(why), "its key/value layout differs from this build's");
		}
		close(fd);
		if (!why[0])
			continue;
		if (is_cache_map(name)) {
			log_info("datapath: cache map %s changed (%s): recreating it", name, why);
			if (unlink(path) && errno != ENOENT) {
				log_error("cannot remove stale cache map %s: %s", path, strerror(errno));
				return -errno;
			}
			continue;
		}
		log_error("pinned BPF map %s does not match this build of xnet (%s): the map ABI "
			  "changed incompatibly and its entries cannot be carried over. Remove the "
			  "pinned maps (rm -r %s/%s) and run any xnet command to rebuild them from "
			  "the store", path, why, dp->dir, XNET_PIN_MAPS_DIR);
		return -EINVAL;
	}
	return 0;
}

static int set_pin_paths(struct xnet_dp *dp, struct bpf_object *obj)
{
	char path[PATH_MAX + 32];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		if (bpf_map__is_internal(map))
			continue;
		dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

/* Pin under a temporary name and rename over: readers always find a program. */
static int pin_replace(struct xnet_dp *dp, struct bpf_program *prog)
{
	char path[PATH_MAX + 32], tmp[PATH_MAX + 48];
	const char *name = bpf_program__name(prog);

	dp_path(dp, path, sizeof(path), XNET_PIN_PROGS_DIR, name);
	/* bpffs refuses names with a dot. */
	snprintf(tmp, sizeof(tmp), "%s/%s/%s__new", dp->dir, XNET_PIN_PROGS_DIR, name);
	unlink(tmp);
	if (bpf_obj_pin(bpf_program__fd(prog), tmp)) {
		log_error("cannot pin BPF program %s at %s: %s", name, tmp, strerror(errno));
		return -errno;
	}
	if (rename(tmp, path)) {
		int err = -errno;

		log_error("cannot move pinned BPF program %s to %s: %s", name, path, strerror(-err));
		unlink(tmp);
		return err;
	}
	return 0;
}

static int meta_open_or_create(struct xnet_dp *dp)
{
	char path[PATH_MAX + 32];
	int fd;

	dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, META_NAME);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, META_NAME, META_KEY_LEN, sizeof(__u64), 64, NULL);
	if (fd < 0) {
		log_error("cannot create BPF map %s: %s", META_NAME, strerror(errno));
		return -errno;
	}
	if (bpf_obj_pin(fd, path)) {
		int err = -errno;

		log_error("cannot pin BPF map %s at %s: %s", META_NAME, path, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

int dp_mkdir(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * One build of the programs, loaded over the pinned maps but not pinned
 * yet: dp_reload() pins it at once, dp__reload() swaps every attachment to
 * it first and pins it only when that worked.
 */
struct dp_build {
	struct bpf_object *objs[DP_NOBJECTS];
	/*
	 * Map signatures from each object's own BTF, taken before load: a
	 * reused map takes the kernel's name (15 characters) and BTF type ids
	 * (the creating object's, which mean other types here) on load.
	 */
	struct { char name[META_KEY_LEN]; __u64 sig; } sigs[DP_NOBJECTS * 64];
	size_t nsigs;
};

void dp_build_close(struct dp_build *b)
{
	for (size_t i = 0; i < DP_NOBJECTS; i++)
		bpf_object__close(b->objs[i]);
	free(b);
}

/* Load every object over the pinned maps (the verifier runs here); nothing is pinned but new maps. */
int dp_build_load(struct xnet_dp *dp, struct dp_build **out)
{
	struct dp_build *b = calloc(1, sizeof(*b));
	char path[PATH_MAX + 32];
	struct bpf_map *map;
	int meta_fd, err;
	size_t i;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%s", dp->dir, XNET_PIN_MAPS_DIR);
	err = dp_mkdir(path);
	snprintf(path, sizeof(path), "%s/%s", dp->dir, XNET_PIN_PROGS_DIR);
	err = err ?: dp_mkdir(path);
	if (err)
		goto out;
	dp_path(dp, path, sizeof(path), XNET_PIN_MAPS_DIR, META_NAME);
	meta_fd = bpf_obj_get(path);

	/* Open: nothing in the kernel yet. Every map pinned by name, so all objects share one set. */
	for (i = 0; i < DP_NOBJECTS; i++) {
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = dp_objects[i].name);
		size_t sz;
		const void *elf = dp_objects[i].elf(&sz);

		b->objs[i] = bpf_object__open_mem(elf, sz, &opts);
		if (!b->objs[i]) {
			err = -errno ?: -ENOMEM;
			log_error("cannot open the embedded BPF object %s: %s", dp_objects[i].name,
				  strerror(-err));
			break;
		}
		err = dp_check_pins(dp, b->objs[i], meta_fd);
		err = err ?: set_pin_paths(dp, b->objs[i]);
		if (err)
			break;
		bpf_object__for_each_map(map, b->objs[i]) {
			if (bpf_map__is_internal(map) || b->nsigs == sizeof(b->sigs) / sizeof(b->sigs[0]))
				continue;
			snprintf(b->sigs[b->nsigs].name, sizeof(b->sigs[b->nsigs].name), "%.*s",
				 META_KEY_LEN - 1, bpf_map__name(map));
			b->sigs[b->nsigs++].sig = map_signature(bpf_object__btf(b->objs[i]), map);
		}
	}
	if (meta_fd >= 0)
		close(meta_fd);
	/* Load: the first object creates (or reuses) and pins the maps, the others reuse them. */
	for (i = 0; !err && i < DP_NOBJECTS; i++) {
		err = bpf_object__load(b->objs[i]);
		if (err)
			log_error("cannot load BPF object %s (run with --log-level debug for the verifier "
				  "log): %s", dp_objects[i].name, strerror(-err));
	}
out:
	if (err) {
		dp_build_close(b);
		return err;
	}
	*out = b;
	return 0;
}

/* This build's program called name, -1 when it has none. */
int dp_build_prog_fd(const struct dp_build *b, const char *name)
{
	for (size_t i = 0; i < DP_NOBJECTS; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(b->objs[i], name);

		if (prog)
			return bpf_program__fd(prog);
	}
	return -1;
}

/* Pin the programs of a loaded build over the old ones and record it as the build in force. */
int dp_build_pin(struct xnet_dp *dp, struct dp_build *b, __u64 build)
{
	struct bpf_program *prog;
	int meta_fd, err = 0;

	for (size_t i = 0; i < DP_NOBJECTS; i++) {
		bpf_object__for_each_program(prog, b->objs[i]) {
			err = pin_replace(dp, prog);
			if (err)
				return err;
		}
	}
	/* Record the build last: a crash before this point means "reload again". */
	meta_fd = meta_open_or_create(dp);
	if (meta_fd < 0)
		return meta_fd;
	for (size_t i = 0; i < b->nsigs; i++)
		err = err ?: map_meta_set(meta_fd, b->sigs[i].name, b->sigs[i].sig);
	err = err ?: map_meta_set(meta_fd, META_BUILD, build);
	close(meta_fd);
	if (err)
		log_error("cannot record the datapath build in %s: %s", META_NAME, strerror(-err));
	else
		log_info("loaded %zu BPF objects (build %016llx), pinned under %s", DP_NOBJECTS,
			 (unsigned long long)build, dp->dir);
	return err;
}

/* Load every object over the pinned maps, pin the programs, record the build. */
static int dp_reload(struct xnet_dp *dp, __u64 build)
{
	struct dp_build *b;
	int err = dp_build_load(dp, &b);

	if (err)
		return err;
	err = dp_build_pin(dp, b, build);
	dp_build_close(b);
	return err;
}

static struct xnet_dp *dp_alloc(const char *bpf_dir)
{
	struct xnet_dp *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	for (int i = 0; i < M_MAX; i++)
		dp->map_fd[i] = -1;
	for (int i = 0; i < P_MAX; i++)
		dp->prog_fd[i] = -1;
	dp->meta_fd = -1;
	snprintf(dp->dir, sizeof(dp->dir), "%s", bpf_dir);
	return dp;
}

int dp__open(struct xnet_dp **dpp, const char *bpf_dir, bool *reloaded)
{
	struct statfs fs;
	struct xnet_dp *dp;
	__u64 build;
	int err, lock_fd;

	*dpp = NULL;
	if (reloaded)
		*reloaded = false;
	libbpf_set_print(libbpf_log);
	dp = dp_alloc(bpf_dir);
	if (!dp)
		return -ENOMEM;

	build = dp_build_hash();
	err = dp_open_pinned(dp, build, false);
	if (!err)
		goto done;

	/* Slow path, serialized: another xnet may be reloading the same root right now. */
	if (statfs(bpf_dir, &fs)) {
		err = -errno;
		log_error("cannot use the BPF directory %s: %s", bpf_dir, strerror(-err));
		goto fail;
	}
	if (fs.f_type != BPF_FS_MAGIC) {
		err = -EINVAL;
		log_error("%s is not a bpffs mount: the BPF datapath cannot be pinned there "
			  "(mount -t bpf bpf %s)", bpf_dir, bpf_dir);
		goto fail;
	}
	lock_fd = open(bpf_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock_fd < 0) {
		err = -errno;
		log_error("cannot open the BPF directory %s: %s", bpf_dir, strerror(-err));
		goto fail;
	}
	flock(lock_fd, LOCK_EX);
	err = dp_open_pinned(dp, build, false);	/* it may have done our work */
	if (err) {
		log_info("datapath under %s: %s, loading the BPF programs", bpf_dir,
			 err == -ESTALE ? "pinned programs are from another build" : "nothing pinned yet");
		err = dp_reload(dp, build);
		err = err ?: dp_open_pinned(dp, build, false);
		err = err ?: dp_cache_rebuild(dp);
		if (!err && reloaded)
			*reloaded = true;
	}
	flock(lock_fd, LOCK_UN);
	close(lock_fd);
	if (err)
		goto fail;
done:
	*dpp = dp;
	return 0;
fail:
	dp_close_fds(dp);
	free(dp);
	return err;
}

void dp__close(struct xnet_dp *dp)
{
	if (!dp)
		return;
	dp_close_fds(dp);
	free(dp);
}

int dp__open_as_pinned(struct xnet_dp **dpp, const char *bpf_dir)
{
	struct xnet_dp *dp;
	int err;

	*dpp = NULL;
	libbpf_set_print(libbpf_log);
	dp = dp_alloc(bpf_dir);
	if (!dp)
		return -ENOMEM;
	err = dp_open_pinned(dp, 0, true);
	if (err) {
		free(dp);
		return err;
	}
	*dpp = dp;
	return 0;
}

/* ------------------------------------------------------------ unpin */

/*
 * Unlink every entry of bpf_dir/sub (pins, and the temporary names of an
 * interrupted rename) but keep, then sub itself when it is empty. How many
 * went, or -errno.
 */
static int unpin_dir(const char *bpf_dir, const char *sub, const char *keep)
{
	char path[PATH_MAX + 300];
	struct dirent *de;
	int err = 0, n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", bpf_dir, sub);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (keep && !strcmp(de->d_name, keep)))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", bpf_dir, sub, de->d_name);
		if (!unlink(path))
			n++;
		else if (errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (!keep) {
		snprintf(path, sizeof(path), "%s/%s", bpf_dir, sub);
		if (rmdir(path) && errno != ENOENT)
			err = err ?: -errno;
	}
	return err ?: n;
}

int dp__unpin_all(const char *bpf_dir)
{
	int links = unpin_dir(bpf_dir, LINKS_DIR, NULL);
	int progs = unpin_dir(bpf_dir, XNET_PIN_PROGS_DIR, NULL);
	/* xnet_meta stays: the root's next command learns from it that its namespace is gone. */
	int maps = unpin_dir(bpf_dir, XNET_PIN_MAPS_DIR, META_NAME);
	int err = links < 0 ? links : progs < 0 ? progs : maps < 0 ? maps : 0;

	if (err) {
		log_error("cannot remove the pins under %s: %s", bpf_dir, strerror(-err));
		return err;
	}
	return links + progs + maps;
}

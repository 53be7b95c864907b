// SPDX-License-Identifier: GPL-2.0-only
/*
 * verifier_stats: what the verifier spends on each production program.
 *
 *	build/verifier_stats --write DIR     DIR/verifier.json and DIR/verifier.md
 *	build/verifier_stats --check FILE    compare with FILE (make test)
 *
 * Every program of every production object (the skeletons build/xnet
 * embeds) is loaded with BPF_LOG_STATS; the verifier's last line,
 * "processed N insns (limit 1000000) max_states_per_insn N total_states N
 * peak_states N mark_read N", gives the figures, and bpf_prog_info's
 * verified_insns must agree with N.
 *
 * --check fails a program that passes 50% of the verifier's limit of 1M
 * processed instructions, or grew more than 20% over the figure in FILE
 * (the committed bench/results/verifier.json), or is missing from FILE.
 * It prints one line a program and "N passed, N failed" (selftests/run.sh
 * counts them like a unit-test binary).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "lxc.skel.h"
#include "gateway.skel.h"
#include "uplink.skel.h"
#include "uplink_xdp.skel.h"
#include "sock.skel.h"

#define VERIFIER_LIMIT	1000000
#define CHECK_MAX_PCT	50	/* of VERIFIER_LIMIT */
#define CHECK_GROWTH	20	/* percent over the committed figure */
#define LOG_SIZE	(1 << 16)
#define MAX_PROGS	32

struct stat_row {
	char object[32], program[64], section[64];
	long long insns, verified, max_states, total_states, peak_states;
};

static struct stat_row rows[MAX_PROGS];
static int nrows;

/* The skeletons' embedded objects, opened as bpf_objects. */
static struct bpf_object *open_obj(const char *name)
{
	if (!strcmp(name, "lxc")) {
		struct lxc *s = lxc__open();

		return s ? s->obj : NULL;
	}
	if (!strcmp(name, "gateway")) {
		struct gateway *s = gateway__open();

		return s ? s->obj : NULL;
	}
	if (!strcmp(name, "uplink")) {
		struct uplink *s = uplink__open();

		return s ? s->obj : NULL;
	}
	if (!strcmp(name, "uplink_xdp")) {
		struct uplink_xdp *s = uplink_xdp__open();

		return s ? s->obj : NULL;
	}
	if (!strcmp(name, "sock")) {
		struct sock *s = sock__open();

		return s ? s->obj : NULL;
	}
	return NULL;
}

static long long field(const char *log, const char *key)
{
	const char *p = strstr(log, key);

	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static int measure(const char *name)
{
	static char logs[MAX_PROGS][LOG_SIZE];
	struct bpf_object *obj = open_obj(name);
	struct bpf_program *prog;
	int first = nrows, err;

	if (!obj) {
		fprintf(stderr, "verifier_stats: cannot open object %s: %s\n", name, strerror(errno));
		return -ENOENT;
	}
	bpf_object__for_each_program(prog, obj) {
		if (nrows == MAX_PROGS)
			return -E2BIG;
		logs[nrows][0] = 0;
		bpf_program__set_log_level(prog, 4);	/* BPF_LOG_STATS */
		bpf_program__set_log_buf(prog, logs[nrows], LOG_SIZE);
		snprintf(rows[nrows].object, sizeof(rows[nrows].object), "%s", name);
		snprintf(rows[nrows].program, sizeof(rows[nrows].program), "%s", bpf_program__name(prog));
		snprintf(rows[nrows].section, sizeof(rows[nrows].section), "%s", bpf_program__section_name(prog));
		nrows++;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "verifier_stats: loading %s: %s\n", name, strerror(-err));
		return err;
	}
	for (int i = first; i < nrows; i++) {
		struct stat_row *r = &rows[i];
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		prog = bpf_object__find_program_by_name(obj, r->program);
		r->insns = field(logs[i], "processed ");
		r->max_states = field(logs[i], "max_states_per_insn ");
		r->total_states = field(logs[i], "total_states ");
		r->peak_states = field(logs[i], "peak_states ");
		r->verified = -1;
		if (prog && !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			r->verified = info.verified_insns;
		if (r->insns < 0 || r->total_states < 0) {
			fprintf(stderr, "verifier_stats: %s/%s: no statistics in the verifier log:\n%s\n", name,
				r->program, logs[i]);
			return -EINVAL;
		}
		if (r->verified >= 0 && r->verified != r->insns) {
			fprintf(stderr, "verifier_stats: %s/%s: log says %lld insns, prog_info %lld\n", name,
				r->program, r->insns, r->verified);
			return -EINVAL;
		}
	}
	bpf_object__close(obj);
	return 0;
}

static int write_results(const char *dir)
{
	char path[512];
	struct utsname u;
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	FILE *md;

	uname(&u);
	json_object_object_add(root, "kernel", json_object_new_string(u.release));
	json_object_object_add(root, "limit", json_object_new_int(VERIFIER_LIMIT));
	for (int i = 0; i < nrows; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "object", json_object_new_string(rows[i].object));
		json_object_object_add(o, "program", json_object_new_string(rows[i].program));
		json_object_object_add(o, "section", json_object_new_string(rows[i].section));
		json_object_object_add(o, "insns_processed", json_object_new_int64(rows[i].insns));
		json_object_object_add(o, "total_states", json_object_new_int64(rows[i].total_states));
		json_object_object_add(o, "peak_states", json_object_new_int64(rows[i].peak_states));
		json_object_object_add(o, "max_states_per_insn", json_object_new_int64(rows[i].max_states));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "programs", arr);
	snprintf(path, sizeof(path), "%s/verifier.json", dir);
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED)) {
		fprintf(stderr, "verifier_stats: writing %s: %s\n", path, json_util_get_last_err());
		json_object_put(root);
		return -EIO;
	}
	json_object_put(root);

	snprintf(path, sizeof(path), "%s/verifier.md", dir);
	md = fopen(path, "w");
	if (!md) {
		fprintf(stderr, "verifier_stats: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(md, "## Verifier cost per program\n\n"
		"What the verifier processed to load each production program (`make verifier-stats`, "
		"kernel %s, log level BPF_LOG_STATS; insns agree with bpf_prog_info.verified_insns). "
		"`make test` fails a program over %d%% of the %d-instruction limit or more than %d%% over "
		"this table (bench/results/verifier.json).\n\n", u.release, CHECK_MAX_PCT, VERIFIER_LIMIT,
		CHECK_GROWTH);
	fprintf(md, "| object | program | section | insns processed | %% of 1M limit | total_states | "
		"peak_states | max_states_per_insn |\n|---|---|---|---:|---:|---:|---:|---:|\n");
	for (int i = 0; i < nrows; i++)
		fprintf(md, "| %s | %s | %s | %lld | %.1f%% | %lld | %lld | %lld |\n", rows[i].object,
			rows[i].program, rows[i].section, rows[i].insns, 100.0 * rows[i].insns / VERIFIER_LIMIT,
			rows[i].total_states, rows[i].peak_states, rows[i].max_states);
	fclose(md);
	printf("verifier_stats: %d programs written to %s/verifier.{json,md}\n", nrows, dir);
	return 0;
}

static long long committed(json_object *progs, const struct stat_row *r)
{
	for (size_t i = 0; i < json_object_array_length(progs); i++) {
		json_object *o = json_object_array_get_idx(progs, i), *v;

		if (json_object_object_get_ex(o, "object", &v) && !strcmp(json_object_get_string(v), r->object) &&
		    json_object_object_get_ex(o, "program", &v) && !strcmp(json_object_get_string(v), r->program) &&
		    json_object_object_get_ex(o, "insns_processed", &v))
			return json_object_get_int64(v);
	}
	return -1;
}

static int check(const char *file)
{
	json_object *root = json_object_from_file(file), *progs;
	int pass = 0, fail = 0;

	if (!root || !json_object_object_get_ex(root, "programs", &progs) ||
	    !json_object_is_type(progs, json_type_array)) {
		char why[256];

		snprintf(why, sizeof(why), "%s", root ? "no \"programs\" array" : json_util_get_last_err() ?: "?");
		why[strcspn(why, "\n")] = 0;
		fprintf(stderr, "verifier_stats: %s: not a verifier.json (%s); run make verifier-stats\n", file, why);
		json_object_put(root);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (int i = 0; i < nrows; i++) {
		const struct stat_row *r = &rows[i];
		long long was = committed(progs, r);
		const char *why = NULL;

		if (r->insns * 100 > (long long)VERIFIER_LIMIT * CHECK_MAX_PCT)
			why = "over half of the verifier's 1M-instruction limit";
		else if (was < 0)
			why = "not in the committed figures: run make verifier-stats and commit bench/results/verifier.*";
		else if (r->insns * 100 > was * (100 + CHECK_GROWTH))
			why = "grew more than 20% over the committed figure";
		printf("%s verifier/%s/%s: %lld insns processed (%.1f%% of the limit), committed ", why ? "FAIL" : "PASS",
		       r->object, r->program, r->insns, 100.0 * r->insns / VERIFIER_LIMIT);
		if (was < 0)
			printf("none");
		else
			printf("%lld", was);
		printf(", %lld states\n", r->total_states);
		if (why) {
			printf("  %s\n", why);
			fail++;
		} else {
			pass++;
		}
	}
	json_object_put(root);
	printf("%d passed, %d failed\n", pass, fail);
	return fail ? 1 : 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	static const char *const objects[] = { "lxc", "gateway", "uplink", "uplink_xdp", "sock" };

	if (argc != 3 || (strcmp(argv[1], "--write") && strcmp(argv[1], "--check"))) {
		fprintf(stderr, "usage: %s --write DIR | --check FILE\n", argv[0]);
		return 2;
	}
	libbpf_set_print(quiet);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (measure(objects[i])) {
			if (!strcmp(argv[1], "--check"))
				printf("0 passed, 1 failed\n");
			return 1;
		}
	return !strcmp(argv[1], "--write") ? (write_results(argv[2]) ? 1 : 0) : check(argv[2]);
}

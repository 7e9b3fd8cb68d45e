// SPDX-License-Identifier: Apache-2.0
/*
 * A minimal bpfconform adapter over libbpf (docs/writing-an-adapter.md): the protocol's
 * required part only (hello; run with pin_root, data_in, repeat; bye/EOF), in one file.
 * Build: cc -O2 -o minimal-libbpf minimal-libbpf.c -lbpf -ljansson
 * Check: bpfconform adapter-check --adapter-command "minimal=./minimal-libbpf"
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, ap); /* logs go to stderr */
}

/* even-length hex only: anything else is a bad request, never zeroed data */
static int is_hex(const char *s)
{
	size_t n = strlen(s);

	while (*s && isxdigit((unsigned char)*s))
		s++;
	return !*s && n % 2 == 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A failed reply: the phase that failed, libbpf's errno, and who is to blame. */
static json_t *failure(json_t *reply, const char *phase, int err, const char *kind,
		       const char *what)
{
	json_object_set_new(reply, "phase", json_string(phase));
	json_object_set_new(reply, "errno", err ? json_integer(err) : json_null());
	json_object_set_new(reply, "error_kind", json_string(kind));
	json_object_set_new(reply, "error", json_string(what));
	return reply;
}

static json_t *run(json_t *req)
{
	json_t *reply = json_object(), *ns = json_object();
	const char *elf = json_string_value(json_object_get(req, "elf"));
	const char *prog_name = json_string_value(json_object_get(req, "program"));
	const char *pin_root = json_string_value(json_object_get(req, "pin_root"));
	const char *hex = json_string_value(json_object_get(req, "data_in"));
	json_t *skip = json_object_get(req, "skip");
	unsigned char data[4096];
	size_t len = 0;
	struct bpf_object *obj;
	struct bpf_program *prog;
	char msg[512];
	long long t;
	int err;

	json_object_set(reply, "id", json_object_get(req, "id"));
	json_object_set_new(reply, "ns", ns);
	if (!elf || !prog_name || !hex || !is_hex(hex) || strlen(hex) / 2 > sizeof(data))
		return failure(reply, "open", 0, "internal", "bad request: elf, program, data_in");
	if (json_array_size(skip))
		return failure(reply, "open", 0, "internal", "bad request: skip not supported");
	for (; hex[2 * len] && hex[2 * len + 1]; len++)
		sscanf(hex + 2 * len, "%2hhx", &data[len]);

	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_root);
	t = now_ns();
	obj = bpf_object__open_file(elf, &open_opts);
	json_object_set_new(ns, "open", json_integer(now_ns() - t));
	if (!obj) {
		err = errno;
		snprintf(msg, sizeof(msg), "bpf_object__open_file(%s): %s", elf, strerror(err));
		return failure(reply, "open", err, "refused", msg);
	}
	t = now_ns();
	err = -bpf_object__load(obj);
	json_object_set_new(ns, "load", json_integer(now_ns() - t));
	if (err) {
		snprintf(msg, sizeof(msg), "bpf_object__load: %s", strerror(err));
		failure(reply, "load", err, "refused", msg);
		goto out;
	}
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		snprintf(msg, sizeof(msg), "%s: no program %s", elf, prog_name);
		failure(reply, "run", ENOENT, "refused", msg);
		goto out;
	}
	LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = len ? data : NULL, .data_size_in = len,
		    .repeat = json_integer_value(json_object_get(req, "repeat")));
	t = now_ns();
	err = -bpf_prog_test_run_opts(bpf_program__fd(prog), &topts);
	json_object_set_new(ns, "run", json_integer(now_ns() - t));
	if (err) {
		snprintf(msg, sizeof(msg), "bpf_prog_test_run_opts: %s", strerror(err));
		failure(reply, "run", err, "refused", msg);
		goto out;
	}
	json_object_set_new(reply, "phase", json_string("done"));
	json_object_set_new(reply, "retval", json_integer(topts.retval));
out:
	bpf_object__close(obj); /* every fd of the request closed: nothing outlives it */
	return reply;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;

	libbpf_set_print(quiet);
	while (getline(&line, &cap, stdin) > 0) {
		json_t *req = json_loads(line, 0, NULL), *reply;
		const char *op = json_string_value(json_object_get(req, "op"));

		if (op && !strcmp(op, "bye"))
			break;
		if (op && !strcmp(op, "hello"))
			reply = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:[sss]}", "op", "hello",
					  "protocol", 1, "name", "minimal", "adapter_version",
					  "0.1", "library", "libbpf", "library_version",
					  libbpf_version_string(), "supports", "pin_root",
					  "data_in", "repeat");
		else if (op && !strcmp(op, "run"))
			reply = run(req);
		else
			reply = failure(json_pack("{s:n}", "id"), "open", 0, "internal",
					"bad request: not a hello, run or bye");
		json_dumpf(reply, stdout, JSON_COMPACT);
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(reply);
		json_decref(req);
	}
	free(line);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * bpfconform-libbpf: the libbpf adapter (docs/adapter-protocol.md, version 1).
 *
 * Reads JSON Lines requests on stdin and writes one JSON reply line per request
 * on stdout. Each `run` opens and loads the whole object the way a libbpf user
 * does (bpf_object__open_file + bpf_object__load), test-runs one program with
 * bpf_prog_test_run_opts and closes the object again. libbpf's own messages are
 * captured through libbpf_set_print, copied to stderr, and the verifier log of a
 * failed program load is returned in `verifier_log`. The adapter never judges.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#ifndef LIBBPF_PKG_VERSION
#define LIBBPF_PKG_VERSION "unknown"
#endif

#define ADAPTER_VERSION "0.1.0"
#define DEFAULT_DATA_IN_LEN 64
/* The verifier log can reach 16 MiB; a reply keeps its last 64 KiB. */
#define VERIFIER_LOG_CAP (64 * 1024)

static const char PROG_LOG_BEGIN[] = "-- BEGIN PROG LOAD LOG --\n";
static const char PROG_LOG_END[] = "-- END PROG LOAD LOG --";

/*
 * What libbpf said during one request. libbpf_set_print takes no context
 * pointer, so the print callback needs this one file-scope instance; it is
 * reset at the start of every request.
 */
struct captured_log {
	char *verifier_log;	 /* the first program load log, tail-truncated */
	char first_warning[512]; /* the first warning line, for `error` */
	char btf_dropped[512];	 /* set when libbpf ignored the object's BTF */
};

static struct captured_log capture;

static void capture_reset(void)
{
	free(capture.verifier_log);
	memset(&capture, 0, sizeof(capture));
}

/* Keep at most VERIFIER_LOG_CAP bytes, from the end: the verdict is last. */
static char *bounded_tail(const char *start, size_t len)
{
	static const char marker[] = "[... verifier log truncated ...]\n";
	char *out;

	if (len <= VERIFIER_LOG_CAP)
		return strndup(start, len);
	out = malloc(sizeof(marker) + VERIFIER_LOG_CAP);
	if (!out)
		return NULL;
	memcpy(out, marker, sizeof(marker) - 1);
	memcpy(out + sizeof(marker) - 1, start + len - VERIFIER_LOG_CAP, VERIFIER_LOG_CAP);
	out[sizeof(marker) - 1 + VERIFIER_LOG_CAP] = '\0';
	return out;
}

static void copy_line(char *dst, size_t size, const char *src)
{
	size_t n = strcspn(src, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	char *msg = NULL;
	const char *begin, *end;
	int n;

	if (level == LIBBPF_DEBUG && !getenv("BPFCONFORM_DEBUG"))
		return 0;
	n = vasprintf(&msg, fmt, args);
	if (n < 0)
		return 0;

	begin = strstr(msg, PROG_LOG_BEGIN);
	if (begin) {
		begin += sizeof(PROG_LOG_BEGIN) - 1;
		end = strstr(begin, PROG_LOG_END);
		if (!end)
			end = msg + n;
		if (!capture.verifier_log)
			capture.verifier_log = bounded_tail(begin, end - begin);
		/* The log itself travels in `verifier_log`; keep stderr short. */
		fprintf(stderr, "libbpf: program load log (%zu bytes) captured\n",
			(size_t)(end - begin));
	} else {
		fprintf(stderr, "%s", msg);
		if (level == LIBBPF_WARN) {
			if (!capture.first_warning[0])
				copy_line(capture.first_warning, sizeof(capture.first_warning),
					  msg);
			if (strstr(msg, "BTF is optional, ignoring"))
				copy_line(capture.btf_dropped, sizeof(capture.btf_dropped), msg);
		}
	}
	free(msg);
	return n;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void emit(json_t *reply)
{
	char *line = json_dumps(reply, JSON_COMPACT);

	if (line) {
		fputs(line, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		free(line);
	}
	json_decref(reply);
}

/* A reply with every field of the protocol; `fail` fills in the failure. */
static json_t *new_reply(json_t *id)
{
	return json_pack("{s:O, s:s, s:n, s:n, s:n, s:n, s:{}}", "id", id ? id : json_null(),
			 "phase", "open", "retval", "errno", "error", "verifier_log", "ns");
}

/*
 * `error_kind` of a failed reply: REFUSED when libbpf's open/load/find/test-run API
 * returned the error (the library's or the kernel's verdict on the object), INTERNAL
 * when the adapter could not even ask (bad request, unsupported field, no memory).
 */
#define REFUSED "refused"
#define INTERNAL "internal"

static json_t *fail(json_t *reply, const char *phase, const char *kind, int err, const char *fmt,
		    ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_set_new(reply, "phase", json_string(phase));
	json_object_set_new(reply, "errno", err > 0 ? json_integer(err) : json_null());
	json_object_set_new(reply, "error", json_string(msg));
	json_object_set_new(reply, "error_kind", json_string(kind));
	return reply;
}

static json_t *bad_request(json_t *id, const char *what)
{
	return fail(new_reply(id), "open", INTERNAL, 0, "bad request: %s", what);
}

static void set_ns(json_t *reply, const char *phase, long long start)
{
	json_object_set_new(json_object_get(reply, "ns"), phase, json_integer(now_ns() - start));
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode `hex` into a new buffer; NULL when it is not an even-length hex string. */
static unsigned char *hex_decode(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	unsigned char *out;

	if (n % 2)
		return NULL;
	out = malloc(n / 2 ? n / 2 : 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(out);
			return NULL;
		}
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

static const char *btf_state(struct bpf_object *obj, char *buf, size_t size)
{
	if (!bpf_object__btf(obj))
		return "none";
	if (capture.btf_dropped[0]) {
		snprintf(buf, size, "dropped: %s", capture.btf_dropped);
		return buf;
	}
	return bpf_object__btf_fd(obj) >= 0 ? "loaded" : "none";
}

static void hex_encode(char *dst, const unsigned char *src, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 0xf];
	}
	dst[2 * len] = '\0';
}

/*
 * The optional `info` reply field: what the kernel holds for the tested program
 * (BPF_OBJ_GET_INFO_BY_FD: type, xlated instructions, map ids) and for every map
 * of the object. null when the kernel refused to say.
 */
static json_t *prog_info(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nr_maps, xlated_len;
	unsigned char *xlated = NULL;
	__u32 *map_ids = NULL;
	char *hex = NULL;
	json_t *ids, *out = json_null();

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return out;
	nr_maps = info.nr_map_ids;
	xlated_len = info.xlated_prog_len;
	map_ids = calloc(nr_maps + 1, sizeof(*map_ids));
	xlated = calloc(xlated_len + 1, 1);
	hex = malloc(2 * (size_t)xlated_len + 1);
	if (!map_ids || !xlated || !hex)
		goto done;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = nr_maps;
	info.map_ids = (__u64)(unsigned long)map_ids;
	info.xlated_prog_len = xlated_len;
	info.xlated_prog_insns = (__u64)(unsigned long)xlated;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		goto done;
	hex_encode(hex, xlated,
		   info.xlated_prog_len < xlated_len ? info.xlated_prog_len : xlated_len);
	ids = json_array();
	for (__u32 i = 0; i < nr_maps && i < info.nr_map_ids; i++)
		json_array_append_new(ids, json_integer(map_ids[i]));
	out = json_pack("{s:i, s:s, s:o}", "type", (int)info.type, "xlated", hex, "map_ids", ids);
done:
	free(map_ids);
	free(xlated);
	free(hex);
	return out ? out : json_null();
}

static json_t *maps_info(struct bpf_object *obj)
{
	json_t *maps = json_array();
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
	{
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_map__fd(map);

		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		json_array_append_new(maps, json_pack("{s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:i}",
						      "id", info.id, "name", info.name, "type",
						      info.type, "key_size", info.key_size,
						      "value_size", info.value_size, "max_entries",
						      info.max_entries, "map_flags", info.map_flags,
						      "btf_id", info.btf_id));
	}
	return maps;
}

/* Open, load, test-run; the object is closed before returning. */
static json_t *run_loaded(json_t *reply, const char *elf, const char *prog_name,
			  const char *pin_root, const char *btf_custom_path,
			  const unsigned char *data, size_t data_len, const unsigned char *ctx,
			  size_t ctx_len, unsigned int repeat, int want_info, int autoload_only,
			  json_t *attach, const char *trigger)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_root,
		    .btf_custom_path = btf_custom_path);
	/* empty data_in: no data at all (raw_tp, syscall refuse a data pointer); ctx_in
	 * (sk_lookup needs a struct bpf_sk_lookup) is NULL unless the request has one */
	LIBBPF_OPTS(bpf_test_run_opts, run_opts, .data_in = data_len ? data : NULL,
		    .data_size_in = data_len, .ctx_in = ctx_len ? ctx : NULL,
		    .ctx_size_in = ctx_len, .repeat = repeat);
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link **links = NULL;
	size_t n_links = 0, i;
	char btf_buf[600];
	long long start;
	int err, fd;

	start = now_ns();
	obj = bpf_object__open_file(elf, &open_opts);
	err = errno;
	set_ns(reply, "open", start);
	if (!obj)
		return fail(reply, "open", REFUSED, err, "bpf_object__open_file(%s): %s%s%s", elf,
			    strerror(err), capture.first_warning[0] ? "; " : "",
			    capture.first_warning);

	if (autoload_only) {
		/* autoload_only: load the named program (and the maps and subprograms it
		 * needs), every other program's autoload off, as the kernel's test_loader does */
		struct bpf_program *p, *want = bpf_object__find_program_by_name(obj, prog_name);

		if (!want) {
			fail(reply, "load", REFUSED, ENOENT, "program '%s' not found in object %s",
			     prog_name, elf);
			goto out;
		}
		bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, p == want);
	}

	start = now_ns();
	err = bpf_object__load(obj);
	set_ns(reply, "load", start);
	json_object_set_new(reply, "btf", json_string(btf_state(obj, btf_buf, sizeof(btf_buf))));
	if (err) {
		json_object_set_new(reply, "verifier_log",
				    capture.verifier_log ? json_string(capture.verifier_log)
							 : json_null());
		/* libbpf's warning about an unreadable btf_custom_path does not name it */
		fail(reply, "load", REFUSED, -err, "bpf_object__load(%s%s%s): %s%s%s", elf,
		     btf_custom_path ? ", btf_custom_path " : "",
		     btf_custom_path ? btf_custom_path : "", strerror(-err),
		     capture.first_warning[0] ? "; " : "", capture.first_warning);
		goto out;
	}

	/* docs/adapter-protocol.md "Attach": the library's attach call for each listed
	 * program (a refusal is a load failure of that program), then one test run of the
	 * trigger with the request's data, before the checked program runs */
	if (attach && json_array_size(attach)) {
		links = calloc(json_array_size(attach), sizeof(*links));
		if (!links) {
			fail(reply, "load", INTERNAL, ENOMEM, "out of memory");
			goto out;
		}
	}
	for (i = 0; attach && i < json_array_size(attach); i++) {
		const char *name = json_string_value(json_array_get(attach, i));
		struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
		struct bpf_link *link;

		if (!p) {
			fail(reply, "load", REFUSED, ENOENT,
			     "program '%s' to attach not found in %s", name, elf);
			goto out;
		}
		link = bpf_program__attach(p);
		if (!link) {
			err = errno;
			fail(reply, "load", REFUSED, err, "bpf_program__attach(%s): %s%s%s", name,
			     strerror(err), capture.first_warning[0] ? "; " : "",
			     capture.first_warning);
			json_object_set_new(reply, "failed_program", json_string(name));
			goto out;
		}
		links[n_links++] = link;
	}
	if (trigger) {
		LIBBPF_OPTS(bpf_test_run_opts, trig_opts, .data_in = run_opts.data_in,
			    .data_size_in = run_opts.data_size_in, .ctx_in = run_opts.ctx_in,
			    .ctx_size_in = run_opts.ctx_size_in, .repeat = run_opts.repeat);
		struct bpf_program *t = bpf_object__find_program_by_name(obj, trigger);

		if (!t || bpf_program__fd(t) < 0) {
			fail(reply, "run", REFUSED, ENOENT, "trigger program '%s' not loaded in %s",
			     trigger, elf);
			goto out;
		}
		err = bpf_prog_test_run_opts(bpf_program__fd(t), &trig_opts);
		if (err) {
			fail(reply, "run", REFUSED, -err, "bpf_prog_test_run_opts(trigger %s): %s",
			     trigger, strerror(-err));
			goto out;
		}
	}

	start = now_ns();
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		set_ns(reply, "run", start);
		fail(reply, "run", REFUSED, ENOENT, "program '%s' not found in object %s",
		     prog_name, elf);
		goto out;
	}
	fd = bpf_program__fd(prog);
	if (fd < 0) {
		set_ns(reply, "run", start);
		fail(reply, "run", REFUSED, -fd,
		     "program '%s' in %s was not loaded (autoload off?)", prog_name, elf);
		goto out;
	}
	if (want_info)
		json_object_set_new(
			reply, "info",
			json_pack("{s:o, s:o}", "prog", prog_info(fd), "maps", maps_info(obj)));
	err = bpf_prog_test_run_opts(fd, &run_opts);
	set_ns(reply, "run", start);
	if (err) {
		fail(reply, "run", REFUSED, -err, "bpf_prog_test_run_opts(%s): %s", prog_name,
		     strerror(-err));
		goto out;
	}
	json_object_set_new(reply, "phase", json_string("done"));
	json_object_set_new(reply, "retval", json_integer(run_opts.retval));
out:
	for (i = 0; i < n_links; i++)
		bpf_link__destroy(links[i]);
	free(links);
	bpf_object__close(obj);
	return reply;
}

static const char *opt_string(json_t *req, const char *key, int *bad)
{
	json_t *v = json_object_get(req, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		*bad = 1;
	return json_string_value(v);
}

static json_t *handle_run(json_t *req)
{
	json_t *id = json_object_get(req, "id");
	json_t *skip = json_object_get(req, "skip");
	json_t *repeat_v = json_object_get(req, "repeat");
	json_t *autoload_v = json_object_get(req, "autoload_only");
	const char *elf, *prog, *pin_root, *btf_path, *hex, *ctx_hex, *trigger;
	json_t *attach;
	unsigned char *data, *ctx = NULL;
	size_t data_len = DEFAULT_DATA_IN_LEN, ctx_len = 0;
	json_int_t repeat = 1;
	int bad = 0;

	if (skip && !json_is_null(skip) && (!json_is_array(skip) || json_array_size(skip)))
		return fail(new_reply(id), "open", INTERNAL, 0, "skip not supported");
	elf = opt_string(req, "elf", &bad);
	prog = opt_string(req, "program", &bad);
	pin_root = opt_string(req, "pin_root", &bad);
	btf_path = opt_string(req, "btf_custom_path", &bad);
	hex = opt_string(req, "data_in", &bad);
	ctx_hex = opt_string(req, "ctx_in", &bad);
	if (bad)
		return bad_request(id, "elf, program, pin_root, btf_custom_path, data_in and "
				       "ctx_in must be strings or null");
	if (!elf || !prog)
		return bad_request(id, "run needs 'elf' and 'program'");
	if (repeat_v && !json_is_null(repeat_v)) {
		if (!json_is_integer(repeat_v) || json_integer_value(repeat_v) < 0 ||
		    json_integer_value(repeat_v) > 0xffffffffLL)
			return bad_request(id, "'repeat' must be a 32-bit unsigned integer");
		repeat = json_integer_value(repeat_v);
	}
	if (autoload_v && !json_is_null(autoload_v) && !json_is_boolean(autoload_v))
		return bad_request(id, "'autoload_only' must be a boolean");
	attach = json_object_get(req, "attach");
	if (attach && json_is_null(attach))
		attach = NULL;
	if (attach && !json_is_array(attach))
		return bad_request(id, "'attach' must be a list of program names");
	for (size_t i = 0; attach && i < json_array_size(attach); i++)
		if (!json_is_string(json_array_get(attach, i)))
			return bad_request(id, "'attach' must be a list of program names");
	trigger = opt_string(req, "trigger", &bad);
	if (bad)
		return bad_request(id, "'trigger' must be a program name");
	if (ctx_hex) {
		ctx = hex_decode(ctx_hex, &ctx_len);
		if (!ctx)
			return bad_request(id, "'ctx_in' is not an even-length hex string");
	}
	if (hex) {
		data = hex_decode(hex, &data_len);
		if (!data) {
			free(ctx);
			return bad_request(id, "'data_in' is not an even-length hex string");
		}
	} else {
		data = calloc(1, DEFAULT_DATA_IN_LEN);
		if (!data) {
			free(ctx);
			return fail(new_reply(id), "open", INTERNAL, ENOMEM, "out of memory");
		}
	}

	json_t *reply = run_loaded(new_reply(id), elf, prog, pin_root, btf_path, data, data_len,
				   ctx, ctx_len, (unsigned int)repeat,
				   json_is_true(json_object_get(req, "info")),
				   json_is_true(autoload_v), attach, trigger);
	free(data);
	free(ctx);
	return reply;
}

static json_t *handle_hello(void)
{
	char runtime[32], library_version[64];

	/* The package version is what was built against; trust it only if it matches. */
	snprintf(runtime, sizeof(runtime), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	if (strncmp(LIBBPF_PKG_VERSION, runtime, strlen(runtime)) == 0 &&
	    (LIBBPF_PKG_VERSION[strlen(runtime)] == '.' ||
	     LIBBPF_PKG_VERSION[strlen(runtime)] == '\0'))
		snprintf(library_version, sizeof(library_version), "%s", LIBBPF_PKG_VERSION);
	else
		snprintf(library_version, sizeof(library_version), "%s", runtime);
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s,s,s,s,s,s,s,s]}", "op",
			 "hello", "protocol", 1, "name", "libbpf", "adapter_version",
			 ADAPTER_VERSION, "library", "libbpf", "library_version", library_version,
			 "library_runtime_version", runtime, "library_build_version",
			 LIBBPF_PKG_VERSION, "supports", "pin_root", "btf_custom_path", "data_in",
			 "repeat", "info", "no_data", "ctx_in", "autoload_only", "attach");
}

/* One request line in, one reply out; returns 0 when the adapter should exit. */
static int handle_line(const char *line)
{
	json_error_t jerr;
	json_t *req = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	const char *op;
	char what[300];

	if (!req || !json_is_object(req)) {
		snprintf(what, sizeof(what), "%s", req ? "not a JSON object" : jerr.text);
		json_decref(req);
		emit(bad_request(NULL, what));
		return 1;
	}
	op = json_string_value(json_object_get(req, "op"));
	if (op && strcmp(op, "bye") == 0) {
		json_decref(req);
		return 0;
	}
	capture_reset();
	if (op && strcmp(op, "hello") == 0) {
		emit(handle_hello());
	} else if (op && strcmp(op, "run") == 0) {
		emit(handle_run(req));
	} else {
		snprintf(what, sizeof(what), "unknown op '%s'", op ? op : "(none)");
		emit(bad_request(json_object_get(req, "id"), what));
	}
	capture_reset();
	json_decref(req);
	return 1;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	libbpf_set_print(print_fn);
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (!handle_line(line))
			break;
	}
	free(line);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* protocol: replies, libbpf message capture, request field decoding, hello (protocol.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol.h"

/* The verifier log can reach 16 MiB; a reply keeps its last 64 KiB. */
#define VERIFIER_LOG_CAP (64 * 1024)

static const char PROG_LOG_BEGIN[] = "-- BEGIN PROG LOAD LOG --\n";
static const char PROG_LOG_END[] = "-- END PROG LOAD LOG --";

struct captured_log capture;

void capture_reset(void)
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

int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
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

long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void emit(json_t *reply)
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
json_t *new_reply(json_t *id)
{
	return json_pack("{s:O, s:s, s:n, s:n, s:n, s:n, s:{}}", "id", id ? id : json_null(),
			 "phase", "open", "retval", "errno", "error", "verifier_log", "ns");
}

json_t *fail(json_t *reply, const char *phase, const char *kind, int err, const char *fmt, ...)
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

json_t *bad_request(json_t *id, const char *what)
{
	return fail(new_reply(id), "open", INTERNAL, 0, "bad request: %s", what);
}

void set_ns(json_t *reply, const char *phase, long long start)
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
unsigned char *hex_decode(const char *hex, size_t *len)
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

void hex_encode(char *dst, const unsigned char *src, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 0xf];
	}
	dst[2 * len] = '\0';
}

const char *opt_string(json_t *req, const char *key, int *bad)
{
	json_t *v = json_object_get(req, key);

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_string(v))
		*bad = 1;
	return json_string_value(v);
}

json_t *handle_hello(void)
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
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:[s,s,s,s,s,s,s,s,s,s,s]}",
			 "op", "hello", "protocol", 1, "name", "libbpf", "adapter_version",
			 ADAPTER_VERSION, "library", "libbpf", "library_version", library_version,
			 "library_runtime_version", runtime, "library_build_version",
			 LIBBPF_PKG_VERSION, "supports", "pin_root", "btf_custom_path", "data_in",
			 "repeat", "info", "no_data", "ctx_in", "autoload_only", "attach",
			 "read_iter", "extension");
}

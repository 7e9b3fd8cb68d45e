// SPDX-License-Identifier: Apache-2.0
/*
 * protocol: the JSON Lines side of the adapter (docs/adapter-protocol.md, version 1): reply
 * records, the capture of libbpf's messages for `error` and `verifier_log`, request field
 * decoding and the hello reply. Shared by main.c, run.c and info.c.
 */
#ifndef BPFCONFORM_LIBBPF_PROTOCOL_H
#define BPFCONFORM_LIBBPF_PROTOCOL_H

#include <stdarg.h>
#include <stddef.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#ifndef LIBBPF_PKG_VERSION
#define LIBBPF_PKG_VERSION "unknown"
#endif

#define ADAPTER_VERSION "0.1.0"
#define DEFAULT_DATA_IN_LEN 64

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

extern struct captured_log capture;

void capture_reset(void);
int print_fn(enum libbpf_print_level level, const char *fmt, va_list args);

/*
 * `error_kind` of a failed reply: REFUSED when libbpf's open/load/find/test-run API
 * returned the error (the library's or the kernel's verdict on the object), INTERNAL
 * when the adapter could not even ask (bad request, unsupported field, no memory).
 */
#define REFUSED "refused"
#define INTERNAL "internal"

long long now_ns(void);
void emit(json_t *reply);
json_t *new_reply(json_t *id);
json_t *fail(json_t *reply, const char *phase, const char *kind, int err, const char *fmt, ...);
json_t *bad_request(json_t *id, const char *what);
void set_ns(json_t *reply, const char *phase, long long start);
unsigned char *hex_decode(const char *hex, size_t *len);
void hex_encode(char *dst, const unsigned char *src, size_t len);
const char *opt_string(json_t *req, const char *key, int *bad);
json_t *handle_hello(void);

#endif

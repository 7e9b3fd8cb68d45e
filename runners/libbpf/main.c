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
 *
 * main.c: the request loop; protocol.c: replies and libbpf's messages; run.c: one `run`
 * request; info.c: the `info` reply field.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "protocol.h"
#include "run.h"

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

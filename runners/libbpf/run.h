// SPDX-License-Identifier: Apache-2.0
/* run: one `run` request through libbpf's normal API (open, load, attach, test-run, close). */
#ifndef BPFCONFORM_LIBBPF_RUN_H
#define BPFCONFORM_LIBBPF_RUN_H

#include <jansson.h>

json_t *handle_run(json_t *req);

#endif

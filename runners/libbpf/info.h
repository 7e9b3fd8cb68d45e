// SPDX-License-Identifier: Apache-2.0
/* info: what the kernel holds for a loaded object, read back for the `info` reply field. */
#ifndef BPFCONFORM_LIBBPF_INFO_H
#define BPFCONFORM_LIBBPF_INFO_H

#include <stddef.h>

#include <bpf/libbpf.h>
#include <jansson.h>

/* "loaded", "none" or "dropped: <libbpf's warning>" for the reply's `btf` */
const char *btf_state(struct bpf_object *obj, char *buf, size_t size);
json_t *prog_info(int fd);
json_t *maps_info(struct bpf_object *obj);

#endif

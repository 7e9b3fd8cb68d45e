// SPDX-License-Identifier: Apache-2.0
/* info: the object's BTF state and the kernel's view of its program and maps (info.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "info.h"
#include "protocol.h"

const char *btf_state(struct bpf_object *obj, char *buf, size_t size)
{
	if (!bpf_object__btf(obj))
		return "none";
	if (capture.btf_dropped[0]) {
		snprintf(buf, size, "dropped: %s", capture.btf_dropped);
		return buf;
	}
	return bpf_object__btf_fd(obj) >= 0 ? "loaded" : "none";
}

/*
 * The optional `info` reply field: what the kernel holds for the tested program
 * (BPF_OBJ_GET_INFO_BY_FD: type, xlated instructions, map ids) and for every map
 * of the object. null when the kernel refused to say.
 */
json_t *prog_info(int fd)
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

json_t *maps_info(struct bpf_object *obj)
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

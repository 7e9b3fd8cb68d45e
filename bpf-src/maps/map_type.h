/* The kernel's struct bpf_map, only the member the maps.type tests read back: the type the
 * map was created with. CO-RE finds its offset in vmlinux BTF; the local enum must carry the
 * kernel enum's name (bpf_map_type) for the field to be compatible (enum fields match by name). */
#ifndef BPFCONFORM_MAP_TYPE_H
#define BPFCONFORM_MAP_TYPE_H

enum bpf_map_type {
	CONFORM_MAP_TYPE_UNSPEC = 0,
};

struct bpf_map {
	enum bpf_map_type map_type;
} __core_pai;

/* the type a map was created with, read from the kernel's struct bpf_map behind its pointer */
#define CREATED_MAP_TYPE(map) ((__u32)((struct bpf_map *)&(map))->map_type)

#endif

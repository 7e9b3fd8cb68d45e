/* A map's name reaches the kernel (BPF_MAP_CREATE map_name), cut to BPF_OBJ_NAME_LEN - 1 = 15 characters: an iterator over the maps reads it from the kernel's struct bpf_map. */
#include "conformance.h"

/* the kernel's struct bpf_map, only what is read (CO-RE) */
struct bpf_map {
	__u32 id;
	char name[16];
} __core_pai;

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
} __core_pai;

/* 27 characters: the kernel gets "map_with_a_very" */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} map_with_a_very_long_name_x SEC(".maps");

__u32 found;
__u32 name_ok;
__u32 terminated;

/* The name is read through the iterator's struct bpf_map pointer: the map pointer a program
 * holds for its own map allows loads at constant offsets only, and a CO-RE array index is
 * an addition. */
CONFORM(find_map_name, "role", "fixture");
CONFORM(find_map_name, "desc", "iter/bpf_map: reads the name of this object's map (told apart by its id)");
SEC("iter/bpf_map")
int find_map_name(struct bpf_iter__bpf_map *ctx)
{
	struct bpf_map *map = ctx->map;
	const char *n;

	if (!map || map->id != ((struct bpf_map *)&map_with_a_very_long_name_x)->id)
		return 0;
	found++;
	n = map->name;
	if (n[0] == 'm' && n[1] == 'a' && n[2] == 'p' && n[3] == '_' && n[4] == 'w' &&
	    n[5] == 'i' && n[6] == 't' && n[7] == 'h' && n[8] == '_' && n[9] == 'a' &&
	    n[10] == '_' && n[11] == 'v' && n[12] == 'e' && n[13] == 'r' && n[14] == 'y')
		name_ok++;
	if (!n[15])
		terminated++;
	return 0;
}

TEST(map_name_cut, "maps.name", "pass", "required");
CONFORM(map_name_cut, "read_iter", "find_map_name");
CONFORM(map_name_cut, "desc", "a map whose name has 27 characters is created under its first 15, map_with_a_very, NUL-terminated (read by an iterator over the maps)");
CONFORM(map_name_cut, "ref", "libbpf bpf_object__create_map (map_name: libbpf_strlcpy of the map's name into BPF_OBJ_NAME_LEN); kernel bpf_obj_name_cpy (EINVAL for a longer name or other characters than [A-Za-z0-9_.])");
SEC("socket")
int map_name_cut(void *ctx)
{
	ASSERT_EQ(found, 1);  /* unpatched (iterator not read): 0 */
	ASSERT_EQ(name_ok, 1);  /* unpatched (created without a name, or cut elsewhere): 0 */
	ASSERT_EQ(terminated, 1);  /* unpatched (no NUL: the kernel refuses such a name): 0 */
	PASS();
}

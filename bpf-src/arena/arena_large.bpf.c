/* An `__arena` array of three pages (12 KiB) in .addr_space.1: the loader maps the whole arena and copies the whole image, so values initialised in its second and third pages and a global after it read back (libbpf init_arena_map_data: data_sz, not one page). */
#include "conformance.h"
#include "arena.h"

struct {
	__uint(type, CONFORM_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 8); /* pages */
} arena SEC(".maps");

#define BIG_N 3072 /* ints: three pages */

int __arena big[BIG_N] = {
	[0] = 0x0a0a0a0a,
	[1023] = 0x1ff01ff0, /* the last int of the first page */
	[1024] = 0x20002000, /* the first of the second */
	[2500] = 0x25002500,
	[BIG_N - 1] = 0x3fff3fff,
};
int __arena after_big = 0xaf7e4b16;

TEST(arena_large, "arena.image", "pass", "required");
CONFORM(arena_large, "requires", "map_arena");
CONFORM(arena_large, "desc", "a three-page initialised __arena array reads its values in every page (the first page's last int, the second page's first, one in the third, the last) and a global placed after it reads its value");
CONFORM(arena_large, "ref", "libbpf init_arena_map_data (the whole section, size checked against bpf_map_mmap_sz: max_entries pages), bpf_object__create_maps (memcpy of arena_data_sz bytes into the mapped arena)");
SEC("socket")
int arena_large(void *ctx)
{
	int *arr = ARENA_PTR(int, big), *after = ARENA_PTR(int, after_big);

	ASSERT_EQ(arr[1024], 0x20002000); /* unpatched (image not copied): 0 */
	ASSERT_EQ(arr[2500], 0x25002500);
	ASSERT_EQ(arr[BIG_N - 1], 0x3fff3fff);
	ASSERT_EQ(*after, 0xaf7e4b16);
	ASSERT_EQ(arr[0], 0x0a0a0a0a);
	ASSERT_EQ(arr[1023], 0x1ff01ff0);
	ASSERT_EQ(arr[1], 0);
	ASSERT_EQ(arr[2048], 0);
	ASSERT_EQ((__u64)after - (__u64)arr, BIG_N * 4); /* placed right after, in the same arena */
	PASS();
}

/* A USER_RINGBUF whose max_entries is not a power-of-two number of pages is created rounded up to one (libbpf adjust_ringbuf_sz covers both ring buffer types), read back from the kernel's struct bpf_map. */
#include "conformance.h"

/* include/uapi/linux/bpf.h; x86 pages are 4096 bytes */
#define BPF_MAP_TYPE_USER_RINGBUF 31

/* the kernel's struct bpf_map, only the member read; CO-RE finds its offset in vmlinux BTF */
struct bpf_map {
	__u32 max_entries;
} __core_pai;

/* 5000 bytes: 2 pages rounded up to a power of two = 8192 */
struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 5000);
} urb SEC(".maps");

TEST(user_ringbuf_size_rounded, "maps.ringbuf.size", "pass", "required");
CONFORM(user_ringbuf_size_rounded, "requires", "btf_vmlinux,map_user_ringbuf");
CONFORM(user_ringbuf_size_rounded, "desc", "a USER_RINGBUF declared with max_entries 5000 is created with 8192, read through the map's struct bpf_map");
CONFORM(user_ringbuf_size_rounded, "ref", "libbpf adjust_ringbuf_sz (map_is_ringbuf: RINGBUF and USER_RINGBUF); kernel ringbuf_map_alloc (max_entries must be a power-of-2 multiple of PAGE_SIZE), check_ptr_to_map_access");
SEC("socket")
int user_ringbuf_size_rounded(void *ctx)
{
	struct bpf_map *map = (struct bpf_map *)&urb;

	ASSERT_EQ(map->max_entries, 8192);  /* unpatched (5000 as is): the kernel refuses the map (EINVAL) */
	PASS();
}

/* A RINGBUF whose max_entries is not a power-of-two number of pages is created rounded up to one (libbpf adjust_ringbuf_sz), not refused. */
#include "conformance.h"

/* include/uapi/linux/bpf.h; x86 pages are 4096 bytes */
#define BPF_MAP_TYPE_RINGBUF 27
#define BPF_RB_RING_SIZE 1
static __u64 (*const bpf_ringbuf_query)(void *ringbuf, __u64 flags) = (void *)134;

/* 5000 bytes: 2 pages rounded up to a power of two = 8192; 12289 bytes: 4 pages -> 16384 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} rb_small SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 12289);
} rb_odd SEC(".maps");

TEST(ringbuf_size_rounded, "maps.ringbuf.size", "pass", "required");
CONFORM(ringbuf_size_rounded, "desc", "RINGBUF max_entries 5000 and 12289 are created as 8192 and 16384: the smallest power-of-two number of pages that holds them, read back with bpf_ringbuf_query(BPF_RB_RING_SIZE)");
CONFORM(ringbuf_size_rounded, "ref", "libbpf adjust_ringbuf_sz (map_is_ringbuf), kernel ringbuf_map_alloc (max_entries must be a power-of-2 multiple of PAGE_SIZE)");
SEC("socket")
int ringbuf_size_rounded(void *ctx)
{
	ASSERT_EQ(bpf_ringbuf_query(&rb_small, BPF_RB_RING_SIZE), 8192);  /* unpatched (5000 as is): the kernel refuses the map (EINVAL) */
	ASSERT_EQ(bpf_ringbuf_query(&rb_odd, BPF_RB_RING_SIZE), 16384);   /* unpatched (rounded to a page multiple only, 16384 - 4096): refused too */
	PASS();
}

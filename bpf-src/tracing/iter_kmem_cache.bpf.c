/* SEC("iter/kmem_cache") loads against vmlinux's FUNC `bpf_iter_kmem_cache` (6.13+) and the library's iterator runs it once per slab cache: it meets the task_struct cache with its object size. */
#include "conformance.h"

static long (*const bpf_probe_read_kernel_str)(void *dst, __u32 size,
						const void *unsafe_ptr) = (void *)115;

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct kmem_cache {
	unsigned int object_size;
	const char *name;
} __core_pai;

struct bpf_iter__kmem_cache {
	struct bpf_iter_meta *meta;
	struct kmem_cache *s;
} __core_pai;

__u32 caches_seen;
__u32 task_struct_seen;
__u32 task_struct_size;

CONFORM(walk_caches, "role", "fixture");
CONFORM(walk_caches, "desc", "iter/kmem_cache: counts the slab caches and records the task_struct cache's object size");
SEC("iter/kmem_cache")
int walk_caches(struct bpf_iter__kmem_cache *ctx)
{
	struct kmem_cache *s = ctx->s;
	char name[12] = {};

	if (!s)
		return 0;
	caches_seen++;
	if (bpf_probe_read_kernel_str(name, sizeof(name), s->name) != 12)
		return 0;  /* "task_struct" and its NUL: 12 bytes */
	if (name[0] == 't' && name[1] == 'a' && name[2] == 's' && name[3] == 'k' &&
	    name[4] == '_' && name[5] == 's' && name[6] == 't' && name[7] == 'r' &&
	    name[8] == 'u' && name[9] == 'c' && name[10] == 't') {
		task_struct_seen++;
		task_struct_size = s->object_size;
	}
	return 0;
}

TEST(iter_kmem_cache, "tracing.iter", "pass", "required");
CONFORM(iter_kmem_cache, "requires", "iter_kmem_cache");
CONFORM(iter_kmem_cache, "read_iter", "walk_caches");
CONFORM(iter_kmem_cache, "desc", "the library makes walk_caches's iterator and reads it to its end: it met the task_struct slab cache once, whose objects are kilobytes large, among dozens of caches");
CONFORM(iter_kmem_cache, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_kmem_cache), bpf_program__attach_iter, bpf_iter_create; kernel kernel/bpf/kmem_cache_iter.c (6.13)");
SEC("socket")
int iter_kmem_cache(void *ctx)
{
	ASSERT_EQ(task_struct_seen, 1);  /* unpatched (iterator not read): 0 */
	ASSERT_GE(task_struct_size, 1024);  /* unpatched (iterator not read): 0 */
	ASSERT_GE(caches_seen, 20);  /* unpatched (iterator not read): 0 */
	PASS();
}

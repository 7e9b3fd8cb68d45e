/* A SEC("iter/<target>") whose target vmlinux BTF lacks (no FUNC bpf_iter_<target>) fails the object's load (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
/* Positive control: the bpf_map iterator every kernel with iterators has */
#define ITER_SEC "iter/bpf_map"
#else
/* the defect: no kernel has an iterator target of this name */
#define ITER_SEC "iter/bpf_conform_no_such_target"
#endif

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct bpf_iter__bpf_map {
	struct bpf_iter_meta *meta;
	void *map;
} __core_pai;

__u32 maps_seen;

CONFORM(walk_missing, "role", "fixture");
CONFORM(walk_missing, "desc", "an iterator on an unknown target (control: bpf_map, counting the maps)");
SEC(ITER_SEC)
int walk_missing(struct bpf_iter__bpf_map *ctx)
{
	if (ctx->map)
		maps_seen++;
	return 0;
}

TEST(iter_missing, "tracing.target.missing", "load_error", "required");
CONFORM(iter_missing, "control", "define");
CONFORM(iter_missing, "read_iter", "walk_missing");
CONFORM(iter_missing, "desc", "an iterator program on a target vmlinux BTF does not have (no FUNC bpf_iter_bpf_conform_no_such_target): the object is refused (libbpf: failed to find kernel BTF type ID); in the control the target is bpf_map, the iterator is read and met maps");
CONFORM(iter_missing, "ref", "libbpf libbpf_prepare_prog_load -> libbpf_find_attach_btf_id (BTF_ITER_PREFIX + the target; -ESRCH)");
SEC("socket")
int iter_missing(void *ctx)
{
	ASSERT_GE(maps_seen, 1);  /* control unpatched (iterator not read): 0 */
	PASS();
}

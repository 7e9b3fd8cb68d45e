/* A `.maps` definition with static linkage (BTF_VAR_STATIC) is refused: maps must be global (negative test). */
#include "conformance.h"

#ifndef CONFORM_CONTROL  /* positive control: the same map with global linkage */
static
#endif
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} local_map SEC(".maps");

TEST(static_map, "maps.btf.linkage", "load_error", "optional");
CONFORM(static_map, "control", "define");
CONFORM(static_map, "desc", "an object whose .maps variable is static is refused at open (libbpf: unsupported map linkage static; cilium/ebpf refuses too, aya 0.16 accepts)");
CONFORM(static_map, "ref", "libbpf bpf_object__init_user_btf_map (linkage must be BTF_VAR_GLOBAL_ALLOCATED or GLOBAL_EXTERN)");
SEC("socket")
int static_map(void *ctx)
{
	__u32 key = 0, *v = bpf_map_lookup_elem(&local_map, &key);

	ASSERT_NOT_NULL(v);  /* unpatched (static linkage accepted): loads and passes */
	PASS();
}

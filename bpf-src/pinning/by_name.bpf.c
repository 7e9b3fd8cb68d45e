/* A LIBBPF_PIN_BY_NAME map is pinned under the pin root: a second load of the object (same pin root) gets the same map and sees what the first load wrote. */
#include "conformance.h"

#define PIN_MAGIC 0x5eed1234cafeULL

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} conform_pinned SEC(".maps");

/* the setup step of the items below (and of reuse_compat/incompatible): run first, same pin root */
CONFORM(pin_write, "role", "fixture");
CONFORM(pin_write, "desc", "setup step: checks the pinned map is fresh (slot 1 is 0), then writes PIN_MAGIC into it");
SEC("socket")
int pin_write(void *ctx)
{
	__u32 k = 1;
	__u64 v = PIN_MAGIC, *cur;

	cur = bpf_map_lookup_elem(&conform_pinned, &k);
	ASSERT_NOT_NULL(cur);  /* unpatched (not pinned): a fresh map's slot, unchanged */
	ASSERT_EQ(*cur, 0);  /* a stale pin from another run: the pin root was not fresh; unpatched (not pinned): 0, unchanged */
	ASSERT_EQ(bpf_map_update_elem(&conform_pinned, &k, &v, BPF_ANY), 0);  /* unpatched (not pinned): 0, unchanged */
	PASS();
}

TEST(pin_read, "pinning.by_name", "pass", "required");
CONFORM(pin_read, "before", "by_name.bpf.o:pin_write");
CONFORM(pin_read, "desc", "after pin_write ran in an earlier load, this load's conform_pinned is the pinned map holding PIN_MAGIC");
CONFORM(pin_read, "ref", "libbpf bpf_object__init_user_btf_maps (pinning), bpf_object__reuse_map, bpf_map__pin; bpf_object_open_opts.pin_root_path");
SEC("socket")
int pin_read(void *ctx)
{
	__u32 k = 1;
	__u64 *got;

	got = bpf_map_lookup_elem(&conform_pinned, &k);
	ASSERT_NOT_NULL(got);  /* unpatched (not pinned): a fresh map's slot, unchanged */
	ASSERT_EQ(*got, PIN_MAGIC); /* unpatched (not pinned, or pinned elsewhere): a fresh map, 0 */
	PASS();
}

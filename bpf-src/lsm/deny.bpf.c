/* An attached lsm/bpf program's return value is the hook's verdict: a negative errno refuses the bpf() command, seen by a SEC("syscall") program's bpf_sys_bpf. */
#include "conformance.h"
#include "lsm.h"

static long (*const bpf_sys_bpf)(__u32 cmd, void *attr, __u32 attr_size) = (void *)166;

#define EPERM 1
/* a key size no ARRAY accepts (array_map_alloc_check: -EINVAL), and the mark the hook denies */
#define DENY_KEY_SIZE 0x4c534d

struct map_create_attr {
	__u32 map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
};

int denied;

CONFORM(lsm_deny_prog, "role", "fixture");
CONFORM(lsm_deny_prog, "desc", "lsm/bpf: returns -EPERM for a BPF_MAP_CREATE whose key_size is the mark 0x4c534d, 0 for every other command");
SEC("lsm/bpf")
int lsm_deny_prog(__u64 *ctx)
{
	__u32 key_size = 0;

	if ((int)ctx[0] != BPF_MAP_CREATE)
		return 0;
	if (bpf_probe_read_kernel(&key_size, sizeof(key_size), (const char *)ctx[1] + 4))
		return 0;
	if (key_size != DENY_KEY_SIZE)
		return 0;
	denied++;
	return -EPERM;
}

TEST(lsm_deny, "lsm.attach", "pass", "required");
CONFORM(lsm_deny, "requires", "lsm_bpf_hook,prog_type_syscall");
CONFORM(lsm_deny, "attach", "lsm_deny_prog");
CONFORM(lsm_deny, "data_in", "none");
CONFORM(lsm_deny, "desc", "an lsm/bpf program denying a marked BPF_MAP_CREATE, attached by the library; this SEC(syscall) program's bpf_sys_bpf(BPF_MAP_CREATE) with the mark gets -EPERM from the hook (without it: -EINVAL, the key size no ARRAY takes)");
CONFORM(lsm_deny, "ref", "libbpf section_defs (lsm+), bpf_program__attach_lsm; kernel bpf_lsm.c (BPF_LSM_MAC: the program's return value is the hook's), security_bpf in __sys_bpf, kern_sys_bpf (BPF_MAP_CREATE)");
SEC("syscall")
int lsm_deny(void *ctx)
{
	struct map_create_attr attr = {
		.map_type = BPF_MAP_TYPE_ARRAY,
		.key_size = DENY_KEY_SIZE,
		.value_size = 4,
		.max_entries = 1,
	};

	/* unpatched (lsm program loaded, not attached): -EINVAL, the map creation's own refusal */
	ASSERT_EQ(bpf_sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr)), -EPERM);
	ASSERT_GE(denied, 1);
	PASS();
}

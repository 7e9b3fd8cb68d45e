/* SEC("syscall") is sleepable (libbpf SEC_SLEEPABLE -> BPF_F_SLEEPABLE): the program may call bpf_copy_from_user, which the verifier allows only in sleepable programs. */
#include "conformance.h"

static long (*const bpf_copy_from_user)(void *dst, __u32 size, const void *user_ptr) = (void *)148;

#define EFAULT 14

TEST(syscall_sleepable, "progtype.sleepable", "pass", "required");
CONFORM(syscall_sleepable, "data_in", "none");
CONFORM(syscall_sleepable, "requires", "prog_type_syscall");
CONFORM(syscall_sleepable, "desc", "a SEC(syscall) program calls the sleepable-only bpf_copy_from_user: from user address 0 it gives -EFAULT and zeroes the buffer");
CONFORM(syscall_sleepable, "ref", "libbpf section_defs (syscall: SYSCALL, SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE); kernel bpf_copy_from_user_proto (might_sleep), check_helper_call");
SEC("syscall")
int syscall_sleepable(void *ctx)
{
	__u64 buf = 0x5555555555555555ULL;

	/* unpatched (no BPF_F_SLEEPABLE): the verifier refuses the helper (might sleep in a non-sleepable prog) */
	ASSERT_EQ(bpf_copy_from_user(&buf, sizeof(buf), NULL), -EFAULT);
	ASSERT_EQ(buf, 0);  /* a failed copy zeroes the destination */
	PASS();
}

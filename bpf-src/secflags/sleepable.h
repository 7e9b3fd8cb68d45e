/* What the secflags/ sleepable tracing programs share: the sleepable-only helper they call and what it gives. */
#ifndef BPFCONFORM_SECFLAGS_SLEEPABLE_H
#define BPFCONFORM_SECFLAGS_SLEEPABLE_H

/* bpf_copy_from_user: bpf_tracing_func_proto offers it to sleepable programs only
 * (prog->sleepable ? &bpf_copy_from_user_proto : NULL): a program without BPF_F_SLEEPABLE
 * that calls it is refused at load ("unknown func bpf_copy_from_user"). From user address 0
 * it returns -EFAULT and zeroes the destination. */
static long (*const bpf_copy_from_user)(void *dst, __u32 size, const void *user_ptr) = (void *)148;

#define EFAULT 14
#define POISON 0x5555555555555555ULL

#endif

/* The kernel's struct bpf_dummy_ops (net/bpf/bpf_dummy_struct_ops.c), whose programs BPF_PROG_TEST_RUN can run, as the struct_ops tests declare it. */
#ifndef BPFCONFORM_STRUCT_OPS_DUMMY_OPS_H
#define BPFCONFORM_STRUCT_OPS_DUMMY_OPS_H

struct bpf_dummy_ops_state {
	int val;
};

/* A local declaration: libbpf matches it to vmlinux BTF by the struct's name and each
 * member's name, so it may hold fewer members than the kernel's (test_sleepable absent) and
 * in another order: here test_2 comes first, so test_1's local index (1) is not its kernel
 * index (0), which is the program's expected_attach_type. */
struct bpf_dummy_ops {
	int (*test_2)(struct bpf_dummy_ops_state *cb, int a1, unsigned short a2, char a3,
		      unsigned long a4);
	int (*test_1)(struct bpf_dummy_ops_state *cb);
};

/* ctx_in of a test run of test_1 (bpf_dummy_ops_test_args.args: one u64, the state pointer;
 * NULL, which test_1 alone accepts: its argument is cb__nullable in the kernel). A run of a
 * program loaded for test_2 (five arguments) with it is refused: EINVAL */
#define DUMMY_TEST_1_CTX_IN "0000000000000000"

#endif

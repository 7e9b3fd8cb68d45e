/* What the lsm/ programs share: the bpf() hook's arguments and the marked test run that fires it. */
#ifndef BPFCONFORM_LSM_H
#define BPFCONFORM_LSM_H

static long (*const bpf_probe_read_user)(void *dst, __u32 size, const void *src) = (void *)112;
static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

/* int bpf(int cmd, union bpf_attr *attr, unsigned int size[, bool kernel]): security_bpf()
 * in __sys_bpf, after the attr is copied in and before the command runs. */
#define BPF_MAP_CREATE 0
#define BPF_PROG_TEST_RUN 10

/* The items' data_in: 72 bytes starting with "LSMCONF1". The hooks act only on a
 * BPF_PROG_TEST_RUN with that input (other processes' bpf() calls fire them too). */
#define LSM_DATA_LEN 72
#define LSM_MAGIC 0x31464e4f434d534cULL /* "LSMCONF1" read as a little-endian u64 */
#define LSM_DATA_IN "4c534d434f4e463100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

/* the start of union bpf_attr's `test` (BPF_PROG_TEST_RUN) member */
struct lsm_test_attr {
	__u32 prog_fd;
	__u32 retval;
	__u32 data_size_in;
	__u32 data_size_out;
	__u64 data_in;
};

#endif

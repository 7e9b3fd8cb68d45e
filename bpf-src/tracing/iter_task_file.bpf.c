/* SEC("iter/task_file") loads against vmlinux's FUNC `bpf_iter_task_file` (context: task, fd, file) and the library's iterator runs it once per open file of every process: it meets the reading process's standard descriptors. */
#include "conformance.h"

static __u64 (*const bpf_get_current_pid_tgid)(void) = (void *)14;

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct task_struct {
	int tgid;
} __core_pai;

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	void *file;
} __core_pai;

__u32 reader_files;
__u32 reader_fd0;
__u32 ends;

CONFORM(walk_files, "role", "fixture");
CONFORM(walk_files, "desc", "iter/task_file: counts the open files of the reading process (tgid) and whether fd 0 is among them");
SEC("iter/task_file")
int walk_files(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task) {
		ends++;
		return 0;
	}
	if (task->tgid != (int)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	reader_files++;
	if (ctx->fd == 0 && ctx->file)
		reader_fd0++;
	return 0;
}

TEST(iter_task_file, "tracing.iter", "pass", "required");
CONFORM(iter_task_file, "read_iter", "walk_files");
CONFORM(iter_task_file, "desc", "the library makes walk_files's iterator and reads it to its end: it met the reading process's files (at least stdin, stdout, stderr and the iterator's own), its fd 0 once, and one end call");
CONFORM(iter_task_file, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_task_file), bpf_program__attach_iter, bpf_iter_create; kernel kernel/bpf/task_iter.c task_file_seq_show (the context's fd after its task pointer)");
SEC("socket")
int iter_task_file(void *ctx)
{
	ASSERT_GE(reader_files, 4);  /* unpatched (iterator not read): 0 */
	ASSERT_EQ(reader_fd0, 1);  /* unpatched (iterator not read): 0; (fd read at a wrong offset): 0 */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}

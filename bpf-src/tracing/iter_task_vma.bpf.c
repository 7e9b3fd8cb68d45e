/* SEC("iter/task_vma") loads against vmlinux's FUNC `bpf_iter_task_vma` (5.12+; context: task, vma) and the library's iterator runs it once per memory area of every process: it meets the reading process's areas, each well-formed. */
#include "conformance.h"

static __u64 (*const bpf_get_current_pid_tgid)(void) = (void *)14;

struct bpf_iter_meta {
	void *seq;
} __core_pai;

struct task_struct {
	int tgid;
} __core_pai;

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
} __core_pai;

struct bpf_iter__task_vma {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	struct vm_area_struct *vma;
} __core_pai;

__u32 reader_vmas;
__u32 reader_bad_vmas;
__u32 ends;

CONFORM(walk_vmas, "role", "fixture");
CONFORM(walk_vmas, "desc", "iter/task_vma: counts the reading process's memory areas and those whose start is not below their end");
SEC("iter/task_vma")
int walk_vmas(struct bpf_iter__task_vma *ctx)
{
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;

	if (!task || !vma) {
		if (!task)
			ends++;
		return 0;
	}
	if (task->tgid != (int)(bpf_get_current_pid_tgid() >> 32))
		return 0;
	reader_vmas++;
	if (vma->vm_start >= vma->vm_end)
		reader_bad_vmas++;
	return 0;
}

TEST(iter_task_vma, "tracing.iter", "pass", "required");
CONFORM(iter_task_vma, "requires", "iter_task_vma");
CONFORM(iter_task_vma, "read_iter", "walk_vmas");
CONFORM(iter_task_vma, "desc", "the library makes walk_vmas's iterator and reads it to its end: it met the reading process's memory areas (text, data, heap, stack, vdso: at least 5), none with start >= end, and one end call");
CONFORM(iter_task_vma, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_task_vma), bpf_program__attach_iter, bpf_iter_create; kernel kernel/bpf/task_iter.c task_vma_seq_show (5.12)");
SEC("socket")
int iter_task_vma(void *ctx)
{
	ASSERT_GE(reader_vmas, 5);  /* unpatched (iterator not read): 0 */
	ASSERT_EQ(reader_bad_vmas, 0);  /* unpatched (vma read at wrong offsets): some */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}

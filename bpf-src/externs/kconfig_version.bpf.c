/* The virtual .kconfig extern LINUX_KERNEL_VERSION holds the running kernel's KERNEL_VERSION(major, minor, patch), checked against the release string the kernel itself reports. */
#include "conformance.h"

#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + ((c) > 255 ? 255 : (c)))

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

/* Helpers outside conformance.h's set (ids from include/uapi/linux/bpf.h). */
static __u64 (*const bpf_get_current_task)(void) = (void *)35;
static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

/* The kernel's own copy of uname(2): current->nsproxy->uts_ns->name.release (CO-RE offsets). */
struct new_utsname {
	char sysname[65];
	char nodename[65];
	char release[65];
} __core_pai;
struct uts_namespace {
	struct new_utsname name;
} __core_pai;
struct nsproxy {
	struct uts_namespace *uts_ns;
} __core_pai;
struct task_struct {
	struct nsproxy *nsproxy;
} __core_pai;

#define RELEASE_LEN 24

/* Parses "major.minor[.patch]..." like libbpf's sscanf("%u.%u.%u"); 0 if malformed. */
static __always_inline __u32 release_version(const char *s)
{
	__u32 part[3] = { 0, 0, 0 }, n = 0, digits = 0;

	for (int i = 0; i < RELEASE_LEN; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			if (n < 3)
				part[n] = part[n] * 10 + (c - '0');
			digits++;
		} else if (c == '.' && digits && n < 2) {
			n++;
			digits = 0;
		} else {
			break;
		}
	}
	if (n < 1)
		return 0;
	return KERNEL_VERSION(part[0], part[1], part[2]);
}

TEST(kconfig_version, "externs.kconfig.version", "pass", "required");
CONFORM(kconfig_version, "desc", "LINUX_KERNEL_VERSION has the major and minor of the kernel's own uname release (read by the program from current->nsproxy->uts_ns) and its patch level, or a higher one where the release says .0 (Ubuntu's /proc/version_signature, Debian's uname -v)");
CONFORM(kconfig_version, "ref", "libbpf bpf_object__resolve_externs (LINUX_KERNEL_VERSION: get_kernel_version: /proc/version_signature, else uname release)");
CONFORM(kconfig_version, "requires", "btf_vmlinux");
CONFORM(kconfig_version, "requires", "bpf_get_current_task");
CONFORM(kconfig_version, "requires", "bpf_probe_read_kernel");
SEC("socket")
int kconfig_version(void *ctx)
{
	unsigned int v = LINUX_KERNEL_VERSION;
	struct task_struct *task = (void *)bpf_get_current_task();
	struct nsproxy *ns = NULL;
	struct uts_namespace *uts = NULL;
	char release[RELEASE_LEN] = {};
	__u32 want;

	ASSERT_NE(v, 0);  /* unpatched (.kconfig map not written): 0 */
	ASSERT_EQ(bpf_probe_read_kernel(&ns, sizeof(ns), &task->nsproxy), 0);
	ASSERT_EQ(bpf_probe_read_kernel(&uts, sizeof(uts), &ns->uts_ns), 0);
	ASSERT_EQ(bpf_probe_read_kernel(release, sizeof(release), uts->name.release), 0);
	want = release_version(release);
	ASSERT_GE(want, KERNEL_VERSION(4, 18, 0));      /* the kernel's release string parses */
	ASSERT_EQ(v >> 8, want >> 8);                   /* major and minor: exact */
	if (want & 0xff)
		ASSERT_EQ(v & 0xff, want & 0xff);       /* a real patch level in the release: exact */
	PASS();
}

/* /dev/kvm: host checks (presence, permission, PVM) and opening it with the capabilities we need.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm.h"
#include "vmm.h"

int kvm_is_pvm(void)
{
	return access(KVM_PVM_MODULE, F_OK) == 0;
}

static int open_dev(struct sb_error *err)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return error_set(err, ENOENT,
				 "/dev/kvm does not exist: this host has no KVM (load kvm_intel or "
				 "kvm_amd, enable virtualization in the firmware, or use a VM with "
				 "nested virtualization; from the source tree, tests/testhost/run -- "
				 "sandbox ... runs it under emulation)");
	if (errno == EACCES || errno == EPERM)
		return error_set(err, errno,
				 "no permission to open /dev/kvm: add yourself to group kvm "
				 "(usermod -aG kvm $USER, then log in again) or run as root");
	return error_set(err, errno, "open /dev/kvm");
}

int kvm_check_host(struct sb_error *err)
{
	int fd = open_dev(err);

	if (fd < 0)
		return fd;
	close(fd);
	const char *allow = getenv("SANDBOX_ALLOW_PVM");
	if (kvm_is_pvm() && !(allow && !strcmp(allow, "1"))) {
		/* errnum 0: the sentence says it all, no ": Operation not supported" */
		error_set(err, 0,
			  "this host's /dev/kvm is PVM (kvm_pvm), which cannot boot a stock "
			  "Linux guest; run it inside the test host: tests/testhost/run -- "
			  "sandbox ...");
		return -ENOTSUP;
	}
	return 0;
}

int kvm_open(size_t *run_size, struct sb_error *err)
{
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
	    {KVM_CAP_IRQCHIP, "IRQCHIP"},
	    {KVM_CAP_USER_MEMORY, "USER_MEMORY"},
	    {KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR"},
	    {KVM_CAP_SET_IDENTITY_MAP_ADDR, "SET_IDENTITY_MAP_ADDR"},
	    {KVM_CAP_PIT2, "PIT2"},
	    {KVM_CAP_EXT_CPUID, "EXT_CPUID"},
	    {KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT"},
	};
	int fd = open_dev(err);

	if (fd < 0)
		return fd;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return error_set(err, ENOTSUP, "/dev/kvm: unsupported KVM API version");
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			close(fd);
			return error_set(err, ENOTSUP, "/dev/kvm lacks KVM_CAP_%s", caps[i].name);
		}
	}
	int n = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (n < (int)sizeof(struct kvm_run)) {
		int e = n < 0 ? errno : EINVAL;
		close(fd);
		return error_set(err, e, "KVM_GET_VCPU_MMAP_SIZE");
	}
	*run_size = (size_t)n;
	return fd;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tun.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/ioctl.h>

#include "fault.h"

int tun_create_persistent(const char *name, uid_t uid, gid_t gid, struct error *e)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = -1;
	int r;

	r = fault_check("tun", e);
	if (r < 0)
		return r;
	fd = open(TUN_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, -errno, "opening %s", TUN_DEVICE);
	/* IFF_TUN_EXCL: fail instead of attaching to someone else's device
	 * of the same name. */
	ifr.ifr_flags = (short)(IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL); /* IFF_TUN_EXCL is 0x8000 */
	strscpy(ifr.ifr_name, sizeof(ifr.ifr_name), name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return err_set(e, -errno, "creating TUN device '%s'", name);
	if (uid != (uid_t)-1 && ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0)
		return err_set(e, -errno, "setting the owner of TUN device '%s'", name);
	if (gid != (gid_t)-1 && ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0)
		return err_set(e, -errno, "setting the group of TUN device '%s'", name);
	/* Last: until now, closing fd (on any failure above) removes the
	 * device again, so nothing is left behind. */
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		return err_set(e, -errno, "making TUN device '%s' persistent", name);
	return 0;
}

static bool parse_id(const char *s, unsigned long *ret)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*ret = strtoul(s, &end, 10);
	return !*end && !errno && *ret < (unsigned long)(uint32_t)-1;
}

int tun_resolve_user(const char *s, uid_t *ret, struct error *e)
{
	unsigned long id;
	struct passwd *pw;

	if (parse_id(s, &id)) {
		*ret = (uid_t)id;
		return 0;
	}
	errno = 0;
	pw = getpwnam(s);
	if (!pw)
		return err_set(e, errno ? -errno : -ENOENT, "no user '%s'", s);
	*ret = pw->pw_uid;
	return 0;
}

int tun_resolve_group(const char *s, gid_t *ret, struct error *e)
{
	unsigned long id;
	struct group *gr;

	if (parse_id(s, &id)) {
		*ret = (gid_t)id;
		return 0;
	}
	errno = 0;
	gr = getgrnam(s);
	if (!gr)
		return err_set(e, errno ? -errno : -ENOENT, "no group '%s'", s);
	*ret = gr->gr_gid;
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Names of error codes for log lines.
 * Environment: any.
 */
#include "lib/errno.h"

static const char *const err_names[] = {
	[E_OK] = "E_OK",
	[E_INVAL] = "E_INVAL",
	[E_NOMEM] = "E_NOMEM",
	[E_NOENT] = "E_NOENT",
	[E_FULL] = "E_FULL",
	[E_RANGE] = "E_RANGE",
	[E_CHECKSUM] = "E_CHECKSUM",
	[E_NOTSUP] = "E_NOTSUP",
	[E_TIMEOUT] = "E_TIMEOUT",
	[E_BUSY] = "E_BUSY",
	[E_EXIST] = "E_EXIST",
	[E_PERM] = "E_PERM",
	[E_NOSYS] = "E_NOSYS",
};

const char *err_name(int err)
{
	unsigned int e = (unsigned int)(err < 0 ? -err : err);

	if (e < sizeof(err_names) / sizeof(err_names[0]) && err_names[e])
		return err_names[e];
	return "E_UNKNOWN";
}

/* SPDX-License-Identifier: MIT */
/*
 * Error codes returned (negated) by hypervisor functions. Values are stable:
 * they appear in logs and, later, in the guest ABI.
 * Environment: any.
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define E_OK	   0
#define E_INVAL	   1  /* malformed argument or input */
#define E_NOMEM	   2  /* allocation failed */
#define E_NOENT	   3  /* the thing asked for does not exist */
#define E_FULL	   4  /* bounded queue or table is full */
#define E_RANGE	   5  /* value outside the supported range */
#define E_CHECKSUM 6  /* table checksum mismatch */
#define E_NOTSUP   7  /* feature absent on this platform */
#define E_TIMEOUT  8  /* a bounded wait expired */
#define E_BUSY	   9  /* resource in use */
#define E_EXIST	   10 /* already exists */
#define E_PERM	   11 /* not allowed */
#define E_NOSYS	   12 /* no such call (unknown hypercall number) */

/* Short name of an error code, for log lines ("E_FULL"). */
const char *err_name(int err);

#endif

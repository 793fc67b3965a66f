/** The negative errno values hypercalls return (spec section 5). */
export const ERRNO = {
  EPERM: -1,
  ESRCH: -3,
  EFAULT: -14,
  EBUSY: -16,
  EINVAL: -22,
  ENOSYS: -38,
} as const;

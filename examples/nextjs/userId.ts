/** The example's stand-in for a login: a random id per browser, in the `user` cookie (set by proxy.ts). */
export const isUserId = (id: string | undefined): id is string => id !== undefined && /^[0-9a-f-]{36}$/.test(id);

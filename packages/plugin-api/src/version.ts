/**
 * The version of the plugin contract this package describes. A plugin records the version it was built
 * against (definePlugin fills it in); the kernel refuses a plugin whose major differs or whose minor is newer.
 */
export const apiVersion = '2.0.0';

/** Older plugin API versions this host still loads unchanged: the last minor of each older major. */
export const compatibleApiVersions: readonly string[] = ['1.0.0'];

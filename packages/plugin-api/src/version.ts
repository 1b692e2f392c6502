/**
 * The version of the plugin contract this package describes. A plugin records the version it was built
 * against (definePlugin fills it in); the kernel refuses a plugin whose major differs or whose minor is newer.
 */
export const apiVersion = '1.0.0';

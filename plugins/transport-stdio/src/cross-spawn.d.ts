// cross-spawn ships no types; only its spawn is used, with node's signature.
declare module 'cross-spawn' {
  import type { spawn } from 'node:child_process';
  const crossSpawn: typeof spawn;
  export default crossSpawn;
}

/**
 * A typed key for a service. Tokens are plain objects, so plugin authors need no decorators or DI library:
 * list the tokens you need in `deps` and `setup` receives the services.
 */
export interface Token<T> {
  /** Unique, stable id, e.g. `core.logger`. */
  readonly id: string;
  /** True for multi-tokens: resolving gives every registered value as an array. */
  readonly multiple: boolean;
  /** Type carrier only; never set at run time. */
  readonly $type?: T;
}

/** Creates a token. Use a dotted id under your plugin's name: `myplugin.cache`. */
export function createToken<T>(id: string, options: { multiple?: boolean } = {}): Token<T> {
  if (!id || typeof id !== 'string') throw new TypeError('createToken: id must be a non-empty string');
  return Object.freeze({ id, multiple: options.multiple ?? false });
}

/** A record of tokens, as used in a plugin's `deps`. */
export type TokenMap = Record<string, Token<unknown>>;

/** The services a `deps` record resolves to. */
export type ResolvedDeps<D extends TokenMap> = {
  [K in keyof D]: D[K] extends Token<infer T> ? (D[K]['multiple'] extends true ? T[] : T) : never;
};

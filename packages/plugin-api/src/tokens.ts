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

/** A token under which several plugins may each provide one value; a dependency on it receives them all (`T[]`). */
export interface MultiToken<T> extends Token<T> {
  readonly multiple: true;
}

/**
 * Creates a token. Use a dotted id under your plugin's name: `myplugin.cache`. With `{ multiple: true }` it is a
 * multi-token: every plugin that provides it adds one value, and `deps` receive the array of them.
 */
export function createToken<T>(id: string, options: { multiple: true }): MultiToken<T>;
export function createToken<T>(id: string, options?: { multiple?: false }): Token<T>;
export function createToken<T>(id: string, options: { multiple?: boolean } = {}): Token<T> {
  if (!id || typeof id !== 'string') throw new TypeError('createToken: id must be a non-empty string');
  return Object.freeze({ id, multiple: options.multiple ?? false });
}

/** A record of tokens, as used in a plugin's `deps` and `provides`. */
export type TokenMap = Record<string, Token<unknown>>;

/** The services a `deps` record resolves to: a multi-token gives an array, any other token its one value. */
export type ResolvedDeps<D extends TokenMap> = {
  [K in keyof D]: D[K] extends MultiToken<infer T> ? T[] : D[K] extends Token<infer T> ? T : never;
};

/** The values a plugin's `setup` hands over for its `provides` record: one value per token (multi-tokens too). */
export type ProvidedServices<P extends TokenMap> = {
  [K in keyof P]: P[K] extends Token<infer T> ? T : never;
};

/**
 * The deepest nesting of objects and arrays a front door accepts in one client message, the JSON-RPC envelope
 * included (`{"params":{"arguments":{...}}}` is already 3 levels). Real tool arguments stay far below it (JSON
 * Schema documents and ASTs rarely pass 30 levels); a recursive walk over a value nested some thousands of levels
 * deep overflows the stack (`Maximum call stack size exceeded`) somewhere between the client and the server, and
 * the error would then blame the server. Front doors refuse such a message up front instead (JSON-RPC -32600).
 */
export const MAX_MESSAGE_DEPTH = 100;

/**
 * How deeply `value` nests objects and arrays, counting at most to `limit + 1` (a scalar is 0, `{}` and `[]` are 1,
 * `{"a":[1]}` is 2). Iterative, so it is safe on any depth; it stops as soon as the limit is passed.
 */
export function messageDepth(value: unknown, limit = MAX_MESSAGE_DEPTH): number {
  if (typeof value !== 'object' || value === null) return 0;
  let deepest = 0;
  const stack: Array<{ value: object; depth: number }> = [{ value, depth: 1 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return deepest;
    }
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return deepest;
}

/**
 * Why a client message is refused as too deep (`Invalid Request: …`, for a JSON-RPC -32600 error), or undefined
 * when it nests no deeper than {@link MAX_MESSAGE_DEPTH}. Every front door uses this one check and wording.
 */
export function messageTooDeep(value: unknown): string | undefined {
  if (messageDepth(value) <= MAX_MESSAGE_DEPTH) return undefined;
  return `Invalid Request: the message nests objects or arrays more than ${MAX_MESSAGE_DEPTH} levels deep; flatten the arguments`;
}

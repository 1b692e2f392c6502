import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';

/**
 * The SDK's own validator, built on first use. Every SDK `Client` and `Server` builds an Ajv instance (with its
 * formats) at construction, for checks the hub's links and sessions hardly ever run (a tool's output schema in
 * `Client.callTool`, an elicitation's schema in `Server.elicitInput`): one per downstream link and per client session,
 * ~4 ms for the first and ~30 KB of heap each. This one is per object, as the SDK's is, so nothing is shared
 * between servers (a schema `$id` of one never meets another's).
 */
export function lazyJsonSchemaValidator(): jsonSchemaValidator {
  let validator: AjvJsonSchemaValidator | undefined;
  return { getValidator: (schema) => (validator ??= new AjvJsonSchemaValidator()).getValidator(schema) };
}

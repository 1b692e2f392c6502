import { describe, expect, it } from 'vitest';
import { looseNotificationSchema, looseRequestSchema } from './schemas.js';

describe('loose message schemas', () => {
  it('are built once per method and shared (every link and session registers the same handlers)', () => {
    expect(looseRequestSchema('tools/list')).toBe(looseRequestSchema('tools/list'));
    expect(looseNotificationSchema('notifications/message')).toBe(looseRequestSchema('notifications/message'));
    expect(looseRequestSchema('tools/call')).not.toBe(looseRequestSchema('tools/list'));
  });

  it('keep params whole and refuse another method', () => {
    const schema = looseRequestSchema('tools/call');
    const request = { method: 'tools/call', params: { name: 'x', arguments: { a: 1 }, _meta: { k: 1 } }, extra: true };
    expect(schema.parse(request)).toEqual(request);
    expect(schema.safeParse({ method: 'tools/list' }).success).toBe(false);
  });
});

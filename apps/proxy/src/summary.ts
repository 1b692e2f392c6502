import type { Hub } from '@mcp-switchboard/hub';

/** One line for stderr: what is being served and where. */
export function summaryLine(hub: Hub, where: string): string {
  const status = hub.status();
  const ready = status.filter((s) => s.state === 'ready').length;
  const failed = status.filter((s) => s.state === 'failed');
  const restarting = status.filter((s) => s.state === 'restarting' || s.state === 'starting');
  const needsAuth = status.filter((s) => s.state === 'needs-auth');
  const resources = status.reduce((n, s) => n + s.resources, 0);
  const parts = [
    `${status.length} server${status.length === 1 ? '' : 's'} (${ready} ready` +
      (restarting.length ? `, ${restarting.length} still starting: ${restarting.map((s) => s.id).join(', ')}` : '') +
      (failed.length ? `, ${failed.length} failed: ${failed.map((s) => s.id).join(', ')}` : '') +
      (needsAuth.length
        ? `, ${needsAuth.length} need${needsAuth.length === 1 ? 's' : ''} a login: ${needsAuth.map((s) => `${s.id} (run: mcp-switchboard auth ${s.id})`).join(', ')}`
        : '') +
      ')',
    `${hub.tools().length} tools`,
    `${hub.prompts().length} prompts`,
    `${resources} resources`,
  ];
  return `switchboard: serving ${parts.join(', ')}; listening on ${where}`;
}

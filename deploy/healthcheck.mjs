// The container's HEALTHCHECK: liveness of the front door (GET /health), exit 0 when it answers 200.
// The port is the one the CLI listens on (SWITCHBOARD_PORT, default 12006).
const port = process.env.SWITCHBOARD_PORT || '12006';
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}

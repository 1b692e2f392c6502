import { PluginDriver, SwitchboardError, formatError } from '@mcp-switchboard/plugin-api';
import { boot, type Booted } from './boot.js';
import { connectAfterPendingInput } from './connect-after-input.js';
import type { CliSettings } from './cli-settings.js';
import { ConfigReloader, type ReloadOutcome } from './config-reloader.js';
import { frontDoorHost } from './front-door-host.js';
import { readChain, watchParentSwitchboard } from './nesting.js';
import { refuseOverStdio } from './refuse-over-stdio.js';
import { summaryLine } from './summary.js';

export interface RunProxyOptions {
  /** Told after every config reload (hot reload or SIGHUP). */
  onReload?: (outcome: ReloadOutcome) => void;
}

/**
 * Runs the proxy until a signal, the end of stdin (stdio front door) or a fatal error. Resolves with the
 * process exit code; never calls process.exit itself so it can be embedded and tested.
 */
export async function runProxy(settings: CliSettings, env: NodeJS.ProcessEnv = process.env, options: RunProxyOptions = {}): Promise<number> {
  // Read before boot(), which adds this process to the marker its children get.
  const chain = readChain(env);
  let booted: Booted;
  // Edits of the config file from this moment on are reloaded, even those made before the watch starts.
  const loadedAtMs = Date.now();
  try {
    booted = await boot(settings, env, process.cwd(), { connectors: connectAfterPendingInput });
  } catch (error) {
    const stdio = (settings.overrides.transport ?? settings.defaults.transport) === 'stdio';
    if (!(error instanceof SwitchboardError && error.code === 'SWB_NESTED_SWITCHBOARD') || !stdio) throw error;
    // Started as a server by the Switchboard above: refuse its initialize so it shows this server as failed.
    process.stderr.write(`mcp-switchboard: ${formatError(error)}\n`);
    await refuseOverStdio(error);
    return error.exitCode;
  }
  const { kernel, hub } = booted;
  const logger = kernel.logger;
  const config = kernel.config.current;
  const transportName = (config.transport as string | undefined) ?? settings.defaults.transport;

  // The front door's hooks go through a driver like every plugin hook: a failure names its plugin.
  const frontDoors = new PluginDriver(kernel.frontDoors);
  const frontDoor = frontDoors.entries.find((door) => door.contribution.name === transportName);
  if (!frontDoor) {
    await booted.stop();
    const known = kernel.transports.flatMap((t) => (t.upstream ? [t.upstream.name] : []));
    throw new SwitchboardError(
      'SWB_TRANSPORT_UNKNOWN',
      `no loaded plugin provides the "${transportName}" front door (available: ${known.join(', ') || 'none'})`,
    );
  }

  const reloader = new ConfigReloader({
    kernel,
    logger: logger.child({ component: 'config' }),
    loadedAtMs,
    ...(options.onReload ? { onReload: options.onReload } : {}),
  });

  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  let shuttingDown = false;
  const shutdown = (reason: string, code = 0) => {
    if (shuttingDown) return;
    shuttingDown = true;
    reloader.close();
    logger.info('stopping', { reason });
    void (async () => {
      try {
        await frontDoors.call(frontDoor, 'stop');
      } catch (error) {
        logger.error('front door failed to stop', { error: formatError(error) });
      }
      await booted.stop();
      resolveExit(code);
    })();
  };
  hub.onShutdownRequest = (reason) => shutdown(reason);
  // Started by another Switchboard (maybe through npx or sh -c): never outlive it.
  const unwatchParent = watchParentSwitchboard(chain, () => shutdown('the Switchboard that started this one has ended'));

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn('second signal: exiting now', { signal });
      resolveExit(1);
      return;
    }
    shutdown(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // An error nobody caught is blamed on the plugin whose code threw, when its stack says so. A plugin's promise
  // rejected unhandled leaves the process sound: it is logged and the proxy carries on. A throw is not: stop.
  const onUncaught = (error: unknown, origin: 'throw' | 'rejection') => {
    const plugin = kernel.pluginBlamedFor(error);
    if (plugin !== undefined && origin === 'rejection') {
      logger.error(`plugin "${plugin}" left a promise rejection unhandled; carrying on`, { plugin, error: formatError(error), err: error });
      return;
    }
    const where = plugin === undefined ? '' : ` in plugin "${plugin}"`;
    logger.error(`uncaught error${where}; stopping`, { error: formatError(error), ...(plugin === undefined ? {} : { plugin, err: error }) });
    shutdown('uncaught error', 1);
  };
  const onFatal = (error: unknown) => onUncaught(error, 'throw');
  const onRejection = (reason: unknown) => onUncaught(reason, 'rejection');
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onRejection);

  try {
    await frontDoors.call(frontDoor, 'start', frontDoorHost(hub, kernel.secrets));
  } catch (error) {
    await booted.stop();
    throw error;
  }
  // After the front door is up: from now on a SIGHUP reloads instead of ending the process.
  reloader.start();
  const where = frontDoors.callSync(frontDoor, 'describe') ?? transportName;
  void hub.settled(config.startupBudgetMs).then(() => {
    if (!shuttingDown) process.stderr.write(`${kernel.secrets.redact(summaryLine(hub, where))}\n`);
  });

  const code = await exited;
  unwatchParent();
  reloader.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('uncaughtException', onFatal);
  process.off('unhandledRejection', onRejection);
  return code;
}

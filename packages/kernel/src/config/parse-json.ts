import { SwitchboardError, errorMessage } from '@mcp-switchboard/plugin-api';
import { lineColumn, locateJsonError } from './json-position.js';

/**
 * Parses a JSON config file. Errors name the file and the line:column, so an editor can jump to the spot.
 */
export function parseJsonConfig(text: string, file: string): unknown {
  // A byte-order mark is common in files saved by Windows editors; JSON.parse rejects it.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(source);
  } catch (error) {
    const reason = errorMessage(error);
    const reported = /at position (\d+)/.exec(reason);
    const offset = reported ? Number(reported[1]) : locateJsonError(source);
    const { line, column } = lineColumn(source, offset < 0 ? source.length : offset);
    const what = reason.replace(/ in JSON at position \d+.*$/, '').replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
    throw new SwitchboardError('SWB_CONFIG_PARSE', `${file}:${line}:${column}: invalid JSON: ${what}`, {
      cause: error,
      details: { file, line, column },
    });
  }
}

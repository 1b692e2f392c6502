/** The suggestion helpers live in plugin-api (the CLI uses them too); the hub keeps this path. */
export { closestMatches, editDistance, type SuggestionCandidate } from '@mcp-switchboard/plugin-api';

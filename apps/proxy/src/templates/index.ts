// Templates of `mcp-switchboard create-plugin`, kept as TypeScript modules so `tsc` ships them in dist/ with
// no copy step.
import type { PluginKind } from '@mcp-switchboard/plugin-api';
import { configSourceTemplate } from './config-source.js';
import type { KindTemplate } from './context.js';
import { filterTemplate } from './filter.js';
import { middlewareTemplate } from './middleware.js';
import { reporterTemplate } from './reporter.js';
import { serviceTemplate } from './service.js';
import { transportTemplate } from './transport.js';

export type { KindTemplate, TemplateContext, TemplateVersions } from './context.js';
export { gitignore, packageJson, readme, tsconfigBuildJson, tsconfigJson, vitestConfig } from './package-files.js';

export const kindTemplates: Record<PluginKind, KindTemplate> = {
  'config-source': configSourceTemplate,
  transport: transportTemplate,
  filter: filterTemplate,
  reporter: reporterTemplate,
  middleware: middlewareTemplate,
  service: serviceTemplate,
};

// Export to production configs (issue 14): the stored routes as nginx,
// HAProxy, Caddy and Kubernetes configs. Pure functions from routes to text,
// one file per format, no I/O; where a setting has no equivalent, the output
// says so in a comment. Certificates are named by file, never included.
import { exportFileNames, type ExportedConfig, type ExportFormat } from '../../../shared/export-formats';
import type { Route } from '../../../shared/model';
import { toCaddyfile } from './caddy';
import { defaultExportOptions, type ExportOptions } from './common';
import { toGatewayApi } from './gateway-api';
import { toHaproxy } from './haproxy';
import { toIngress } from './k8s-ingress';
import { toNginx } from './nginx';

export { defaultExportOptions, type ExportOptions } from './common';

const exporters: Record<ExportFormat, (routes: readonly Route[], options: ExportOptions) => string> = {
  nginx: toNginx,
  haproxy: toHaproxy,
  caddy: toCaddyfile,
  'k8s-ingress': toIngress,
  'gateway-api': toGatewayApi,
};

export function exportConfig(format: ExportFormat, routes: readonly Route[], options: Partial<ExportOptions> = {}): ExportedConfig {
  return { format, text: exporters[format](routes, { ...defaultExportOptions, ...options }), fileName: exportFileNames[format] };
}

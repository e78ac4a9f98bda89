// Kept free of zod so the renderer can offer the formats without bundling it.

/** The production configs `switchyard export` writes, in the order the UI offers them. */
export const exportFormats = ['nginx', 'haproxy', 'caddy', 'k8s-ingress', 'gateway-api'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** What each format is, shown where the user picks one. */
export const exportFormatLabels: Record<ExportFormat, string> = {
  nginx: 'nginx',
  haproxy: 'HAProxy',
  caddy: 'Caddy',
  'k8s-ingress': 'Kubernetes Ingress',
  'gateway-api': 'Gateway API (HTTPRoute)',
};

/** The file name a saved export gets by default. */
export const exportFileNames: Record<ExportFormat, string> = {
  nginx: 'nginx.conf',
  haproxy: 'haproxy.cfg',
  caddy: 'Caddyfile',
  'k8s-ingress': 'ingress.yaml',
  'gateway-api': 'httproute.yaml',
};

export interface ExportedConfig {
  format: ExportFormat;
  /** The whole config, comments included; it names certificate files, never their contents. */
  text: string;
  fileName: string;
}

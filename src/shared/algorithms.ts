// Kept free of zod so the renderer can show the choices without bundling it.
export const algorithms = ['round-robin'] as const;
export type Algorithm = (typeof algorithms)[number];

/** One line per algorithm, shown where the user picks it. */
export const algorithmDescriptions: Record<Algorithm, string> = {
  'round-robin': 'Each request goes to the next enabled backend in turn.',
};

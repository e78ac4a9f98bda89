// Kept free of zod so the renderer can show the choices without bundling it.
export const algorithms = [
  'round-robin',
  'weighted-round-robin',
  'least-connections',
  'ip-hash',
  'consistent-hash',
  'random-two-choices',
] as const;
export type Algorithm = (typeof algorithms)[number];

/** One line per algorithm, shown where the user picks it. */
export const algorithmDescriptions: Record<Algorithm, string> = {
  'round-robin': 'Each request goes to the next enabled backend in turn.',
  'weighted-round-robin': 'Turns in proportion to weight, spread out evenly (nginx smooth weighted round-robin).',
  'least-connections': 'The backend with the fewest requests in flight for its weight; good when some requests are slow.',
  'ip-hash': 'Each client address always goes to the same backend while the set of backends is unchanged.',
  'consistent-hash': 'A key (header, cookie or path) picks the backend; removing one of N backends moves only about 1/N of keys.',
  'random-two-choices': 'Two backends at random, the less busy one wins: near least-connections with no herd effect.',
};

export const hashKeySources = ['path', 'header', 'cookie'] as const;
export type HashKeySource = (typeof hashKeySources)[number];

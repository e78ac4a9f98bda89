import type { Route } from '../../shared/model';

/**
 * Whether backend weights change where this route's requests go, per the
 * engine (src/main/core/engine/selection-policies.ts, balancer.ts): plain
 * round-robin takes turns regardless of weight; every other algorithm weighs
 * (smooth WRR, least-connections and two-choices relative to weight, ip-hash
 * and consistent-hash in proportion to it), and so does ip stickiness, which
 * maps clients by weight whatever the algorithm.
 */
export function weightsApply(route: Route): boolean {
  return route.algorithm !== 'round-robin' || route.settings.sticky === 'ip';
}

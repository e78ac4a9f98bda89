import { newSelectionState, type SelectionState } from './selection-policies';

/** Each route's balancer state (cursor, smooth-weight counters), kept across routing-table swaps so an edit does not restart the rotation. */
export class SelectionStates {
  private readonly states = new Map<number, SelectionState>();

  of(routeId: number): SelectionState {
    let state = this.states.get(routeId);
    if (!state) this.states.set(routeId, (state = newSelectionState()));
    return state;
  }

  retain(routeIds: ReadonlySet<number>): void {
    for (const id of this.states.keys()) if (!routeIds.has(id)) this.states.delete(id);
  }
}

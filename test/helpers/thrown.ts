import { SwitchyardError } from '../../src/shared/errors';

/** The SwitchyardError `run` throws, typed, so a test reads its code and message without any-typed matchers. */
export function thrownBy(run: () => unknown): SwitchyardError {
  try {
    run();
  } catch (error) {
    if (error instanceof SwitchyardError) return error;
    throw error;
  }
  throw new Error('Expected a SwitchyardError; nothing was thrown.');
}

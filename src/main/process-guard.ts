// The last line of defence, for both shells: an exception nothing caught, or
// a rejected promise nothing handled, is logged with what it was and the
// process keeps serving. A local proxy that exits takes every dev service
// behind it down, so staying up beats Node's default of exiting — but each
// such error is a bug: the code that threw should have handled it (ESLint's
// no-floating-promises keeps most of them out), and the log says where.

export interface GuardedProcess {
  on(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  off(event: 'uncaughtException', listener: (error: Error, origin: string) => void): unknown;
  off(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error));

/** Installs the guard; returns the function that removes it. */
export function guardProcess(log: (line: string) => void, target: GuardedProcess = process): () => void {
  const onException = (error: Error, origin: string) => {
    log(`switchyard: unexpected error (${origin}); Switchyard keeps running. Please report it: ${describe(error)}`);
  };
  const onRejection = (reason: unknown) => {
    log(`switchyard: unexpected error (unhandled promise rejection); Switchyard keeps running. Please report it: ${describe(reason)}`);
  };
  target.on('uncaughtException', onException);
  target.on('unhandledRejection', onRejection);
  return () => {
    target.off('uncaughtException', onException);
    target.off('unhandledRejection', onRejection);
  };
}

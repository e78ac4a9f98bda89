import type { CommandInput, CommandName, CommandResult } from '../../shared/commands';

type Call = <N extends CommandName>(name: N, input: CommandInput<N>) => Promise<CommandResult<N>>;

export const demoUsage = `  demo start|stop                          three demo backends (steady, flaky, slow) behind demo.localhost, with
                                           light traffic, to watch balancing, health and failover; stop removes it all`;

/** `switchyard demo start|stop`. */
export async function demoCommand(action: string | undefined, rest: readonly string[], call: Call, out: (text: string) => void, usage: (shape: string) => Error): Promise<number> {
  if ((action !== 'start' && action !== 'stop') || rest.length) throw usage('demo start|stop');
  if (action === 'stop') {
    await call('demo.stop', {});
    out('Demo stopped: its backends, traffic and route are gone.');
    return 0;
  }
  const demo = await call('demo.start', {});
  out(`Demo running: open ${demo.url}\n${demo.backends.map((backend) => `  ${backend.url}  ${backend.behaviour}`).join('\n')}\nStop it with \`switchyard demo stop\`.`);
  return 0;
}

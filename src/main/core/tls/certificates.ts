import { openLocalCa, type LocalCa, type LocalCaOptions } from './local-ca';

/**
 * The core's hold on the local CA: opened at start, replaced when the user's
 * permitted domains change (a new intermediate), read by the HTTPS listener
 * through `ca` at each new certificate it needs, so a change applies without
 * a restart.
 */
export class Certificates {
  private constructor(private current: LocalCa) {}

  static async open(options: LocalCaOptions): Promise<Certificates> {
    return new Certificates(await openLocalCa(options));
  }

  get ca(): LocalCa {
    return this.current;
  }
}

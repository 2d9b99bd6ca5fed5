// What Kubernetes or systemd does for order-relay's processes in the soak: starts one, restarts it when
// it exits by itself (noting that, with its last output), and lets the fault plan kill it on purpose.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RelayProcess } from '../../test/helpers/relay-process';

export class Supervised {
  /** Exits the soak did not cause (e.g. a worker giving up while Temporal was down). */
  readonly selfExits: string[] = [];
  private current!: RelayProcess;
  private stopping = false;

  private constructor(
    private readonly name: string,
    private readonly spawn: () => Promise<RelayProcess>,
    private readonly log: (line: string) => void,
  ) {}

  static async start(
    name: string,
    spawn: () => Promise<RelayProcess>,
    log: (line: string) => void,
  ): Promise<Supervised> {
    const s = new Supervised(name, spawn, log);
    await s.launch();
    return s;
  }

  get process(): RelayProcess {
    return this.current;
  }

  /** SIGKILL (a fault), then a new process. */
  async kill(): Promise<void> {
    const old = this.current;
    this.stopping = true;
    await old.kill();
    this.stopping = false;
    await this.launch();
  }

  /** SIGTERM for good. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.current.stop();
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.current.kill();
  }

  private async launch(): Promise<void> {
    // Like a supervisor's back-off: a process that cannot start yet (Temporal restarting) is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        this.current = await this.spawn();
        break;
      } catch (err) {
        if (this.stopping || attempt >= 60) throw err;
        await sleep(1_000);
      }
    }
    const started = this.current;
    this.log(`soak: ${this.name} running (pid ${started.child.pid})`);
    void started.exited.then(async (exit) => {
      this.log(`soak: ${this.name} pid ${started.child.pid} exited (${exit.signal ?? `code ${exit.code}`})`);
      if (this.stopping || this.current !== started) return;
      const last = started.output().split('\n').slice(-3).join(' | ');
      this.selfExits.push(`${this.name} exited by itself (${exit.signal ?? `code ${exit.code}`}): ${last}`);
      this.log(`soak: ${this.selfExits[this.selfExits.length - 1]}; restarting it`);
      await this.launch();
    });
  }
}

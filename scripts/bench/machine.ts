// How loaded the machine was while the bench ran: the figures mean little without it.
import os from 'node:os';

export interface MachineLoad {
  cpus: number;
  node: string;
  /** 1-minute load average at the start and at the end of the run. */
  loadAverageAtStart: number;
  loadAverageAtEnd?: number;
}

export function machineAtStart(): MachineLoad {
  return { cpus: os.cpus().length, node: process.version, loadAverageAtStart: Math.round(os.loadavg()[0]! * 10) / 10 };
}

export function machineAtEnd(m: MachineLoad): MachineLoad {
  return { ...m, loadAverageAtEnd: Math.round(os.loadavg()[0]! * 10) / 10 };
}

export const describeMachine = (m: MachineLoad) =>
  `${m.cpus} cores, Node.js ${m.node}, load average ${m.loadAverageAtStart}${m.loadAverageAtEnd !== undefined ? ` → ${m.loadAverageAtEnd}` : ''}`;

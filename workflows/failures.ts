// Reading Temporal failures inside the workflow: the type an activity gave its ApplicationFailure,
// and a one-line description for the status (innermost cause first: that is what went wrong).
import { ApplicationFailure } from '@temporalio/workflow';

function chain(err: unknown): Error[] {
  const out: Error[] = [];
  for (let cur: unknown = err; cur instanceof Error && out.length < 10; cur = cur.cause) out.push(cur);
  return out;
}

/** The ApplicationFailure type anywhere in the cause chain (activities set it), if any. */
export function failureType(err: unknown): string | undefined {
  return (
    chain(err).find((e): e is ApplicationFailure => e instanceof ApplicationFailure && !!e.type)?.type ?? undefined
  );
}

export function describeFailure(err: unknown): string {
  const errors = chain(err);
  const app = errors.find((e) => e instanceof ApplicationFailure);
  const innermost = app ?? errors[errors.length - 1];
  const outer = errors.find((e) => e.name === 'TimeoutFailure');
  const text = innermost ? innermost.message : String(err);
  return outer && outer !== innermost ? `${outer.message}: ${text}` : text;
}

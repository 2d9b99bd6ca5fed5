// How long a test waits for an event before it gives up and fails. Not a speed claim: waits end as
// soon as the event happens; this only bounds a test whose event never comes. Generous, so a loaded
// 2-core machine (workflow tasks taking seconds) does not turn a slow event into a failure.
export const PATIENCE_MS = Number(process.env.TEST_PATIENCE_MS ?? 120_000);

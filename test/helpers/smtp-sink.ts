// A real SMTP server on loopback (smtp-server) that parses every message it receives (mailparser).
// `rejectWith` makes it refuse the next messages with an SMTP reply code.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** Refuse the next messages with this SMTP reply code (e.g. 451 temporary, 550 permanent). */
  rejectWith: number | undefined;
  /** Messages refused so far. */
  refused: number;
  waitFor(count: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const waiters: Array<{ count: number; resolve: (r: ReceivedMail[]) => void }> = [];
  const sink: SmtpSink = {
    url: '',
    received: [],
    rejectWith: undefined,
    refused: 0,
    waitFor: (count) =>
      new Promise((resolve) => {
        if (sink.received.length >= count) resolve(sink.received);
        else waiters.push({ count, resolve });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (sink.rejectWith) {
            sink.refused++;
            const err = Object.assign(new Error('refused by the test'), { responseCode: sink.rejectWith });
            callback(err);
            return;
          }
          sink.received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
          for (const w of waiters.filter((w) => sink.received.length >= w.count)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(sink.received);
          }
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return sink;
}

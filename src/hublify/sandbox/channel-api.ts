// The HTTP face of the channel API: POST /api/<channel>/<verb>. Counts the call, plays a scheduled
// fault, checks the API-Channel-Token and hands the JSON body to the verb. Refusals use Hublify's
// envelope: 401 for a wrong or missing token, 404 for an unknown channel or verb.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '../../logger';
import type { HublifyEnvelope } from '../types';
import { isVerb, VERBS, type VerbContext } from './channel-verbs';
import { playFault, type FaultSchedule } from './faults';
import { sameSecret } from '../../same-secret';

export interface ChannelApiOptions {
  channel: string;
  token: string;
  verbs: VerbContext;
  faults: FaultSchedule;
  logger: Logger;
  closing: AbortSignal;
}

/** Verbs that change orders: the sandbox's state file is written after each that succeeded. */
const CHANGING_VERBS = new Set<string>(['order_create', 'order_update']);

const refusal = (text: string): HublifyEnvelope => ({ status: false, msg: [{ type: 'ERROR', text }] });

/** order_create's o_orderid_external, so tests count the calls each order caused (received, not deduplicated). */
function orderidExternalOf(verb: string, body: unknown): string | undefined {
  if (verb !== 'order_create' || typeof body !== 'object' || body === null) return undefined;
  const external = (body as { fields?: { order?: { o_orderid_external?: unknown } } }).fields?.order
    ?.o_orderid_external;
  return typeof external === 'string' ? external : undefined;
}

export function channelApiRouter(opts: ChannelApiOptions): Router {
  const router = express.Router();

  const countCall = (req: Request<{ channel: string; verb: string }>, res: Response, next: NextFunction) => {
    if (req.params.channel !== opts.channel) {
      res.status(404).json(refusal(`Unknown channel '${req.params.channel}'.`));
      return;
    }
    opts.verbs.state.countRequest(req.params.verb);
    next();
  };

  // Per order once the body is read (before it, req.body is not there yet), whatever happens next.
  const countOrderCall = (req: Request<{ verb: string }>, _res: Response, next: NextFunction) => {
    const external = orderidExternalOf(req.params.verb, req.body);
    if (external !== undefined) opts.verbs.state.countOrderCreate(external);
    next();
  };

  const faultCall = async (req: Request<{ verb: string }>, res: Response, next: NextFunction) => {
    const fault = opts.faults.take(req.params.verb);
    if (fault) {
      opts.logger.info({ verb: req.params.verb, fault: fault.kind }, 'hublify sandbox fault');
      if (await playFault(fault, req, res, opts.closing)) return;
    }
    next();
  };

  const answer = (req: Request<{ verb: string }>, res: Response) => {
    if (!sameSecret(req.get('API-Channel-Token'), opts.token)) {
      res.status(401).json(refusal('Access denied: invalid or missing API-Channel-Token.'));
      return;
    }
    const { verb } = req.params;
    if (!isVerb(verb)) {
      res.status(404).json(refusal(`Unknown api-function '${verb}'.`));
      return;
    }
    const body: unknown = req.body;
    const envelope = VERBS[verb](opts.verbs, body);
    if (envelope.status && CHANGING_VERBS.has(verb)) opts.verbs.state.persist();
    opts.logger.debug({ verb, status: envelope.status }, 'hublify sandbox call');
    res.json(envelope);
  };

  // Hublify reads the body as JSON whatever the Content-Type says. Faults play after the body is
  // read, as on a real server: a `slow` request whose caller gave up is still carried out (its
  // reply is lost), which is exactly the case duplicate detection by o_orderid_external exists for.
  router.post(
    '/:channel/:verb',
    countCall,
    express.json({ type: () => true, limit: '1mb' }),
    countOrderCall,
    faultCall,
    answer,
  );

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if ((err as { type?: unknown } | null)?.type !== 'entity.parse.failed') return next(err);
    res.status(400).json(refusal('Invalid JSON in request body.'));
  });
  router.use((_req: Request, res: Response) => {
    res.status(404).json(refusal('Unknown api-function.'));
  });
  return router;
}

// Failures carry text too: a Hublify refusal can quote a name or an address. With common attributes
// encoded, a failure's message and stack trace travel as a payload, which the codec encrypts like any
// other (the Web UI and clients with the codec show them as usual). Loaded by path, in the workflow
// sandbox (bundled) and by clients and workers (DataConverter.failureConverterPath).
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });

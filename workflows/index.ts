// Everything the worker registers as workflow code (bundled once by the worker).
export { orderWorkflow } from './order-workflow';

// Everything the worker registers as workflow code (bundled once by the worker).
export { orderWorkflow } from './order/workflow';
export { pullOrdersWorkflow } from './pull-orders-workflow';
export { reconcileOrdersWorkflow } from './reconcile-orders-workflow';
export { hublifySweepWorkflow } from './hublify-sweep-workflow';

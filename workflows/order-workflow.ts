// The order workflow lives in workflows/order/ (workflow.ts is its entry); this name is kept for importers.
export { orderWorkflow } from './order/workflow';

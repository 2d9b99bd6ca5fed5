// The Apicbase purchase order as the "Receive Orders" guide (section 3) describes it.
// Defined once: the webhook, the pull client, the workflow and the mapping all use this shape.
// The schema checks structure only; business rules (status, quantities, known customer…) live in
// activities/verify-order.ts so that every reason can be listed together.
import { z } from 'zod';

const nullableString = z.string().nullable().optional();

export const apicbasePackageSchema = z.looseObject({
  stock_item: z.looseObject({ name: z.string() }),
  supplier_package: z.looseObject({
    supplier_article_number: z.string(),
    theoretical_price_per_package: z.string(),
  }),
  quantity_ordered: z.number(),
  total_theoretical_price: z.string(),
});

/**
 * Whether an Apicbase id can stand as one URL path segment (the PATCH of its order) and in a workflow
 * id: besides the allowed characters, no ".." and no "." at either end, so neither "." nor ".." (which
 * a URL resolves to another resource: `purchase_orders/../`) nor anything that looks like a path step.
 */
export function isPathSafeApicbaseId(id: string): boolean {
  return !id.includes('..') && !id.startsWith('.') && !id.endsWith('.');
}

export const APICBASE_ID_DOTS_PROBLEM = 'must not contain ".." nor start or end with "."';

export const apicbaseOrderSchema = z.looseObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits, ".", "_", ":" or "-"')
    .refine(isPathSafeApicbaseId, APICBASE_ID_DOTS_PROBLEM),
  order_number: z.string().min(1).max(127),
  status: z.string(),
  ordered_on: z.string().min(1),
  owned_by: z.looseObject({ username: z.string() }).nullable().optional(),
  order_remarks: nullableString,
  packages: z.array(apicbasePackageSchema),
  expected_delivery_date: nullableString,
  theoretical_price: z.string(),
  supplier_customer_number: z.string().min(1).max(127),
});

export type ApicbasePackage = z.infer<typeof apicbasePackageSchema>;
export type ApicbaseOrder = z.infer<typeof apicbaseOrderSchema>;

/** The one workflow id per Apicbase order: webhook and pull both use it, so an order runs once. */
export function orderWorkflowId(apicbaseId: string): string {
  return `apicbase-order-${apicbaseId}`;
}

/** Every problem zod found, as "path: message" lines a customer or operator can act on. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`);
}

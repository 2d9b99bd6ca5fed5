// A link to the order's workflow in the Temporal Web UI, for responses and the CLI.
export function workflowUiLink(baseUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  if (!baseUrl) return undefined;
  return `${baseUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * `{{path.to.value}}` substitution over an execution's context. Roots: `contact`, `conversation`,
 * `trigger`, `ai`, `workflow` and, in a webhook's response reply, `response` (its JSON body).
 * A missing value renders as the empty string; objects render as JSON. The same roots are what
 * the workflow contract accepts (TEMPLATE_PATTERN), so an unknown variable is refused at save time.
 */
export const TEMPLATE_ROOTS = ['contact', 'conversation', 'trigger', 'ai', 'workflow', 'response'] as const;

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

export function renderTemplate(template: string, context: Readonly<Record<string, unknown>>): string {
  return template.replace(VARIABLE, (_whole, path: string) => {
    const value = path
      .split('.')
      .reduce<unknown>(
        (current, segment) =>
          current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined,
        context,
      );
    if (value === undefined || value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

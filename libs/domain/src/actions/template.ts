/**
 * `{{path.to.value}}` substitution over an execution's context. Roots: `contact`, `memory`,
 * `conversation`, `trigger`, `ai`, `workflow` and, in a webhook's response reply, `response` (its JSON body).
 * A missing value renders as the empty string; objects render as JSON. The same roots are what
 * the workflow contract accepts (TEMPLATE_PATTERN), so an unknown variable is refused at save time.
 */
export const TEMPLATE_ROOTS = ['contact', 'memory', 'conversation', 'trigger', 'ai', 'workflow', 'response'] as const;

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

export function renderTemplate(template: string, context: Readonly<Record<string, unknown>>): string {
  return template.replace(VARIABLE, (_whole, path: string) => {
    const value = valueAt(context, path);
    if (value === undefined || value === null) return '';
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

const WHOLE_VARIABLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*\}\}$/;

/**
 * Renders every string of a JSON template. A string that is exactly one variable becomes that
 * value with its own JSON type (a number stays a number, the transcript an array; missing: null);
 * other strings are rendered as text.
 */
export function renderPayloadTemplate(template: unknown, context: Readonly<Record<string, unknown>>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_VARIABLE.exec(template);
    return whole ? (valueAt(context, whole[1]!) ?? null) : renderTemplate(template, context);
  }
  if (Array.isArray(template)) return template.map((item) => renderPayloadTemplate(item, context));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, renderPayloadTemplate(value, context)]),
    );
  }
  return template;
}

function valueAt(context: Readonly<Record<string, unknown>>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (current, segment) =>
        current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment] : undefined,
      context,
    );
}

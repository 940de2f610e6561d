import type { Action } from '@app/contracts';
import { REDACTED_HEADER_VALUE, withHeaderValuesRedacted, withRedactedHeadersKept } from './header-values';

const stored: Action = {
  type: 'webhook',
  url: 'https://orders.example.com/cancel',
  headers: { Authorization: 'Bearer sk_live_123456789', 'X-Source': 'agent-workflows' },
};

describe('custom header values', () => {
  it('are redacted from what the API shows and keeps in history, whatever else the definition holds', () => {
    expect(withHeaderValuesRedacted({ name: 'Cancel', action: stored })).toEqual({
      name: 'Cancel',
      action: { ...stored, headers: { Authorization: '[redacted]', 'X-Source': '[redacted]' } },
    });
    const reply = { action: { type: 'reply', message: { text: 'hi' } } };
    expect(withHeaderValuesRedacted(reply)).toBe(reply);
    expect(withHeaderValuesRedacted({ version: 3 })).toEqual({ version: 3 });
  });

  it('sent back redacted keep their saved value (name in any case); new and changed ones are taken', () => {
    const edited: Action = {
      ...stored,
      url: 'https://orders.example.com/v2/cancel',
      headers: { authorization: REDACTED_HEADER_VALUE, 'X-Source': 'v2', 'X-Tenant': 'acme' },
    };
    expect(withRedactedHeadersKept(edited, stored)).toEqual({
      action: {
        ...edited,
        headers: { authorization: 'Bearer sk_live_123456789', 'X-Source': 'v2', 'X-Tenant': 'acme' },
      },
      issues: [],
    });
  });

  it('refuses a redacted value with no saved header to keep, naming the header', () => {
    const added: Action = { ...stored, headers: { 'X-Api-Key': REDACTED_HEADER_VALUE } };
    for (const before of [stored, undefined]) {
      expect(withRedactedHeadersKept(added, before).issues).toEqual([
        {
          field: '/action/headers/X-Api-Key',
          reason: 'is "[redacted]", which keeps a saved value, and the workflow has no such header: send its value',
        },
      ]);
    }
  });
});

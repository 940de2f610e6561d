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
      // Another path of the same origin.
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

  it('keeps no saved value for a URL on another origin: a credential never follows a workflow elsewhere', () => {
    for (const url of [
      'https://attacker.example/x',
      'http://orders.example.com/cancel',
      'https://orders.example.com:8443/cancel',
    ]) {
      const moved: Action = { ...stored, url, headers: { Authorization: REDACTED_HEADER_VALUE } };
      expect(withRedactedHeadersKept(moved, stored).issues).toEqual([
        {
          field: '/action/headers/Authorization',
          reason:
            'is "[redacted]", but a saved value is kept only while the URL stays on the same origin: send its value',
        },
      ]);
    }
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

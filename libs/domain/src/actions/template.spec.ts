import { renderPayloadTemplate, renderTemplate } from './template';

describe('renderTemplate', () => {
  const context = {
    contact: { name: 'Ada' },
    response: { order: { id: 'A-17', refund: 42.5 }, items: ['x'] },
  };

  it('substitutes nested values, missing ones as empty, objects as JSON', () => {
    expect(
      renderTemplate('Hi {{contact.name}}, order {{ response.order.id }} refunds {{response.order.refund}}', context),
    ).toBe('Hi Ada, order A-17 refunds 42.5');
    expect(renderTemplate('[{{contact.email}}]', context)).toBe('[]');
    expect(renderTemplate('{{response.items}}', context)).toBe('["x"]');
    expect(renderTemplate('no variables { here }', context)).toBe('no variables { here }');
  });
});

describe('renderPayloadTemplate', () => {
  const context = { contact: { name: 'Ada' }, memory: { orderId: 4711, tags: ['vip'] } };

  it('keeps the JSON type of a string that is one variable, renders other strings as text, and leaves the rest', () => {
    expect(
      renderPayloadTemplate(
        {
          order: '{{memory.orderId}}',
          tags: '{{ memory.tags }}',
          missing: '{{memory.plan}}',
          greeting: 'Hi {{contact.name}}, order {{memory.orderId}}',
          nested: [{ who: '{{contact.name}}' }, 3, true, null],
        },
        context,
      ),
    ).toEqual({
      order: 4711,
      tags: ['vip'],
      missing: null,
      greeting: 'Hi Ada, order 4711',
      nested: [{ who: 'Ada' }, 3, true, null],
    });
  });
});

import { renderTemplate } from './template';

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

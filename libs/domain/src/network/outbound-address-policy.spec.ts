import { OutboundAddressPolicy } from './outbound-address-policy';

describe('OutboundAddressPolicy', () => {
  const strict = new OutboundAddressPolicy([]);

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '192.0.2.10',
    '198.51.100.1',
    '203.0.113.9',
    '::1',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '2001:db8::1',
    '::169.254.169.254',
    '::7f00:1',
    '168.63.129.16',
    '::ffff:168.63.129.16',
    '100.100.100.200',
    '192.0.0.192',
    '64:ff9b::a9fe:a9fe',
    '2002:a9fe:a9fe::1',
  ])('refuses %s', (address) => {
    expect(strict.refusalReason(address)).not.toBeNull();
  });

  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(strict.refusalReason(address)).toBeNull();
    },
  );

  it('lets an allow-listed subnet through, and only that one', () => {
    const development = new OutboundAddressPolicy(['127.0.0.0/8']);
    expect(development.refusalReason('127.0.0.1')).toBeNull();
    expect(development.refusalReason('::ffff:127.0.0.1')).toBeNull();
    expect(development.refusalReason('10.0.0.1')).toMatch(/private/);
  });

  describe('urlRefusalReason', () => {
    it.each([
      ['http://10.0.0.1/h', /10\.0\.0\.1 is in a private range/],
      ['https://169.254.169.254/latest/meta-data', /linkLocal/],
      ['http://[::ffff:169.254.169.254]/h', /^::ffff:a9fe:a9fe \(169\.254\.169\.254\) is in a linkLocal range$/],
      ['http://[::1]:8080/h', /loopback/],
      ['http://2130706433/h', /127\.0\.0\.1 is in a loopback range/],
      ['http://0x7f.1/h', /127\.0\.0\.1 is in a loopback range/],
      ['http://localhost:3000/h', /localhost is a loopback name/],
      ['http://localhost.:3000/h', /localhost is a loopback name/],
      ['http://api.LOCALHOST/h', /api\.localhost is a loopback name/],
    ])('refuses %s, whose host is known without a lookup', (url, reason) => {
      expect(strict.urlRefusalReason(url)).toMatch(reason);
    });

    it.each(['https://example.com/h', 'https://8.8.8.8/h', 'https://[2606:4700:4700::1111]/h', 'not a url'])(
      'leaves %s to the check at connect time',
      (url) => {
        expect(strict.urlRefusalReason(url)).toBeNull();
      },
    );

    it('lets allow-listed addresses and localhost through when loopback is allowed', () => {
      const development = new OutboundAddressPolicy(['127.0.0.0/8', '::1/128']);
      expect(development.urlRefusalReason('http://127.0.0.1:9/h')).toBeNull();
      expect(development.urlRefusalReason('http://localhost:9/h')).toBeNull();
      expect(development.urlRefusalReason('http://[::1]:9/h')).toBeNull();
      expect(development.urlRefusalReason('http://10.0.0.1/h')).toMatch(/private/);
    });
  });

  it('rejects an invalid allow-list entry at construction', () => {
    expect(() => new OutboundAddressPolicy(['not-a-cidr'])).toThrow(/invalid CIDR/);
  });
});

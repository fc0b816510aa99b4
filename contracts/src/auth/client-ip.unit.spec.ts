import { clientIpBucket } from './client-ip';

describe('clientIpBucket', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(clientIpBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientIpBucket('203.0.113.8')).not.toBe(clientIpBucket('203.0.113.7'));
  });

  it('puts every address of one IPv6 /64 in one bucket, whatever its spelling', () => {
    const bucket = clientIpBucket('2001:db8:1:2::1');
    expect(bucket).toBe('2001:db8:1:2::/64');
    for (const ip of ['2001:db8:1:2:ffff:ffff:ffff:fffe', '2001:0DB8:0001:0002:0:0:0:1', '2001:db8:1:2:a:b:c:d', '2001:db8:1:2::1%eth0'])
      expect(clientIpBucket(ip)).toBe(bucket);
    expect(clientIpBucket('2001:db8:1:3::1')).not.toBe(bucket);
    expect(clientIpBucket('::1')).toBe('0:0:0:0::/64');
    expect(clientIpBucket('2001:db8::1.2.3.4')).toBe('2001:db8:0:0::/64');
  });

  it('counts an IPv4-mapped IPv6 address as the IPv4 address', () => {
    expect(clientIpBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientIpBucket('::ffff:cb00:7107')).toBe('203.0.113.7');
  });

  it('returns what it cannot parse unchanged', () => {
    expect(clientIpBucket('2001:db8::1::2')).toBe('2001:db8::1::2');
    expect(clientIpBucket('unknown')).toBe('unknown');
  });
});

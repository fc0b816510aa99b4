import { createOutboundPolicy, type HostResolver, type ResolvedAddress } from './outbound-policy';
import { checkUrl, type DestinationRule, type UrlRefusalReason } from './url-check';

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

/** A zone file: no test touches the network. */
const zone: Record<string, ResolvedAddress[]> = {
  'hooks.example.com': [v4('93.184.216.34')],
  'dual.example.com': [v4('93.184.216.34'), v6('2606:2800:220:1:248:1893:25c8:1946')],
  'hooks.slack.com': [v4('3.33.0.1')],
  'discord.com': [v4('162.159.135.232')],
  'discordapp.com': [v4('162.159.130.233')],
  'rebind.example.com': [v4('127.0.0.1')],
  'mixed.example.com': [v4('93.184.216.34'), v4('10.0.0.5')],
  'mixed6.example.com': [v4('93.184.216.34'), v6('::1')],
  'mapped.example.com': [v6('::ffff:169.254.169.254')],
  'nat64.example.com': [v6('64:ff9b::7f00:1')],
  'metadata.google.internal': [v4('169.254.169.254')],
  'ecs.example.com': [v4('169.254.170.2')],
  'ula.example.com': [v6('fd00:ec2::254')],
  'zero.example.com': [v4('0.0.0.0')],
  'empty.example.com': [],
  'garbage.example.com': [v4('not-an-ip')],
};

const resolve: HostResolver = async (hostname) => {
  const answer = zone[hostname];
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return answer;
};

const policy = createOutboundPolicy({ resolve });
const slack: DestinationRule = {
  hosts: ['hooks.slack.com'],
  path: /^\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/,
  description: 'a Slack incoming-webhook URL',
};
const discord: DestinationRule = {
  hosts: ['discord.com', 'discordapp.com'],
  path: /^\/api(\/v\d+)?\/webhooks\/\d+\/[A-Za-z0-9_-]+\/?$/,
  description: 'a Discord webhook URL',
};

type Expected = 'ok' | UrlRefusalReason;

describe('checkUrl: the SSRF table', () => {
  const table: [string, string, Expected][] = [
    ['public name', 'https://hooks.example.com/alerts', 'ok'],
    ['public name, every address public', 'https://dual.example.com/alerts', 'ok'],
    ['public IPv4 literal', 'https://93.184.216.34/hook', 'ok'],
    ['public IPv6 literal', 'https://[2606:2800:220:1:248:1893:25c8:1946]/hook', 'ok'],
    ['NAT64 of a public address', 'https://[64:ff9b::5db8:d822]/hook', 'ok'],
    ['any https port on a public host', 'https://hooks.example.com:8443/alerts', 'ok'],

    ['plain http', 'http://hooks.example.com/alerts', 'scheme'],
    ['ftp', 'ftp://hooks.example.com/alerts', 'scheme'],
    ['file', 'file:///etc/passwd', 'scheme'],
    ['gopher', 'gopher://hooks.example.com:70/_x', 'scheme'],
    ['javascript', 'javascript:alert(1)', 'scheme'],
    ['not a URL', 'hooks.example.com/alerts', 'invalid-url'],
    ['too long', `https://hooks.example.com/${'a'.repeat(2100)}`, 'invalid-url'],

    ['loopback', 'https://127.0.0.1/', 'forbidden-address'],
    ['loopback, short form', 'https://127.1/', 'forbidden-address'],
    ['loopback, hex parts', 'https://0x7f.1/', 'forbidden-address'],
    ['loopback, one hex number', 'https://0x7f000001/', 'forbidden-address'],
    ['loopback, one octal number', 'https://017700000001/', 'forbidden-address'],
    ['loopback, octal parts', 'https://0177.0.0.1/', 'forbidden-address'],
    ['loopback, one decimal number', 'https://2130706433/', 'forbidden-address'],
    ['loopback, zero-padded parts', 'https://127.000.000.001/', 'forbidden-address'],
    ['loopback, trailing dot', 'https://127.0.0.1./', 'forbidden-address'],
    ['loopback, percent-encoded', 'https://%31%32%37.0.0.1/', 'forbidden-address'],
    ['loopback, full-width digits', 'https://１２７.０.０.１/', 'forbidden-address'],
    ['loopback, with a port', 'https://127.0.0.1:8443/', 'forbidden-address'],
    ['IPv6 loopback', 'https://[::1]/', 'forbidden-address'],
    ['IPv6 loopback, long form', 'https://[0:0:0:0:0:0:0:1]/', 'forbidden-address'],
    ['IPv6 loopback, zero-padded', 'https://[0000:0000:0000:0000:0000:0000:0000:0001]/', 'forbidden-address'],
    ['IPv4-mapped loopback, dotted', 'https://[::ffff:127.0.0.1]/', 'forbidden-address'],
    ['IPv4-mapped loopback, hex', 'https://[::ffff:7f00:1]/', 'forbidden-address'],
    ['IPv4-mapped loopback, long form', 'https://[0:0:0:0:0:ffff:127.0.0.1]/', 'forbidden-address'],
    ['IPv4-translated loopback', 'https://[::ffff:0:127.0.0.1]/', 'forbidden-address'],
    ['IPv4-compatible loopback', 'https://[::127.0.0.1]/', 'forbidden-address'],
    ['NAT64 loopback', 'https://[64:ff9b::127.0.0.1]/', 'forbidden-address'],
    ['NAT64 metadata', 'https://[64:ff9b::a9fe:a9fe]/', 'forbidden-address'],
    ['6to4 loopback', 'https://[2002:7f00:1::]/', 'forbidden-address'],
    ['unspecified', 'https://0.0.0.0/', 'forbidden-address'],
    ['unspecified, one number', 'https://0/', 'forbidden-address'],
    ['IPv6 unspecified', 'https://[::]/', 'forbidden-address'],
    ['private 10/8', 'https://10.1.2.3/', 'forbidden-address'],
    ['private 172.16/12', 'https://172.16.5.4/', 'forbidden-address'],
    ['private 172.16/12, top', 'https://172.31.255.255/', 'forbidden-address'],
    ['private 192.168/16', 'https://192.168.1.1/', 'forbidden-address'],
    ['private, hex', 'https://0xc0a80101/', 'forbidden-address'],
    ['carrier-grade NAT 100.64/10', 'https://100.64.0.1/', 'forbidden-address'],
    ['unique local fc00::/7', 'https://[fd12:3456::1]/', 'forbidden-address'],
    ['link-local', 'https://169.254.10.20/', 'forbidden-address'],
    ['IPv6 link-local', 'https://[fe80::1]/', 'forbidden-address'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/', 'forbidden-address'],
    ['cloud metadata, decimal', 'https://2852039166/', 'forbidden-address'],
    ['cloud metadata, IPv6 (AWS)', 'https://[fd00:ec2::254]/', 'forbidden-address'],
    ['multicast', 'https://224.0.0.1/', 'forbidden-address'],
    ['IPv6 multicast', 'https://[ff02::1]/', 'forbidden-address'],
    ['broadcast', 'https://255.255.255.255/', 'forbidden-address'],
    ['reserved 240/4', 'https://240.0.0.1/', 'forbidden-address'],
    ['localhost', 'https://localhost/', 'forbidden-address'],
    ['localhost, trailing dot and capitals', 'https://LOCALHOST./', 'forbidden-address'],
    ['a .localhost name', 'https://api.localhost/', 'forbidden-address'],

    ['userinfo hiding the real host', 'https://hooks.slack.com@127.0.0.1/', 'credentials'],
    ['userinfo with a password', 'https://user:pass@hooks.example.com/', 'credentials'],
    ['encoded slash in userinfo', 'https://hooks.example.com%2F@127.0.0.1/', 'credentials'],
    ['fragment hiding the real host', 'https://127.0.0.1#@hooks.example.com/', 'forbidden-address'],
    ['backslash as a path separator', 'https://127.0.0.1\\@hooks.example.com/', 'forbidden-address'],

    ['name resolving to loopback', 'https://rebind.example.com/', 'forbidden-address'],
    ['name with one private address among public ones', 'https://mixed.example.com/', 'forbidden-address'],
    ['name with an IPv6 loopback among public ones', 'https://mixed6.example.com/', 'forbidden-address'],
    ['name resolving to an IPv4-mapped metadata address', 'https://mapped.example.com/', 'forbidden-address'],
    ['name resolving to NAT64 loopback', 'https://nat64.example.com/', 'forbidden-address'],
    ['name resolving to GCP metadata', 'https://metadata.google.internal/computeMetadata/v1/', 'forbidden-address'],
    ['name resolving to ECS task metadata', 'https://ecs.example.com/v2/credentials', 'forbidden-address'],
    ['name resolving to AWS IPv6 metadata', 'https://ula.example.com/', 'forbidden-address'],
    ['name resolving to 0.0.0.0', 'https://zero.example.com/', 'forbidden-address'],
    ['name resolving to something that is not an address', 'https://garbage.example.com/', 'forbidden-address'],
    ['name that does not resolve', 'https://nowhere.example.com/', 'unresolvable'],
    ['name with no addresses', 'https://empty.example.com/', 'unresolvable'],
  ];

  it.each(table)('%s: %s → %s', async (_name, url, expected) => {
    const result = await checkUrl(url, policy);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('returns every resolved address, all checked, for the connection to use', async () => {
    const result = await checkUrl('https://dual.example.com/a', policy);
    expect(result.ok && result.addresses).toEqual(zone['dual.example.com']);
  });

  it('says which address was refused and why, without echoing the URL and its secret path', async () => {
    const result = await checkUrl('https://mapped.example.com/T0/B0/secret-token', policy);
    expect(result).toEqual({
      ok: false,
      reason: 'forbidden-address',
      message:
        'mapped.example.com resolves to ::ffff:169.254.169.254, which is a metadata address (it carries the IPv4 ' +
        'address 169.254.169.254); only public addresses may be called',
    });
  });
});

describe('checkUrl: official hosts', () => {
  it.each<[string, DestinationRule, Expected]>([
    ['https://hooks.slack.com/services/T000/B000/XXXXXXXX', slack, 'ok'],
    ['https://HOOKS.SLACK.COM/services/T000/B000/XXXXXXXX', slack, 'ok'],
    ['https://hooks.slack.com./services/T000/B000/XXXXXXXX', slack, 'ok'],
    ['https://hooks.slack.com:443/services/T000/B000/XXXXXXXX', slack, 'ok'],
    ['http://hooks.slack.com/services/T000/B000/XXXXXXXX', slack, 'scheme'],
    ['https://hooks.slack.com:8443/services/T000/B000/XXXXXXXX', slack, 'destination'],
    ['https://hooks.slack.com.evil.example/services/T000/B000/XXXXXXXX', slack, 'destination'],
    ['https://evil.example/hooks.slack.com/services/T000/B000/XXXXXXXX', slack, 'destination'],
    ['https://slack.com/services/T000/B000/XXXXXXXX', slack, 'destination'],
    ['https://hooks.slack.com/workflows/T000/A000/1/xyz', slack, 'destination'],
    ['https://hooks.slack.com/services/T000/B000/XXXX/../../../x', slack, 'destination'],
    ['https://discord.com/api/webhooks/1234567890/abc_DEF-123', discord, 'ok'],
    ['https://discordapp.com/api/webhooks/1234567890/abc_DEF-123', discord, 'ok'],
    ['https://discord.com/api/v10/webhooks/1234567890/abc_DEF-123', discord, 'ok'],
    ['https://discord.com/channels/1234567890/42', discord, 'destination'],
    ['https://discord.gg/api/webhooks/1234567890/abc', discord, 'destination'],
    ['https://discord.com.evil.example/api/webhooks/1234567890/abc', discord, 'destination'],
  ])('%s → %s', async (url, rule, expected) => {
    const result = await checkUrl(url, policy, rule);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });
});

describe('checkUrl: trusted origins (tests, on-premises receivers)', () => {
  const trusting = createOutboundPolicy({ resolve, trustedOrigins: ['http://127.0.0.1:4567', 'https://chat.corp.example'] });

  it.each<[string, Expected]>([
    ['http://127.0.0.1:4567/hook', 'ok'],
    ['http://127.1:4567/hook', 'ok'],
    ['http://127.0.0.1.:4567/hook', 'ok'],
    ['http://127.0.0.1:4568/hook', 'scheme'],
    ['https://127.0.0.1:4568/hook', 'forbidden-address'],
    ['https://127.0.0.1:4567/hook', 'forbidden-address'],
    ['http://localhost:4567/hook', 'scheme'],
    ['http://[::1]:4567/hook', 'scheme'],
    ['http://user@127.0.0.1:4567/hook', 'credentials'],
  ])('%s → %s', async (url, expected) => {
    const result = await checkUrl(url, trusting);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('lifts the official-host rule for a trusted origin only (a Slack-compatible Mattermost)', async () => {
    expect((await checkUrl('https://chat.corp.example/hooks/xyz', trusting, slack)).ok).toBe(false);
    const resolving = createOutboundPolicy({
      trustedOrigins: ['https://chat.corp.example'],
      resolve: async () => [v4('10.20.30.40')],
    });
    const trusted = await checkUrl('https://chat.corp.example/hooks/xyz', resolving, slack);
    expect(trusted.ok && trusted.trusted).toBe(true);
  });

  it('refuses settings that are not a bare origin, at start', () => {
    for (const entry of ['http://127.0.0.1:4567/hook', 'http://u:p@127.0.0.1', 'ftp://127.0.0.1', 'not a url', 'http://x?y']) {
      expect(() => createOutboundPolicy({ trustedOrigins: [entry] })).toThrow(/trusted origin/);
    }
  });
});

import type { AlertNotification } from '../alert-notification';

/** Alerts of every kind, as the alerts service would hand them over. */
export function sampleAlerts(): AlertNotification[] {
  const base = {
    alertId: 'alr_0192f3a1',
    organization: { id: 'org_1', name: 'Acme' },
    scope: { type: 'project' as const, description: 'project checkout-bot' },
    period: {
      unit: 'monthly' as const,
      start: '2025-05-31T22:00:00.000Z',
      end: '2025-06-30T22:00:00.000Z',
      timeZone: 'Europe/Paris',
    },
    link: 'https://app.llmlab.example/orgs/org_1/alerts/alr_0192f3a1',
    firedAt: '2025-06-18T09:15:00.000Z',
  };
  const hour = { unit: 'hourly' as const, start: '2025-06-18T08:00:00.000Z', end: '2025-06-18T09:00:00.000Z', timeZone: 'UTC' };
  return [
    {
      ...base,
      kind: 'threshold',
      spend: { amount: '812.400000000000', currency: 'USD' },
      budget: { amount: '1000', currency: 'USD' },
      percentage: '81.24',
      threshold: '80',
    },
    {
      ...base,
      kind: 'forecast',
      spend: { amount: '640.10', currency: 'USD' },
      projected: { amount: '1187.5', currency: 'USD' },
      budget: { amount: '1000', currency: 'USD' },
      percentage: '118.75',
    },
    {
      ...base,
      period: hour,
      kind: 'anomaly',
      spend: { amount: '96.5', currency: 'USD' },
      baseline: { amount: '18.2', currency: 'USD' },
      score: '14.3',
    },
    {
      ...base,
      period: hour,
      kind: 'error_rate',
      requests: 1200,
      errors: 282,
      errorRate: '23.5',
      baselineRate: '1.2',
    },
    {
      ...base,
      period: hour,
      kind: 'trace_failures',
      traces: 40,
      flagged: 14,
      flaggedRate: '35.00',
      flags: { tool_loop: 9, error: 6 },
      examples: ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'],
    },
    { ...base, period: hour, kind: 'unpriced', records: 37, models: ['acme-llm-2', 'mystery-model'] },
    {
      ...base,
      scope: { type: 'organization' as const, description: 'organization Acme' },
      period: { unit: 'daily' as const, start: '2025-06-17T00:00:00.000Z', end: '2025-06-18T00:00:00.000Z', timeZone: 'UTC' },
      kind: 'reconciliation',
      provider: 'openai',
      day: '2025-06-17',
      direction: 'unrecorded',
      recorded: { amount: '41.250000000000', currency: 'USD' },
      billed: { amount: '58.9', currency: 'USD' },
      difference: { amount: '17.650000000000', currency: 'USD' },
    },
    {
      ...base,
      scope: { type: 'organization' as const, description: 'organization Acme' },
      period: { unit: 'window' as const, start: '2025-06-18T09:14:58.120Z', end: '2025-06-18T09:14:58.120Z', timeZone: 'UTC' },
      kind: 'audit_integrity',
      position: 1042,
      reason: 'anchor_changed',
      detail: 'event 1042 is no longer the event the audit tree recorded: the store was rewritten from there on',
      detectedAt: '2025-06-18T09:14:58.120Z',
    },
  ];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';

function unknownKeys(where: string, value: Json, allowed: string[]): string[] {
  return Object.keys(value)
    .filter((k) => !allowed.includes(k))
    .map((k) => `${where}: unknown field ${k}`);
}

function textObject(where: string, value: unknown, max: number, onlyPlain = false): string[] {
  if (!isObject(value)) return [`${where}: not a text object`];
  const problems = unknownKeys(where, value, ['type', 'text', 'emoji', 'verbatim']);
  if (value.type !== 'plain_text' && (onlyPlain || value.type !== 'mrkdwn')) problems.push(`${where}: bad type ${String(value.type)}`);
  if (!str(value.text) || value.text.length === 0) problems.push(`${where}: empty text`);
  else if (value.text.length > max) problems.push(`${where}: ${value.text.length} > ${max} characters`);
  if (value.emoji !== undefined && value.type !== 'plain_text') problems.push(`${where}: emoji only on plain_text`);
  return problems;
}

/**
 * What Slack documents for an incoming-webhook message with Block Kit (docs.slack.dev/reference/block-kit/blocks):
 * a `text` fallback, at most 50 blocks, and each block's fields and limits. Returns the violations.
 */
export function slackMessageViolations(body: unknown): string[] {
  if (!isObject(body)) return ['body: not an object'];
  const problems = unknownKeys('body', body, ['text', 'blocks', 'attachments', 'thread_ts', 'mrkdwn', 'unfurl_links']);
  if (!str(body.text) || !body.text) problems.push('text: the fallback text is required with blocks');
  if (!Array.isArray(body.blocks) || body.blocks.length === 0 || body.blocks.length > 50) {
    return [...problems, 'blocks: 1 to 50 blocks'];
  }
  body.blocks.forEach((block: unknown, i) => {
    const at = `blocks/${i}`;
    if (!isObject(block)) return problems.push(`${at}: not an object`);
    switch (block.type) {
      case 'header':
        problems.push(...unknownKeys(at, block, ['type', 'text', 'block_id']), ...textObject(`${at}/text`, block.text, 150, true));
        break;
      case 'section': {
        problems.push(...unknownKeys(at, block, ['type', 'text', 'fields', 'accessory', 'block_id', 'expand']));
        if (block.text === undefined && block.fields === undefined) problems.push(`${at}: text or fields required`);
        if (block.text !== undefined) problems.push(...textObject(`${at}/text`, block.text, 3000));
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields) || block.fields.length === 0 || block.fields.length > 10) {
            problems.push(`${at}/fields: 1 to 10 items`);
          } else block.fields.forEach((f: unknown, j) => problems.push(...textObject(`${at}/fields/${j}`, f, 2000)));
        }
        break;
      }
      case 'actions':
        problems.push(...unknownKeys(at, block, ['type', 'elements', 'block_id']));
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) {
          problems.push(`${at}/elements: 1 to 25 elements`);
          break;
        }
        block.elements.forEach((e: unknown, j) => {
          const where = `${at}/elements/${j}`;
          if (!isObject(e) || e.type !== 'button') return problems.push(`${where}: expected a button`);
          problems.push(...unknownKeys(where, e, ['type', 'text', 'url', 'action_id', 'value', 'style']));
          problems.push(...textObject(`${where}/text`, e.text, 75, true));
          if (e.url !== undefined && (!str(e.url) || e.url.length > 3000)) problems.push(`${where}/url: at most 3000`);
          if (!str(e.action_id) || e.action_id.length > 255) problems.push(`${where}/action_id: at most 255`);
        });
        break;
      case 'context':
        problems.push(...unknownKeys(at, block, ['type', 'elements', 'block_id']));
        if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 10) {
          problems.push(`${at}/elements: 1 to 10 elements`);
        } else block.elements.forEach((e: unknown, j) => problems.push(...textObject(`${at}/elements/${j}`, e, 3000)));
        break;
      case 'divider':
        break;
      default:
        problems.push(`${at}: unexpected block type ${String(block.type)}`);
    }
  });
  return problems;
}

/**
 * What Discord documents for Execute Webhook with embeds (discord.com/developers/docs/resources/webhook,
 * .../message#embed-object-embed-limits). Returns the violations.
 */
export function discordMessageViolations(body: unknown): string[] {
  if (!isObject(body)) return ['body: not an object'];
  const problems = unknownKeys('body', body, ['content', 'username', 'avatar_url', 'tts', 'embeds', 'allowed_mentions', 'flags']);
  if (body.username !== undefined && (!str(body.username) || body.username.length > 80)) problems.push('username: 1 to 80');
  if (!Array.isArray(body.embeds) || body.embeds.length === 0 || body.embeds.length > 10) return [...problems, 'embeds: 1 to 10'];
  let total = 0;
  const count = (where: string, value: unknown, max: number, required = false) => {
    if (value === undefined && !required) return;
    if (!str(value) || (required && value.length === 0)) return problems.push(`${where}: must be a non-empty string`);
    if (value.length > max) problems.push(`${where}: ${value.length} > ${max}`);
    total += value.length;
  };
  body.embeds.forEach((embed: unknown, i) => {
    const at = `embeds/${i}`;
    if (!isObject(embed)) return problems.push(`${at}: not an object`);
    problems.push(
      ...unknownKeys(at, embed, [
        'title',
        'type',
        'description',
        'url',
        'timestamp',
        'color',
        'footer',
        'image',
        'thumbnail',
        'author',
        'fields',
      ]),
    );
    count(`${at}/title`, embed.title, 256);
    count(`${at}/description`, embed.description, 4096);
    if (
      embed.color !== undefined &&
      !(Number.isInteger(embed.color) && (embed.color as number) >= 0 && (embed.color as number) <= 0xffffff)
    ) {
      problems.push(`${at}/color: an integer 0 to 0xFFFFFF`);
    }
    if (embed.timestamp !== undefined && !(str(embed.timestamp) && new Date(embed.timestamp).toISOString() === embed.timestamp)) {
      problems.push(`${at}/timestamp: ISO 8601`);
    }
    if (isObject(embed.footer)) count(`${at}/footer/text`, embed.footer.text, 2048, true);
    if (embed.fields !== undefined) {
      if (!Array.isArray(embed.fields) || embed.fields.length > 25) problems.push(`${at}/fields: at most 25`);
      else {
        embed.fields.forEach((f: unknown, j) => {
          if (!isObject(f)) return problems.push(`${at}/fields/${j}: not an object`);
          count(`${at}/fields/${j}/name`, f.name, 256, true);
          count(`${at}/fields/${j}/value`, f.value, 1024, true);
          if (f.inline !== undefined && typeof f.inline !== 'boolean') problems.push(`${at}/fields/${j}/inline: boolean`);
        });
      }
    }
  });
  if (total > 6000) problems.push(`embeds: ${total} characters in all > 6000`);
  return problems;
}

import { createHash } from 'node:crypto';
import { anthropicOperations } from './anthropic.operations';
import { openAIOperations } from './openai.operations';
import { canonicalJson, fingerprintPrefix } from './prompt-prefix';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const spec = (operation: string) => [...openAIOperations, ...anthropicOperations].find((o) => o.operation === operation)!;
const tool = { type: 'function', function: { name: 'search', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };

describe('prompt-prefix fingerprints', () => {
  it('hashes the canonical JSON of the instructions and tools, whatever the key order, with a token estimate', () => {
    const system = { role: 'system', content: 'You are a support agent for Acme. Answer briefly.' };
    const a = fingerprintPrefix({ tools: [tool], instructions: [system] });
    const b = fingerprintPrefix({
      tools: [{ function: { parameters: { properties: { q: { type: 'string' } }, type: 'object' }, name: 'search' }, type: 'function' }],
      instructions: [{ content: system.content, role: 'system' }],
    });
    const canonical =
      '{"instructions":[{"content":"You are a support agent for Acme. Answer briefly.","role":"system"}],' +
      '"tools":[{"function":{"name":"search","parameters":{"properties":{"q":{"type":"string"}},"type":"object"}},"type":"function"}]}';
    expect(a).toEqual({ hash: sha256(canonical), tokens: Math.ceil(Buffer.byteLength(canonical) / 4), tools: 1 });
    expect(b).toEqual(a);
    expect(fingerprintPrefix({ tools: [], instructions: [{ ...system, content: 'Another prompt' }] })?.hash).not.toBe(a?.hash);
    expect(fingerprintPrefix({ tools: [], instructions: [] })).toBeUndefined();
    expect(canonicalJson({ b: [1, undefined], a: 'é', c: undefined })).toBe('{"a":"é","b":[1,null]}');
  });

  it('takes the leading system and developer messages and the tools of a chat completion, not the conversation', () => {
    const parts = spec('chat.completions.create').prefixParts!({
      model: 'gpt-4o-mini',
      tools: [tool],
      messages: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'system', content: 'Acme support.' },
        { role: 'user', content: 'Where is my order?' },
        { role: 'system', content: 'late instruction, part of the varying conversation' },
      ],
    });
    expect(parts).toEqual({
      tools: [tool],
      instructions: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'system', content: 'Acme support.' },
      ],
    });
    const otherQuestion = spec('chat.completions.create').prefixParts!({
      tools: [tool],
      messages: [
        { role: 'developer', content: 'Be terse.' },
        { role: 'system', content: 'Acme support.' },
        { role: 'user', content: 'Cancel it.' },
      ],
    });
    expect(fingerprintPrefix(otherQuestion)).toEqual(fingerprintPrefix(parts));
  });

  it("reads the Responses API's instructions and Anthropic's system and tools", () => {
    expect(spec('responses.create').prefixParts!({ instructions: 'Be terse.', input: 'hi', tools: [tool] })).toEqual({
      tools: [tool],
      instructions: [{ role: 'instructions', content: 'Be terse.' }],
    });
    const system = [{ type: 'text', text: 'Acme support.', cache_control: { type: 'ephemeral' } }];
    expect(spec('messages.create').prefixParts!({ system, tools: [{ name: 'search', input_schema: {} }], messages: [] })).toEqual({
      tools: [{ name: 'search', input_schema: {} }],
      instructions: [system],
    });
    expect(spec('embeddings.create').prefixParts).toBeUndefined();
  });
});

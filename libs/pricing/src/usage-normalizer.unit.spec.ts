import { computeCost } from './cost-calculator';
import type { PriceEntry, PriceRates } from './price-entry';
import { PricingError, PricingErrorCode } from './pricing.errors';
import { detectUsageDialect, normalizeUsage } from './usage-normalizer';

function price(rates: PriceRates): PriceEntry {
  return { id: 't', provider: 't', model: 't', effectiveFrom: null, effectiveTo: null, currency: 'USD', rates };
}

describe('normalizeUsage', () => {
  describe('OpenAI Chat Completions', () => {
    it('keeps prompt_tokens and completion_tokens as totals and reads their details as parts', () => {
      const raw = {
        prompt_tokens: 2_000,
        completion_tokens: 900,
        total_tokens: 2_900,
        prompt_tokens_details: { cached_tokens: 1_536, audio_tokens: 100, cache_write_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 600,
          audio_tokens: 50,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      };
      expect(normalizeUsage('openai', raw)).toEqual({
        inputTokens: 2_000,
        cachedInputTokens: 1_536,
        inputAudioTokens: 100,
        outputTokens: 900,
        reasoningTokens: 600,
        outputAudioTokens: 50,
      });
    });

    it('prices cached tokens once (gpt-4o, worked by hand)', () => {
      const usage = normalizeUsage('openai', {
        prompt_tokens: 2_000,
        completion_tokens: 300,
        prompt_tokens_details: { cached_tokens: 1_536 },
      });
      // 464 × $2.50/M + 1536 × $1.25/M + 300 × $10/M = 0.00116 + 0.00192 + 0.003
      expect(computeCost(usage, price({ input: '2.5', output: '10', cachedInput: '1.25' })).amount).toBe('0.006080000000');
    });

    it('reads the same format from OpenAI-compatible providers', () => {
      expect(normalizeUsage('groq', { prompt_tokens: 10, completion_tokens: 5 })).toEqual({
        inputTokens: 10,
        outputTokens: 5,
      });
    });
  });

  describe('OpenAI Responses, Realtime and Images', () => {
    it('reads input_tokens as a total with cached and reasoning details', () => {
      const raw = {
        input_tokens: 5_000,
        input_tokens_details: { cached_tokens: 4_096, cache_write_tokens: 0 },
        output_tokens: 800,
        output_tokens_details: { reasoning_tokens: 600 },
        total_tokens: 5_800,
      };
      expect(detectUsageDialect('openai', raw)).toBe('openai-responses');
      expect(normalizeUsage('openai', raw)).toEqual({
        inputTokens: 5_000,
        cachedInputTokens: 4_096,
        outputTokens: 800,
        reasoningTokens: 600,
      });
    });

    it('reads the Realtime API token details, cached audio and images included', () => {
      const raw = {
        input_tokens: 10_000,
        output_tokens: 1_000,
        input_token_details: {
          text_tokens: 5_000,
          audio_tokens: 3_000,
          image_tokens: 2_000,
          cached_tokens: 4_000,
          cached_tokens_details: { text_tokens: 2_500, audio_tokens: 1_000, image_tokens: 500 },
        },
        output_token_details: { text_tokens: 400, audio_tokens: 600 },
      };
      expect(normalizeUsage('openai', raw)).toEqual({
        inputTokens: 10_000,
        cachedInputTokens: 4_000,
        inputAudioTokens: 3_000,
        cachedInputAudioTokens: 1_000,
        inputImageTokens: 2_000,
        cachedInputImageTokens: 500,
        outputTokens: 1_000,
        outputAudioTokens: 600,
      });
    });

    it('reads image tokens of the Images API', () => {
      const raw = {
        input_tokens: 50,
        input_tokens_details: { text_tokens: 40, image_tokens: 10 },
        output_tokens: 4_160,
        output_tokens_details: { text_tokens: 0, image_tokens: 4_160 },
      };
      expect(normalizeUsage('openai', raw)).toEqual({
        inputTokens: 50,
        inputImageTokens: 10,
        outputTokens: 4_160,
        outputImageTokens: 4_160,
      });
    });
  });

  describe('Anthropic Messages', () => {
    const raw = {
      input_tokens: 1_000,
      cache_read_input_tokens: 20_000,
      cache_creation_input_tokens: 5_000,
      cache_creation: { ephemeral_5m_input_tokens: 3_000, ephemeral_1h_input_tokens: 2_000 },
      output_tokens: 500,
      output_tokens_details: { thinking_tokens: 200 },
      server_tool_use: null,
      service_tier: 'standard',
    };

    it('adds cache reads and writes to input_tokens, which leaves them out', () => {
      expect(normalizeUsage('anthropic', raw)).toEqual({
        inputTokens: 26_000,
        cachedInputTokens: 20_000,
        cacheWriteTokens: 5_000,
        cacheWrite1hTokens: 2_000,
        outputTokens: 500,
        reasoningTokens: 200,
      });
    });

    it('prices each cached token once (Claude Sonnet 3.5, worked by hand)', () => {
      const sonnet = price({ input: '3', output: '15', cachedInput: '0.3', cacheWrite: '3.75', cacheWrite1h: '6' });
      const usage = normalizeUsage('anthropic', { ...raw, cache_creation: null, output_tokens_details: null });
      // 1000 × $3/M + 20000 × $0.30/M + 5000 × $3.75/M + 500 × $15/M
      expect(computeCost(usage, sonnet).amount).toBe('0.035250000000');
      // With 2000 of the writes in a 1-hour cache: 3000 × 3.75 + 2000 × 6 instead of 5000 × 3.75.
      expect(computeCost(normalizeUsage('anthropic', raw), sonnet).amount).toBe('0.039750000000');
    });

    it('reads null counts, as a streamed message_delta sends them, as zero', () => {
      const delta = {
        input_tokens: null,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: null,
        output_tokens: 42,
      };
      expect(normalizeUsage('anthropic', delta)).toEqual({ inputTokens: 0, outputTokens: 42 });
    });

    it('recognises the format on Bedrock and Vertex AI by its cache fields', () => {
      const claude = { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 5 };
      expect(normalizeUsage('bedrock', claude)).toMatchObject({ inputTokens: 100, cachedInputTokens: 90 });
      expect(normalizeUsage('vertex_ai', claude)).toMatchObject({ inputTokens: 100, cachedInputTokens: 90 });
    });
  });

  describe('Google Gemini', () => {
    it('keeps the cached content inside promptTokenCount and adds thoughts and tool-use prompts', () => {
      const raw = {
        promptTokenCount: 10_000,
        cachedContentTokenCount: 4_000,
        candidatesTokenCount: 1_000,
        thoughtsTokenCount: 2_000,
        toolUsePromptTokenCount: 500,
        totalTokenCount: 13_500,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: 8_000 },
          { modality: 'AUDIO', tokenCount: 1_500 },
          { modality: 'DOCUMENT', tokenCount: 500 },
        ],
        cacheTokensDetails: [{ modality: 'AUDIO', tokenCount: 1_000 }],
        candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 1_000 }],
      };
      expect(detectUsageDialect('gemini', raw)).toBe('gemini');
      expect(normalizeUsage('google', raw)).toEqual({
        inputTokens: 10_500,
        cachedInputTokens: 4_000,
        inputAudioTokens: 1_500,
        cachedInputAudioTokens: 1_000,
        inputImageTokens: 500,
        outputTokens: 3_000,
        reasoningTokens: 2_000,
      });
    });

    it('bills thoughts as output once (Gemini 2.5 Pro, worked by hand)', () => {
      const usage = normalizeUsage('gemini', {
        promptTokenCount: 10_000,
        cachedContentTokenCount: 4_000,
        candidatesTokenCount: 1_000,
        thoughtsTokenCount: 2_000,
      });
      // 6000 × $1.25/M + 4000 × $0.125/M + 1000 × $10/M + 2000 × $10/M = 0.0075 + 0.0005 + 0.01 + 0.02
      const cost = computeCost(usage, price({ input: '1.25', output: '10', cachedInput: '0.125' }));
      expect(cost.amount).toBe('0.038000000000');
      expect(cost.breakdown.reasoning).toBe('0.020000000000');
    });
  });

  describe('Amazon Bedrock Converse', () => {
    it('adds cache reads and writes to inputTokens, which leaves them out', () => {
      const raw = {
        inputTokens: 100,
        outputTokens: 20,
        totalTokens: 1_120,
        cacheReadInputTokens: 800,
        cacheWriteInputTokens: 200,
      };
      expect(detectUsageDialect('aws.bedrock', raw)).toBe('bedrock-converse');
      expect(normalizeUsage('bedrock', raw)).toEqual({
        inputTokens: 1_100,
        cachedInputTokens: 800,
        cacheWriteTokens: 200,
        outputTokens: 20,
      });
    });
  });

  describe('rejects', () => {
    it.each([
      ['a usage that is not an object', 'openai', null, 'usage'],
      ['an unknown shape', 'openai', { tokens: 3 }, 'usage'],
      ['a negative count', 'openai', { prompt_tokens: -1, completion_tokens: 0 }, 'prompt_tokens'],
      ['a count as text', 'anthropic', { input_tokens: '7', output_tokens: 1 }, 'input_tokens'],
      [
        'details that are not an object',
        'openai',
        { prompt_tokens: 1, completion_tokens: 0, prompt_tokens_details: 5 },
        'prompt_tokens_details',
      ],
      [
        'a fractional detail',
        'openai',
        { prompt_tokens: 1, completion_tokens: 0, prompt_tokens_details: { cached_tokens: 0.5 } },
        'prompt_tokens_details.cached_tokens',
      ],
      [
        'modality details that are not a list',
        'google',
        { promptTokenCount: 1, promptTokensDetails: { modality: 'TEXT' } },
        'promptTokensDetails',
      ],
      [
        'a bad modality count',
        'google',
        { promptTokenCount: 1, promptTokensDetails: [{ modality: 'AUDIO', tokenCount: -2 }] },
        'promptTokensDetails.0.tokenCount',
      ],
    ])('%s as INVALID_PROVIDER_USAGE at the raw field', (_, provider, raw, field) => {
      expect(() => normalizeUsage(provider, raw)).toThrow(expect.objectContaining({ code: PricingErrorCode.InvalidProviderUsage, field }));
    });

    it('counts that contradict each other as INVALID_USAGE at the platform field', () => {
      const raw = { prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 101 } };
      expect(() => normalizeUsage('openai', raw)).toThrow(PricingError);
      expect(() => normalizeUsage('openai', raw)).toThrow(
        expect.objectContaining({ code: PricingErrorCode.InvalidUsage, field: 'cachedInputTokens' }),
      );
    });
  });
});

/**
 * Other names clients use for the providers of the genai-prices dataset, mapped to its provider ids: the
 * OpenTelemetry GenAI `gen_ai.provider.name` values, LiteLLM's provider prefixes and common spellings.
 * A Map, not an object literal, so that a provider called `constructor` is not found on Object.prototype.
 */
const PROVIDER_ALIASES: ReadonlyMap<string, string> = new Map([
  // OpenTelemetry GenAI semantic conventions, gen_ai.provider.name
  ['aws.bedrock', 'aws'],
  ['azure.ai.inference', 'azure'],
  ['azure.ai.openai', 'azure'],
  ['gcp.gemini', 'google'],
  ['gcp.gen_ai', 'google'],
  ['gcp.vertex_ai', 'google'],
  ['mistral_ai', 'mistral'],
  ['x_ai', 'x-ai'],
  // OpenAI
  ['open-ai', 'openai'],
  ['open_ai', 'openai'],
  // Microsoft Azure (Azure OpenAI and Azure AI Foundry)
  ['azure-openai', 'azure'],
  ['azure_openai', 'azure'],
  ['azure-ai', 'azure'],
  ['azure_ai', 'azure'],
  // Amazon Bedrock
  ['bedrock', 'aws'],
  ['aws-bedrock', 'aws'],
  ['aws_bedrock', 'aws'],
  ['amazon-bedrock', 'aws'],
  ['amazon_bedrock', 'aws'],
  // Google: Gemini API and Vertex AI
  ['gemini', 'google'],
  ['google-ai', 'google'],
  ['google_ai', 'google'],
  ['google-genai', 'google'],
  ['google_genai', 'google'],
  ['vertex', 'google'],
  ['vertex-ai', 'google'],
  ['vertex_ai', 'google'],
  ['vertexai', 'google'],
  ['google-vertex', 'google'],
  // Others
  ['xai', 'x-ai'],
  ['mistralai', 'mistral'],
  ['mistral-ai', 'mistral'],
  ['together-ai', 'together'],
  ['together_ai', 'together'],
  ['togetherai', 'together'],
  ['fireworks-ai', 'fireworks'],
  ['fireworks_ai', 'fireworks'],
  ['moonshot', 'moonshotai'],
  ['moonshot-ai', 'moonshotai'],
  ['voyage', 'voyageai'],
  ['voyage-ai', 'voyageai'],
  ['copilot', 'github-copilot'],
  ['github_copilot', 'github-copilot'],
  ['zhipu', 'zhipuai'],
  ['workers-ai', 'cloudflare'],
  ['cloudflare-workers-ai', 'cloudflare'],
]);

/**
 * The provider id prices are filed under. Known aliases map to the dataset's id; any other name is kept,
 * lower-cased and trimmed, so an organization can price a provider the dataset does not know.
 */
export function normalizeProvider(name: string): string {
  const key = name.trim().toLowerCase();
  return PROVIDER_ALIASES.get(key) ?? key;
}

/** Every accepted alias with the provider id it stands for, for documentation and the pricing API. */
export function providerAliases(): ReadonlyMap<string, string> {
  return PROVIDER_ALIASES;
}

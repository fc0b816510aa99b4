import type { AnthropicImageSource } from './anthropic.wire';
import { isPlainObject, refuse } from './translation.result';

/** The image types Anthropic accepts; OpenAI accepts the same four. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s;

/** An OpenAI `image_url.url`: a base64 data URL becomes a `base64` source, an http(s) URL a `url` source. */
export function toAnthropicImageSource(url: string, field: string): AnthropicImageSource {
  const data = DATA_URL.exec(url);
  if (data) {
    const mediaType = data[1].toLowerCase();
    if (!IMAGE_TYPES.has(mediaType)) refuse(field, `Anthropic accepts JPEG, PNG, GIF and WebP images, not ${mediaType}`);
    return { type: 'base64', media_type: mediaType, data: data[3] };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  return refuse(field, 'an image is translated from a base64 data URL or an http(s) URL only');
}

/** An Anthropic image `source` as the URL OpenAI's `image_url` takes. */
export function toOpenAIImageUrl(source: unknown, field: string): string {
  if (isPlainObject(source) && source.type === 'base64' && typeof source.data === 'string' && typeof source.media_type === 'string') {
    return `data:${source.media_type};base64,${source.data}`;
  }
  if (isPlainObject(source) && source.type === 'url' && typeof source.url === 'string') return source.url;
  const kind = isPlainObject(source) ? String(source.type) : typeof source;
  return refuse(field, `an image source of type ${kind} (an uploaded file) has no OpenAI equivalent`);
}

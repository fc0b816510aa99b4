/** One server-sent event: its `event:` name when it has one, and its `data:` lines joined by `\n`. */
export interface SseMessage {
  event?: string;
  data: string;
}

/**
 * An incremental parser of `text/event-stream`, as the HTML standard defines it: feed it chunks as they arrive,
 * split anywhere (inside a UTF-8 sequence, between `\r` and `\n`), and it returns the events each chunk completed.
 * Lines end with `\r\n`, `\n` or `\r`; `:` lines are comments (keep-alives); several `data:` lines make one
 * multi-line data; an event without data is not dispatched; `id` and `retry` are read and ignored (a proxy does not
 * reconnect). At the end of the input an unfinished event is discarded, as the standard says: it may be cut short.
 */
export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  /** The current line, until its end arrives. */
  private line = '';
  /** The previous chunk ended with `\r`: a `\n` starting the next one belongs to that line end. */
  private skipLineFeed = false;
  private started = false;
  private event: string | undefined;
  private data: string[] = [];

  feed(chunk: Uint8Array | string): SseMessage[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    return this.scan(text);
  }

  /** The input ended: what a trailing partial UTF-8 sequence completes, then the unfinished event is dropped. */
  end(): SseMessage[] {
    const messages = this.scan(this.decoder.decode());
    this.line = '';
    this.event = undefined;
    this.data = [];
    this.skipLineFeed = false;
    return messages;
  }

  private scan(text: string): SseMessage[] {
    const messages: SseMessage[] = [];
    let start = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      // The decoder removes a byte-order mark itself; a string input may still begin with one.
      if (text.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.skipLineFeed && text.length > start) {
      this.skipLineFeed = false;
      if (text[start] === '\n') start += 1;
    }
    for (let i = start; i < text.length; i++) {
      const char = text[i];
      if (char !== '\n' && char !== '\r') continue;
      this.take(this.line + text.slice(start, i), messages);
      this.line = '';
      if (char === '\r') {
        if (i + 1 === text.length) this.skipLineFeed = true;
        else if (text[i + 1] === '\n') i += 1;
      }
      start = i + 1;
    }
    this.line += text.slice(start);
    return messages;
  }

  private take(line: string, messages: SseMessage[]) {
    if (line === '') {
      if (this.data.length > 0) {
        messages.push({ ...(this.event ? { event: this.event } : {}), data: this.data.join('\n') });
      }
      this.event = undefined;
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}

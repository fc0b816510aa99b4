/** An error's message, whatever was thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Header values are one line of printable ASCII; error messages are neither, nor short. */
export function headerValue(text: string): string {
  const oneLine = text.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return oneLine.length > 500 ? oneLine.slice(0, 497) + '...' : oneLine;
}

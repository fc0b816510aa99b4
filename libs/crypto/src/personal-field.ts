import type { Ciphertext } from '@llmlab/contracts';
import { openText, sealText } from './aes-gcm';

/** What a personal field reads as once its subject was erased (its key destroyed). */
export const ERASED = '[erased]';

/** A personal field's ciphertext (base64url), bound to its subject and field name. */
export function sealField(key: Buffer, subjectId: string, field: string, value: string): Ciphertext {
  return sealText(key, value, `${subjectId}:${field}`);
}

/** The field in clear, or the placeholder when the subject was erased (no key) or the field is absent. */
export function openField(key: Buffer | undefined, subjectId: string, field: string, ciphertext: Ciphertext | null): string {
  if (!key || ciphertext === null) return ERASED;
  return openText(key, ciphertext, `${subjectId}:${field}`);
}

import { v5 as uuidv5 } from 'uuid';

/** Namespace of the alerts service's derived ids (a random UUID, fixed once). */
const ALERTS_NAMESPACE = '8e3f1c52-6a0d-4b8e-9c1a-2f5d7b9e4a36';

/**
 * An id that is a function of what it stands for (an alert's rule key), so every evaluator that reaches the same
 * decision names the same alert, and the alert's stream can only be created once.
 */
export function derivedId(key: string): string {
  return uuidv5(key, ALERTS_NAMESPACE);
}

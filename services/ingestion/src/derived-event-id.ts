import { derivedId } from '@llmlab/service-kit';

/** Namespace of the ingestion service's derived event ids (a random UUID, fixed once). */
const INGESTION_NAMESPACE = '4f0c6f53-1d0e-4a4b-9f2c-7f1d3c2b8e61';

/**
 * An event id that is a function of what the event stands for (a batch part, a refresh part, a correction), so
 * that doing the same work again appends an event the store recognises as already written. Handlers compute it and
 * pass it in the command: deciders never mint ids.
 */
export function derivedEventId(...parts: (string | number)[]): string {
  return derivedId(INGESTION_NAMESPACE, ...parts);
}

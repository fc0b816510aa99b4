import { ProxyErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class ProxyError extends CodedError<ProxyErrorCode> {}

export const invalidProviderKey = (errors: FieldError[]) =>
  new ProxyError(ProxyErrorCode.ProviderKeyInvalid, describeFieldErrors(errors), errors);
export const providerKeyNotFound = () =>
  new ProxyError(ProxyErrorCode.ProviderKeyNotFound, 'the project has no key stored for that provider');

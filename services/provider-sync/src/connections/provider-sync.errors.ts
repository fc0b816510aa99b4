import { ProviderSyncErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class ProviderSyncError extends CodedError<ProviderSyncErrorCode> {}

export const invalidConnection = (errors: FieldError[]) =>
  new ProviderSyncError(ProviderSyncErrorCode.ConnectionInvalid, describeFieldErrors(errors), errors);
export const credentialsRejected = () =>
  new ProviderSyncError(ProviderSyncErrorCode.CredentialsRejected, 'credentials.adminKey: the provider refused the admin key', [
    { field: '/credentials/adminKey', message: 'the provider refused the admin key' } as FieldError,
  ]);
export const connectionNotFound = () => new ProviderSyncError(ProviderSyncErrorCode.ConnectionNotFound, 'no such provider connection');
export const invalidSync = (errors: FieldError[]) =>
  new ProviderSyncError(ProviderSyncErrorCode.SyncInvalid, describeFieldErrors(errors), errors);
export const providerUnavailable = (message: string) => new ProviderSyncError(ProviderSyncErrorCode.ProviderUnavailable, message);

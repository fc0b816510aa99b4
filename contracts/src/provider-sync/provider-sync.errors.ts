export enum ProviderSyncErrorCode {
  /** A connection request with a bad field (errors name it, e.g. `/provider`, `/baseUrl`). */
  ConnectionInvalid = 'PROVIDER_CONNECTION_INVALID',
  /** The provider refused the credentials (errors name `credentials.adminKey`). */
  CredentialsRejected = 'PROVIDER_CREDENTIALS_REJECTED',
  /** No such connection in the organization of the request (another tenant's is not found either). */
  ConnectionNotFound = 'PROVIDER_CONNECTION_NOT_FOUND',
  /** The connection was changed since the revision the caller read. */
  ConnectionConflict = 'PROVIDER_CONNECTION_CONFLICT',
  /** A sync or cost query with a bad range or grouping (errors name the field). */
  SyncInvalid = 'PROVIDER_SYNC_INVALID',
  /** The provider could not be reached or kept failing after the bounded retries. */
  ProviderUnavailable = 'PROVIDER_UNAVAILABLE',
}

export const PROVIDER_SYNC_ERROR_CODES: readonly ProviderSyncErrorCode[] = Object.values(ProviderSyncErrorCode);

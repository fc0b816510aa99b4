import { ProxyErrorCode } from '@llmlab/contracts';
import { CodedError, describeFieldErrors, type FieldError } from '@llmlab/domain';

export class ProxyError extends CodedError<ProxyErrorCode> {}

export const invalidProviderKey = (errors: FieldError[]) =>
  new ProxyError(ProxyErrorCode.ProviderKeyInvalid, describeFieldErrors(errors), errors);
export const providerKeyNotFound = () =>
  new ProxyError(ProxyErrorCode.ProviderKeyNotFound, 'the project has no key stored for that provider');
export const invalidRoute = (errors: FieldError[]) => new ProxyError(ProxyErrorCode.RouteInvalid, describeFieldErrors(errors), errors);
export const routeNotFound = () => new ProxyError(ProxyErrorCode.RouteNotFound, 'no such route in the project');
export const routeLimitReached = (max: number) =>
  new ProxyError(ProxyErrorCode.RouteLimitReached, `a project has at most ${max} routes: remove one first`);
export const routeTaken = (model: string, feature: string | null) =>
  new ProxyError(
    ProxyErrorCode.RouteTaken,
    `${model}${feature === null ? '' : ` (feature ${JSON.stringify(feature)})`} already has a route that does not apply this recommendation: edit or remove that route first`,
  );

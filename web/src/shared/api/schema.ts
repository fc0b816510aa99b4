// The API's types are the SDK's: one generation from docs/openapi.json (`npm run sdk:generate`) for both clients.
export type { components, paths } from '../../../../libs/sdk/src/generated/api';
import type { components } from '../../../../libs/sdk/src/generated/api';

export type Schemas = components['schemas'];
export type Money = Schemas['MoneyDto'];
export type Problem = Schemas['Problem'];

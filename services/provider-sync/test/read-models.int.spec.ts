import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('provider-sync');

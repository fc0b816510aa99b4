import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('alerts');

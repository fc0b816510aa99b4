import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('auth');

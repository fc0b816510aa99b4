import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('recommendations');

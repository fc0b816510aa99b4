import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('audit');

import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('proxy');

import { describeReadModelDrift } from '@llmlab/testing';

describeReadModelDrift('ingestion');

import { backoffDelay } from './run-consumer';

describe('backoffDelay', () => {
  it('takes the step of the failed delivery and repeats the last one', () => {
    const steps = [100, 1_000, 10_000];
    expect([1, 2, 3, 4, 9].map((d) => backoffDelay(steps, d))).toEqual([100, 1_000, 10_000, 10_000, 10_000]);
  });

  it('is immediate without steps', () => {
    expect(backoffDelay([], 3)).toBe(0);
  });
});

import { detectErrorRateSpike } from './error-rate';

const week = { requests: 50_000, errors: 1_000 };

describe('detectErrorRateSpike', () => {
  it('fires when the error rate is far above its baseline', () => {
    const result = detectErrorRateSpike({ requests: 400, errors: 80 }, week);
    expect(result).toMatchObject({ fires: true, reason: 'spike', rate: 0.2, baselineRate: 0.02 });
    expect(result.score).toBeGreaterThan(20);
  });

  it('stays silent on ordinary fluctuation around the baseline', () => {
    expect(detectErrorRateSpike({ requests: 400, errors: 12 }, week)).toMatchObject({ fires: false, reason: 'normal' });
  });

  it('needs the rate to clear the z-test, the ratio and the absolute floor together', () => {
    // 4% is twice the baseline but below the 5% floor.
    expect(detectErrorRateSpike({ requests: 5_000, errors: 200 }, week).fires).toBe(false);
    // 4 failures in 60 calls (6.7%) clear the floor and the ratio, but at a 2% baseline they are within chance.
    expect(detectErrorRateSpike({ requests: 60, errors: 4 }, week)).toMatchObject({ fires: false, reason: 'normal' });
  });

  it('needs enough requests now and in the baseline', () => {
    expect(detectErrorRateSpike({ requests: 20, errors: 20 }, week)).toMatchObject({ fires: false, reason: 'insufficient-requests' });
    expect(detectErrorRateSpike({ requests: 500, errors: 500 }, { requests: 100, errors: 0 })).toMatchObject({
      fires: false,
      reason: 'insufficient-history',
    });
  });

  it('gives a spotless history a floor, so a real outage still fires and one error does not', () => {
    const spotless = { requests: 10_000, errors: 0 };
    expect(detectErrorRateSpike({ requests: 100, errors: 10 }, spotless)).toMatchObject({ fires: true, baselineRate: 0.001 });
    expect(detectErrorRateSpike({ requests: 100, errors: 1 }, spotless).fires).toBe(false);
  });

  it('fires on a total outage even over a poor baseline', () => {
    expect(detectErrorRateSpike({ requests: 300, errors: 300 }, { requests: 1_000, errors: 600 })).toMatchObject({
      fires: true,
      threshold: 1,
    });
  });

  it('refuses impossible counts', () => {
    expect(() => detectErrorRateSpike({ requests: 10, errors: 11 }, week)).toThrow('current: requests and errors');
    expect(() => detectErrorRateSpike({ requests: 10, errors: 1 }, { requests: -1, errors: 0 })).toThrow('baseline');
  });
});

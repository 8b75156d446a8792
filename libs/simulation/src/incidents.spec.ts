import { beforeAll, describe, expect, it } from '@jest/globals';
import { correlationAlert, type CorrelationAlert } from './alert.js';
import { generateBook } from './book.js';
import { readScenarioDir } from './files.js';
import type { Scenario } from './scenario.js';
import { runModel, simulate, type ModelResult } from './simulate.js';
import { parseWad } from './wad.js';

const usd = (text: string): bigint => parseWad(text, 'test');

interface Run {
  scenario: Scenario;
  /** run for the incidents (key-point paths) only: the synthetic crashes are the slow ones */
  shared: ModelResult | null;
  segmented: ModelResult;
  alert: CorrelationAlert;
}

/** The calibration targets the bundled incident files state (INCIDENTS.md, each file's assumptions). */
describe('bundled scenarios', () => {
  const results = new Map<string, Run>();
  const run = (name: string): Run => {
    const r = results.get(name);
    if (!r) throw new Error(`no bundled scenario ${name}`);
    return r;
  };
  const assertBetween = (value: bigint, low: string, high: string) => {
    expect(value).toBeGreaterThanOrEqual(usd(low));
    expect(value).toBeLessThanOrEqual(usd(high));
  };

  const shared = (name: string): ModelResult => {
    const r = run(name).shared;
    if (!r) throw new Error(`${name} was run segmented only`);
    return r;
  };

  beforeAll(() => {
    for (const scenario of readScenarioDir()) {
      if (scenario.synthetic) {
        const segmented = runModel(scenario, generateBook(scenario), 'segmented');
        results.set(scenario.name, { scenario, shared: null, segmented, alert: correlationAlert(scenario) });
      } else results.set(scenario.name, simulate(scenario));
    }
  });

  it('aave-crv-2022: the CRV squeeze leaves about $1.6M of bad debt in a shared pool', () => {
    assertBetween(shared('aave-crv-2022').badDebtUsd, '1300000', '1900000');
  });

  it('mango-2022: the MNGO pump drains about $115M from a shared pool, under $10M when segmented', () => {
    assertBetween(shared('mango-2022').badDebtUsd, '100000000', '125000000');
    expect(run('mango-2022').segmented.badDebtUsd).toBeLessThan(usd('10000000'));
  });

  it('venus-xvs-2021: the XVS pump and fall leave about $100M of bad debt in a shared pool', () => {
    assertBetween(shared('venus-xvs-2021').badDebtUsd, '90000000', '115000000');
  });

  it('venus-luna-2022: the stuck LUNA feed leaves about $11.2M of bad debt in a shared pool', () => {
    assertBetween(shared('venus-luna-2022').badDebtUsd, '10000000', '12500000');
  });

  it('compound-dai-2020: the DAI oracle print liquidates about $89M in a shared pool', () => {
    assertBetween(shared('compound-dai-2020').liquidations.repaidUsd, '75000000', '105000000');
  });

  it('spreads every incident into unexposed segments when shared, none when segmented unless assets correlate', () => {
    const correlated: string[] = [];
    for (const [name, { scenario, shared, segmented }] of results) {
      // a shared pool makes the unexposed segments' suppliers and fund pay for every incident
      // (except Compound DAI: its liquidations paid the pooled fund more in fees than the bad debt took)
      if (shared) expect([name, shared.contagionUsd > 0n]).toEqual([name, name !== 'compound-dai-2020']);
      if (scenario.synthetic && (scenario.syntheticCorrelation ?? 0) > 0) {
        // correlated assets fall with the shocked one: their own segments lose, with no contagion through the pool
        correlated.push(name);
        expect([name, segmented.contagionUsd > 0n]).toEqual([name, true]);
      } else {
        expect([name, segmented.contagionUsd]).toEqual([name, 0n]);
        expect([name, segmented.contagionSuppliers]).toEqual([name, 0]);
      }
    }
    expect(correlated.sort()).toEqual(['correlated-0.5', 'correlated-0.9', 'correlated-1.0']);
    expect(results.size).toBeGreaterThanOrEqual(9);
    // the more the assets move together, the more the segments outside the shock lose
    const c = (name: string) => run(name).segmented.contagionUsd;
    expect(c('correlated-0.5')).toBeLessThan(c('correlated-0.9'));
    expect(c('correlated-0.9')).toBeLessThan(c('correlated-1.0'));
  });

  it('fires the correlation alert on correlated synthetic paths only', () => {
    for (const [name, { scenario, alert }] of results) {
      if (!scenario.synthetic)
        expect([name, alert.skipped]).toEqual([name, 'key-point paths carry no noise to correlate']);
    }
    expect(run('correlated-0').alert).toMatchObject({ skipped: null, firstStep: null, stepsOn: 0 });
    // at ρ = 1 every index moves as one: the alert fires as soon as the oracle has a full window (29 returns)
    const one = run('correlated-1.0').alert;
    expect(one.firstStep).toBe(29);
    expect(one.pair?.rho).toBeCloseTo(1, 9);
    // at ρ = 0.5 the calm returns stay under 0.8; the common crash (from step 60) pushes a pair over it
    expect(run('correlated-0.5').alert.firstStep).toBeGreaterThan(60);
  });
});

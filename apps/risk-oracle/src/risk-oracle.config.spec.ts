import { describe, expect, it } from '@jest/globals';
import { loadRiskOracleSettings, redactSettings, RiskOracleConfigError } from './risk-oracle.config.js';

describe('loadRiskOracleSettings', () => {
  it('has defaults that work on the devnet, with the devnet keys flagged', () => {
    const s = loadRiskOracleSettings({});
    expect(s.usingDevnetKeys).toBe(true);
    expect(s.risk.window).toBe(30);
    expect(s.risk.policy.loosen).toBe(false);
    expect(s.correlationWindow).toBe(29);
    expect(JSON.stringify(redactSettings(s))).not.toContain(s.stewardKey.slice(2));
  });

  it('refuses bad values, listing every one', () => {
    let error: unknown;
    try {
      loadRiskOracleSettings({
        RISK_WINDOW: '2',
        RISK_POLICY_LOOSEN: 'maybe',
        RISK_STEWARD_KEY: '0x1',
        RISK_CORRELATION_THRESHOLD: '2',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RiskOracleConfigError);
    const message = (error as Error).message;
    expect(message).toContain('RISK_WINDOW must be a whole number from 3');
    expect(message).toContain('RISK_POLICY_LOOSEN must be true or false');
    expect(message).toContain('RISK_STEWARD_KEY must be a 32-byte hex private key');
    expect(message).toContain('RISK_CORRELATION_THRESHOLD must be a number from -1 to 1');
  });

  it('plans liquidity routes in dry-run by default, and checks the routing mode and targets', () => {
    const s = loadRiskOracleSettings({});
    expect(s.routing.mode).toBe('dry-run');
    expect(s.routing.intervalMs).toBe(60_000);
    expect(s.routing.targets).toEqual({
      sourceBelowBps: 5_000,
      destinationAboveBps: 8_000,
      destinationTargetBps: 7_000,
      marginBps: 10,
    });
    expect(JSON.stringify(redactSettings(s))).not.toContain(s.routing.operatorKey.slice(2));
    // submitting with the well-known devnet operator key is flagged like the other devnet keys
    const keys = { RISK_STEWARD_KEY: `0x${'11'.repeat(32)}`, RISK_KEEPER_KEY: `0x${'22'.repeat(32)}` };
    expect(loadRiskOracleSettings({ ...keys, RISK_ROUTING: 'dry-run' }).usingDevnetKeys).toBe(false);
    expect(loadRiskOracleSettings({ ...keys, RISK_ROUTING: 'submit' }).usingDevnetKeys).toBe(true);
    expect(() => loadRiskOracleSettings({ RISK_ROUTING: 'yes' })).toThrow(
      'RISK_ROUTING must be one of off, dry-run, submit, got "yes"',
    );
    expect(() =>
      loadRiskOracleSettings({ RISK_ROUTING_SOURCE_BELOW_BPS: '7500', RISK_ROUTING_TARGET_BPS: '7000' }),
    ).toThrow(
      /RISK_ROUTING_\* targets: routing targets must satisfy sourceBelow \(7500\) ≤ destinationTarget \(7000\)/,
    );
  });

  it('keeps the correlation window inside the price window', () => {
    expect(() => loadRiskOracleSettings({ RISK_WINDOW: '10', RISK_CORRELATION_WINDOW: '10' })).toThrow(
      'RISK_CORRELATION_WINDOW must be at most RISK_WINDOW − 1 (9)',
    );
  });
});

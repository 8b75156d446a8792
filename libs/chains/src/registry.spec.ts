import { describe, expect, it } from '@jest/globals';
import { ChainRegistry, parseChainConfigs } from '#app/chains';

const valid = {
  chains: [
    {
      name: 'hub',
      chainId: 31401,
      eid: 40101,
      rpcUrls: ['http://127.0.0.1:8545', 'http://127.0.0.1:8546'],
      confirmations: 2,
      contracts: { endpoint: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    },
    { name: 'spoke', chainId: 31402, eid: 40102, rpcUrls: ['http://127.0.0.1:9545'], confirmations: 1, contracts: {} },
  ],
};

describe('ChainRegistry.config', () => {
  it('parses a chain config file and looks chains and contracts up', () => {
    const registry = new ChainRegistry(parseChainConfigs(valid));
    expect(registry.eids).toEqual([40101, 40102]);
    expect(registry.byName('spoke').chainId).toBe(31402);
    expect(registry.byEidOrThrow(40101).rpcUrls).toHaveLength(2);
    expect(registry.contract(40101, 'endpoint')).toBe('0x5FbDB2315678afecb367f032d93F642f64180aa3');
    expect(() => registry.contract(40102, 'endpoint')).toThrow(/no endpoint deployed on eid 40102/);
    expect(() => registry.byEidOrThrow(1)).toThrow(/unknown eid 1 \(known: 40101, 40102\)/);
  });

  it('reports every problem of a bad file at once, naming chain and field', () => {
    const bad = {
      chains: [
        {
          name: 'hub',
          chainId: 0,
          eid: 40101,
          rpcUrls: ['ftp://x'],
          confirmations: 1,
          contracts: { endpoint: '0x12' },
        },
      ],
    };
    const parse = () => parseChainConfigs(bad, 'chains.json');
    expect(parse).toThrow(/chains\.json: chains\[0\] \(hub\)\.chainId must be a whole number ≥ 1/);
    expect(parse).toThrow(/chains\[0\] \(hub\)\.rpcUrls must list/);
    expect(parse).toThrow(/chains\[0\] \(hub\)\.contracts\.endpoint is not an address/);
    expect(() => parseChainConfigs({ chains: [] })).toThrow(/at least one chain/);
  });

  it('refuses two chains with the same eid or chain id', () => {
    const [hub] = parseChainConfigs(valid);
    if (!hub) throw new Error('fixture has a hub');
    expect(() => new ChainRegistry([hub, { ...hub, name: 'copy', chainId: 1 }])).toThrow(/two chains share eid 40101/);
    expect(() => new ChainRegistry([hub, { ...hub, name: 'copy', eid: 1 }])).toThrow(/two chains share chain id 31401/);
  });
});

import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchExecutor } from '#app/contracts';
import { buildContracts, GENERATED_DIR, MAX_RUNTIME_SIZE } from './pipeline.js';

describe('ContractPipeline.build', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'segment-contracts-'));
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('compiles our contracts and types every artifact with abi and bytecode', () => {
    const result = buildContracts({ outDir });
    const files = readdirSync(outDir);
    expect(files).toEqual(expect.arrayContaining(['BatchExecutor.ts', 'SmokeOApp.ts', 'EndpointV2.ts', 'DVN.ts', 'index.ts']));
    expect(result.artifacts).toBe(files.length - 1);
    const text = readFileSync(join(outDir, 'BatchExecutor.ts'), 'utf8');
    expect(text).toMatch(/bytecode: '0x[0-9a-f]{200,}'/);
    expect(text).toMatch(/\} as const;\n$/);
    expect(BatchExecutor.abi.map((i) => ('name' in i ? i.name : i.type))).toEqual(
      expect.arrayContaining(['deliver', 'setOperator', 'PacketOutcome', 'NotOperator']),
    );
    expect(BatchExecutor.deployedSize).toBeLessThanOrEqual(MAX_RUNTIME_SIZE);
  });

  it('finds no drift between the committed artifacts and the sources', () => {
    expect(() => buildContracts({ check: true })).not.toThrow();
    expect(readdirSync(GENERATED_DIR).sort()).toEqual(readdirSync(outDir).sort());
  });

  it('reports an edited or stale generated file in check mode', () => {
    const target = join(outDir, 'SmokeOApp.ts');
    writeFileSync(target, readFileSync(target, 'utf8').replace("deployedSize: ", 'deployedSize: 1'));
    writeFileSync(join(outDir, 'Leftover.ts'), 'export {};\n');
    expect(() => buildContracts({ outDir, check: true })).toThrow(/SmokeOApp\.ts.*Leftover\.ts \(stale\)/s);
    const repaired = buildContracts({ outDir });
    expect(repaired.written).toEqual(['SmokeOApp.ts']);
    expect(repaired.removed).toEqual(['Leftover.ts']);
  });
});

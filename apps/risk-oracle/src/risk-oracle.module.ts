import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { ChainRegistry } from '#app/chains';
import { serviceChainRegistry } from '#app/devnet';
import type { RiskRepository } from '#app/persistence';
import { buildOracleChains } from './chains.js';
import { OracleController } from './http/oracle.controller.js';
import { RiskOracleMetrics } from './metrics.js';
import { RiskOracleConfigError, type RiskOracleSettings } from './risk-oracle.config.js';
import { RiskOracleService } from './risk-oracle.service.js';
import { ORACLE_CHAINS, RISK_REPOSITORY, RISK_SETTINGS } from './tokens.js';

function chainRegistry(settings: RiskOracleSettings): ChainRegistry {
  return serviceChainRegistry(
    { chainsFile: settings.chainsFile, manifestPath: settings.manifestPath, chainsFileVariable: 'RISK_CHAINS_FILE' },
    (message) => new RiskOracleConfigError(message),
  );
}

/** The risk oracle as a Nest module: ingestion, assessment, steward proposals, alerts, keeper, HTTP. */
@Module({})
export class RiskOracleModule {
  static forRoot(options: { settings: RiskOracleSettings; repo: RiskRepository }): DynamicModule {
    return {
      module: RiskOracleModule,
      imports: [ScheduleModule.forRoot()],
      controllers: [OracleController],
      providers: [
        { provide: RISK_SETTINGS, useValue: options.settings },
        { provide: RISK_REPOSITORY, useValue: options.repo },
        {
          provide: ORACLE_CHAINS,
          useFactory: () =>
            buildOracleChains(chainRegistry(options.settings), {
              steward: options.settings.stewardKey,
              keeper: options.settings.keeperKey,
            }),
        },
        RiskOracleMetrics,
        RiskOracleService,
      ],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import type { ChainRegistry } from '#app/chains';
import { serviceChainRegistry } from '#app/devnet';
import type { RiskRepository } from '#app/persistence';
import { routingChains } from '#app/risk';
import { buildOracleChains } from './chains.js';
import { OracleController } from './http/oracle.controller.js';
import { RoutingController } from './http/routing.controller.js';
import { RiskOracleMetrics } from './metrics.js';
import { RiskOracleConfigError, type RiskOracleSettings } from './risk-oracle.config.js';
import { RiskOracleService } from './risk-oracle.service.js';
import { RoutingPlannerService } from './routing/routing-planner.service.js';
import { CHAIN_REGISTRY, ORACLE_CHAINS, RISK_REPOSITORY, RISK_SETTINGS, ROUTING_CHAINS } from './tokens.js';

function chainRegistry(settings: RiskOracleSettings): ChainRegistry {
  return serviceChainRegistry(
    { chainsFile: settings.chainsFile, manifestPath: settings.manifestPath, chainsFileVariable: 'RISK_CHAINS_FILE' },
    (message) => new RiskOracleConfigError(message),
  );
}

/** The risk oracle as a Nest module: ingestion, assessment, steward proposals, alerts, keeper, routing planner, HTTP. */
@Module({})
export class RiskOracleModule {
  static forRoot(options: { settings: RiskOracleSettings; repo: RiskRepository }): DynamicModule {
    return {
      module: RiskOracleModule,
      imports: [ScheduleModule.forRoot()],
      controllers: [OracleController, RoutingController],
      providers: [
        { provide: RISK_SETTINGS, useValue: options.settings },
        { provide: RISK_REPOSITORY, useValue: options.repo },
        { provide: CHAIN_REGISTRY, useFactory: () => chainRegistry(options.settings) },
        {
          provide: ORACLE_CHAINS,
          inject: [CHAIN_REGISTRY],
          useFactory: (registry: ChainRegistry) =>
            buildOracleChains(registry, {
              steward: options.settings.stewardKey,
              keeper: options.settings.keeperKey,
            }),
        },
        {
          provide: ROUTING_CHAINS,
          inject: [CHAIN_REGISTRY],
          useFactory: (registry: ChainRegistry) => {
            const { mode, operatorKey } = options.settings.routing;
            return mode === 'off' ? [] : routingChains(registry, mode === 'submit' ? operatorKey : undefined);
          },
        },
        RiskOracleMetrics,
        RiskOracleService,
        RoutingPlannerService,
      ],
    };
  }
}

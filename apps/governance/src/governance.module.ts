import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GOVERNANCE_CONTEXT, GovernanceService, type GovernanceContext } from './governance.service.js';
import { GovernanceController } from './http/governance.controller.js';
import { RateLimitGuard } from './http/rate-limit.guard.js';

@Module({})
export class GovernanceModule {
  static forRoot(ctx: GovernanceContext): DynamicModule {
    return {
      module: GovernanceModule,
      controllers: [GovernanceController],
      providers: [
        { provide: GOVERNANCE_CONTEXT, useValue: ctx },
        {
          provide: GovernanceService,
          useFactory: (c: GovernanceContext) => new GovernanceService(c),
          inject: [GOVERNANCE_CONTEXT],
        },
        { provide: APP_GUARD, useValue: new RateLimitGuard(ctx.settings.rateLimitPerMinute) },
      ],
    };
  }
}

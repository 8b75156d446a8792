import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { GOVERNANCE_CONTEXT, type GovernanceContext } from './governance.context.js';
import { GovernanceService } from './governance.service.js';
import { GovernanceController } from './http/governance.controller.js';
import { RateLimitGuard } from './http/rate-limit.guard.js';
import { RoutesController } from './http/routes.controller.js';
import { RoutesService } from './routes/routes.service.js';

@Module({})
export class GovernanceModule {
  static forRoot(ctx: GovernanceContext): DynamicModule {
    return {
      module: GovernanceModule,
      controllers: [GovernanceController, RoutesController],
      providers: [
        { provide: GOVERNANCE_CONTEXT, useValue: ctx },
        {
          provide: RoutesService,
          useFactory: (c: GovernanceContext) => new RoutesService(c),
          inject: [GOVERNANCE_CONTEXT],
        },
        {
          provide: GovernanceService,
          useFactory: (c: GovernanceContext, routes: RoutesService) => new GovernanceService(c, routes),
          inject: [GOVERNANCE_CONTEXT, RoutesService],
        },
        { provide: APP_GUARD, useValue: new RateLimitGuard(ctx.settings.rateLimitPerMinute) },
      ],
    };
  }
}

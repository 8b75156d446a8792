import { existsSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadRequestException, ConsoleLogger, ValidationPipe, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ValidationError } from 'class-validator';
import { serviceChainRegistry } from '#app/devnet';
import { GovernanceRepository, openDatabase, type Database } from '#app/persistence';
import { buildGovernanceChains } from './chains.js';
import { GovernanceConfigError, type GovernanceSettings } from './governance.config.js';
import { GovernanceModule } from './governance.module.js';
import { GovernanceService } from './governance.service.js';
import { GovernanceErrorFilter } from './http/error.filter.js';

export interface GovernanceApp {
  app: NestExpressApplication;
  database: Database;
  service: GovernanceService;
  openApi: OpenAPIObject;
  url: string;
  close(): Promise<void>;
}

/** apps/governance/console, from source or from dist/. */
function consoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'apps', 'governance', 'console');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new GovernanceConfigError('apps/governance/console not found above the installed module');
}

/** `collaterals.0.ltvBps must not be greater than 10000` → `collaterals[0].ltvBps: …` */
function messages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = /^\d+$/.test(e.property)
      ? `${parent}[${e.property}]`
      : parent
        ? `${parent}.${e.property}`
        : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m.replace(/^[\w.]+ /, '')}`);
    return [...own, ...messages(e.children ?? [], path)];
  });
}

/** JSON bodies nested deeper are refused (400): class-transformer recurses once per level and would overflow the stack (500). */
const MAX_JSON_DEPTH = 32;

/** A JSON.parse reviver that refuses bodies nested deeper than MAX_JSON_DEPTH (it sees children before parents). */
function depthLimit(): (key: string, value: unknown) => unknown {
  const depths = new WeakMap<object, number>();
  return (_key, value) => {
    if (value === null || typeof value !== 'object') return value;
    let depth = 1;
    const children: unknown[] = Object.values(value);
    for (const child of children)
      if (child !== null && typeof child === 'object') depth = Math.max(depth, (depths.get(child) ?? 1) + 1);
    if (depth > MAX_JSON_DEPTH) throw new SyntaxError(`request body nested deeper than ${MAX_JSON_DEPTH} levels`);
    depths.set(value, depth);
    return value;
  };
}

/** Opens the database (migrated), reads the chains, serves the API, its OpenAPI document and the console. */
export async function startGovernanceApp(
  settings: GovernanceSettings,
  logger: LoggerService | false = new ConsoleLogger({ json: true, colors: false }),
): Promise<GovernanceApp> {
  const registry = serviceChainRegistry(
    { chainsFile: settings.chainsFile, manifestPath: settings.manifestPath, chainsFileVariable: 'GOV_CHAINS_FILE' },
    (m) => new GovernanceConfigError(m),
  );
  const { hub, chains } = buildGovernanceChains(registry, settings.executorKey);
  const database = await openDatabase({
    ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : { dataDir: settings.dataDir }),
    ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}),
  });
  try {
    const repo = new GovernanceRepository(database.dataSource);
    const app = await NestFactory.create<NestExpressApplication>(
      GovernanceModule.forRoot({ settings, hub, chains, repo }),
      {
        logger,
        abortOnError: false,
      },
    );
    app.useBodyParser('json', { reviver: depthLimit() });
    app.useGlobalPipes(
      new ValidationPipe({
        whitelist: true,
        forbidNonWhitelisted: true,
        transform: true,
        exceptionFactory: (errors) =>
          new BadRequestException({ statusCode: 400, error: 'INVALID', message: messages(errors) }),
      }),
    );
    app.useGlobalFilters(new GovernanceErrorFilter());
    const openApi = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Segment Bridge governance')
        .setDescription('Propose, co-sign and execute segment boundary changes; reads are public, writes are signed.')
        .setVersion('1')
        .build(),
    );
    SwaggerModule.setup('docs', app, openApi, { jsonDocumentUrl: 'docs-json' });
    app.useStaticAssets(consoleDir(), { index: 'index.html' });
    await app.listen(settings.httpPort, settings.httpHost);
    const address = (app.getHttpServer() as Server).address() as AddressInfo; // a TCP socket once listening
    return {
      app,
      database,
      service: app.get(GovernanceService),
      openApi,
      url: `http://${settings.httpHost}:${address.port}`,
      close: async () => {
        await app.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

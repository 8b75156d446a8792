import type { AddressInfo, Server } from 'node:net';
import { ConsoleLogger, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { openDatabase, RiskRepository, type Database } from '#app/persistence';
import type { RiskOracleSettings } from './risk-oracle.config.js';
import { RiskOracleModule } from './risk-oracle.module.js';
import { RiskOracleService } from './risk-oracle.service.js';

export interface RiskOracleApp {
  app: INestApplication;
  database: Database;
  service: RiskOracleService;
  url: string;
  close(): Promise<void>;
}

/** Opens the database (migrated), starts the oracle's loop and its HTTP API. */
export async function startRiskOracleApp(
  settings: RiskOracleSettings,
  logger: LoggerService | false = new ConsoleLogger({ json: true, colors: false }),
): Promise<RiskOracleApp> {
  const database = await openDatabase({
    ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : { dataDir: settings.dataDir }),
    ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}),
  });
  try {
    const app = await NestFactory.create(
      RiskOracleModule.forRoot({ settings, repo: new RiskRepository(database.dataSource) }),
      {
        logger,
        abortOnError: false,
      },
    );
    await app.listen(settings.httpPort, settings.httpHost);
    const address = (app.getHttpServer() as Server).address() as AddressInfo; // a TCP socket once listening
    return {
      app,
      database,
      service: app.get(RiskOracleService),
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

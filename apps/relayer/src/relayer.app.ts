import type { AddressInfo, Server } from 'node:net';
import { ConsoleLogger, ValidationPipe, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { openDatabase, PacketRepository, SignerLocks, TxAttemptRepository, type Database } from '#app/persistence';
import type { RelayerSettings } from './relayer.config.js';
import { RelayerModule } from './relayer.module.js';
import { RelayerService } from './relayer.service.js';

export interface RelayerApp {
  app: INestApplication;
  database: Database;
  service: RelayerService;
  /** The HTTP base URL once listening. */
  url: string;
  close(): Promise<void>;
}

/** JSON lines on stdout: `{ level, context, message: { at, … } }`. */
export function jsonLogger(): LoggerService {
  return new ConsoleLogger({ json: true, colors: false });
}

/**
 * Opens the database (migrated), builds the relayer's Nest application, starts the pipeline and
 * the HTTP API. `close()` stops the pipeline, gives back its leases and closes the database.
 */
export async function startRelayerApp(
  settings: RelayerSettings,
  logger: LoggerService | false = jsonLogger(),
): Promise<RelayerApp> {
  const database = await openDatabase({
    ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : { dataDir: settings.dataDir }),
    ...(settings.databaseSchema ? { schema: settings.databaseSchema } : {}),
  });
  try {
    const store = new PacketRepository(database.dataSource);
    const locks = new SignerLocks(database.dataSource, database.kind, settings.maxSenderChains);
    const app = await NestFactory.create(
      RelayerModule.forRoot({ settings, store, locks, attempts: new TxAttemptRepository(database.dataSource) }),
      {
        logger,
        abortOnError: false,
      },
    );
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    await app.listen(settings.httpPort, settings.httpHost);
    const server = app.getHttpServer() as Server; // express over node:http
    const address = server.address() as AddressInfo; // a TCP socket once listening
    return {
      app,
      database,
      service: app.get(RelayerService),
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

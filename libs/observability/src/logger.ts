import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '@herald/config';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON line per log record, so each event and attempt is a single wide line with its ids,
 * outcome and duration. Also serves as Nest's logger.
 */
export class JsonLogger implements LoggerService {
  constructor(
    private readonly service: string,
    private readonly level: LogLevel = 'info',
  ) {}

  event(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      service: this.service,
      msg,
      ...fields,
    });
    (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  }

  log(message: unknown, context?: string): void {
    this.event('info', String(message), context ? { context } : {});
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.event('error', String(message), {
      ...(trace ? { trace } : {}),
      ...(context ? { context } : {}),
    });
  }
  warn(message: unknown, context?: string): void {
    this.event('warn', String(message), context ? { context } : {});
  }
  debug(message: unknown, context?: string): void {
    this.event('debug', String(message), context ? { context } : {});
  }
  verbose(message: unknown, context?: string): void {
    this.event('debug', String(message), context ? { context } : {});
  }
}
